package io.ncsync.daemon.e2e;

import static io.ncsync.daemon.e2e.E2eFiles.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ncsync.protocol.testing.nextcloud.RequestLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Moves against the Nextcloud-compatible test server, which lists {@code oc:fileid}: a rename on the server of a file
 * and of a folder of 100 files is one local rename (the same inode under the new name) and no file body comes down; a
 * local rename is one MOVE and no upload (the server's request log shows what the daemon sent).
 */
class NextcloudMovesIT extends NextcloudE2eBase {

  @Test
  void aFileRenamedOnTheServerIsOneLocalRenameAndNoDownload() {
    Library lib = newLibrary("nc-mv-file");
    writeRemote(lib, "notes.txt", "meeting notes");
    api.syncOk(lib.id());
    Object inode = fileKey(lib.localRoot().resolve("notes.txt"));

    remote.move(lib.remoteFolder() + "/notes.txt", lib.remoteFolder() + "/notes 2024.txt");
    server.requests().reset();
    AdminApi.assertCounters(api.syncOk(lib.id()), 0, 0, 0, 0, 0);
    List<RequestLog.Entry> log = davRequests(server.requests().entries());

    assertEquals(0, count(log, "GET"), "no file body came down:" + describe(log));
    assertEquals(0, count(log, "PUT"), "nothing went up:" + describe(log));
    assertEquals(inode, fileKey(lib.localRoot().resolve("notes 2024.txt")), "the same local file, renamed");
    Tree.assertFiles("after a rename on the server", assertConverged("after a rename on the server", lib),
        Map.of("notes 2024.txt", sha256("meeting notes")));
  }

  @Test
  void aFolderOfAHundredFilesRenamedOnTheServerIsOneLocalRenameAndNoDownload() {
    Library lib = newLibrary("nc-mv-folder");
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      writeRemote(lib, "projects/alpha/f" + i + ".txt", "file " + i);
      expected.put("done/alpha 2024/f" + i + ".txt", sha256("file " + i));
    }
    remote.mkdirs(lib.remoteFolder() + "/done");
    api.syncOk(lib.id());
    Object inode = fileKey(lib.localRoot().resolve("projects/alpha"));

    remote.move(lib.remoteFolder() + "/projects/alpha", lib.remoteFolder() + "/done/alpha 2024");
    server.requests().reset();
    AdminApi.assertCounters(api.syncOk(lib.id()), 0, 0, 0, 0, 0);
    List<RequestLog.Entry> log = davRequests(server.requests().entries());

    assertEquals(0, count(log, "GET"), "no file body came down:" + describe(log));
    assertEquals(0, count(log, "PUT") + count(log, "DELETE"), "nothing went up or away:" + describe(log));
    assertEquals(inode, fileKey(lib.localRoot().resolve("done/alpha 2024")), "the same local folder, renamed");
    Tree.assertFiles("after a folder rename on the server", assertConverged("after a folder rename", lib), expected);
  }

  @Test
  void aLocalFolderRenameIsOneMoveAndNoUpload() throws IOException {
    Library lib = newLibrary("nc-mv-local");
    for (int i = 0; i < 10; i++) writeLocal(lib, "a/f" + i + ".txt", "local " + i);
    api.syncOk(lib.id());

    Files.move(lib.localRoot().resolve("a"), lib.localRoot().resolve("b"));
    server.requests().reset();
    AdminApi.assertCounters(api.syncOk(lib.id()), 0, 0, 0, 0, 0);
    List<RequestLog.Entry> log = davRequests(server.requests().entries());

    assertEquals(1, count(log, "MOVE"), "one MOVE:" + describe(log));
    assertEquals(0, count(log, "PUT") + count(log, "GET"), "no transfer:" + describe(log));
    assertConverged("after a local folder rename", lib);
  }

  private static int count(List<RequestLog.Entry> log, String method) {
    return (int) log.stream().filter(e -> e.method().equals(method)).count();
  }

  private static Object fileKey(Path path) {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
