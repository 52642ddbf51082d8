package io.ncsync.daemon.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import static io.ncsync.daemon.e2e.E2eFiles.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Moves against a plain WebDAV server (Apache mod_dav, no file ids): a local rename of a file and of a folder of 100
 * files is carried out as one MOVE, with no upload (Apache's access log shows what the daemon sent); a rename on the
 * server, which cannot be told from a deletion plus a new file there, still loses nothing.
 */
class MovesIT extends E2eTestBase {

  @Test
  void aLocalFileRenameIsOneMoveAndNoUpload() throws IOException {
    Library lib = newLibrary("mv-file");
    writeLocal(lib, "report.txt", "the quarterly report");
    api.syncOk(lib.id());

    Files.move(lib.localRoot().resolve("report.txt"), lib.localRoot().resolve("report final.txt"));
    int from = apache.accessLog().size();
    api.syncOk(lib.id());
    List<String> requests = requestsSince(from);

    assertEquals(1, count(requests, "MOVE"), "one MOVE: " + requests);
    assertEquals(0, count(requests, "PUT"), "no upload: " + requests);
    assertEquals(0, count(requests, "DELETE"), "no deletion: " + requests);
    Tree tree = assertConverged("after a local rename", lib);
    Tree.assertFiles("after a local rename", tree, Map.of("report final.txt", sha256("the quarterly report")));
  }

  @Test
  void aLocalRenameWithANewFileAtTheOldNameIsOneMoveAndOneUpload() throws IOException {
    Library lib = newLibrary("mv-reused");
    writeLocal(lib, "notes.txt", "the old notes");
    api.syncOk(lib.id());

    Files.move(lib.localRoot().resolve("notes.txt"), lib.localRoot().resolve("notes-2024.txt"));
    writeLocal(lib, "notes.txt", "new notes, another file");
    int from = apache.accessLog().size();
    api.syncOk(lib.id());
    List<String> requests = requestsSince(from);

    long renames = requests.stream().filter(l -> l.contains("\"MOVE ") && !l.contains(".ncsync-upload-")).count();
    assertEquals(1, renames, "one MOVE of the renamed file (the new file's staged create has its own): " + requests);
    assertEquals(1, count(requests, "PUT"), "one upload, of the new file: " + requests);
    Tree tree = assertConverged("after a rename and a new file at the old name", lib);
    Tree.assertFiles("after a rename and a new file at the old name", tree, Map.of(
        "notes-2024.txt", sha256("the old notes"), "notes.txt", sha256("new notes, another file")));
  }

  @Test
  void aLocalFolderOfAHundredFilesIsOneMoveAndNoUpload() throws IOException {
    Library lib = newLibrary("mv-folder");
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      writeLocal(lib, "photos/2024/img" + i + ".txt", "picture " + i);
      expected.put("archive/2024/img" + i + ".txt", sha256("picture " + i));
    }
    Files.createDirectories(lib.localRoot().resolve("archive"));
    api.syncOk(lib.id());

    Files.move(lib.localRoot().resolve("photos/2024"), lib.localRoot().resolve("archive/2024"));
    int from = apache.accessLog().size();
    api.syncOk(lib.id());
    List<String> requests = requestsSince(from);

    assertEquals(1, count(requests, "MOVE"), "one MOVE for the whole folder: " + requests);
    assertEquals(0, count(requests, "PUT"), "no upload: " + requests);
    assertEquals(0, count(requests, "GET"), "no download: " + requests);
    Tree tree = assertConverged("after a local folder move", lib);
    Tree.assertFiles("after a local folder move", tree, expected);
    assertTrue(tree.dirs().contains("photos"), "the emptied folder stays: " + tree.dirs());

    int settled = apache.accessLog().size();
    AdminApi.assertCounters(api.syncOk(lib.id()), 0, 0, 0, 0, 0);
    assertEquals(0, count(requestsSince(settled), "MOVE"), "nothing moves again");
  }

  @Test
  void aRenamedDocumentKeepsItsIdAndItsHistorySaysWhatHappened() throws IOException {
    Library lib = newLibrary("mv-history");
    writeLocal(lib, "draft.txt", "first words");
    api.syncOk(lib.id());
    JsonNode listed = api.get("/api/v1/libraries/" + lib.id() + "/documents?path=draft.txt").json();
    assertEquals(1, listed.get("total").asInt(), listed.toString());
    String id = listed.get("documents").get(0).get("documentId").asText();
    assertEquals("synced", listed.get("documents").get(0).get("status").asText());

    Files.move(lib.localRoot().resolve("draft.txt"), lib.localRoot().resolve("final.txt"));
    api.syncOk(lib.id());

    AdminApi.Response doc = api.get("/api/v1/libraries/" + lib.id() + "/documents/" + id);
    assertEquals(200, doc.status(), doc.toString());
    assertEquals("final.txt", doc.text("path"), "the same document, at its new name");
    assertEquals("synced", doc.text("status"));
    assertEquals("file", doc.text("kind"));
    JsonNode history = doc.field("history");
    assertEquals(6, history.size(), "two runs of pending, syncing, synced: " + history);
    assertEquals("moved from draft.txt", history.get(0).get("reason").asText());
    assertEquals("syncing", history.get(0).get("from").asText());
    assertEquals("uploaded", history.get(3).get("reason").asText());
    assertTrue(history.get(5).get("from").isNull(), "first seen: " + history.get(5));
    assertEquals(404, api.get("/api/v1/libraries/" + lib.id() + "/documents/nope0").status());
    assertEquals(404, api.get("/api/v1/libraries/" + lib.id() + "/documents/..%2Fx").status());
    assertEquals(400, api.get("/api/v1/libraries/" + lib.id() + "/documents?status=lost").status());

    // The daemon restarts: the history was written to the journal's database, not kept in memory.
    daemon.stop();
    daemon.restart();
    AdminApi.Response again = api.get("/api/v1/libraries/" + lib.id() + "/documents/" + id);
    assertEquals(200, again.status(), again.toString());
    assertEquals(history, again.field("history"));
  }

  @Test
  void aRenameOnAServerWithoutFileIdsLosesNothing() {
    Library lib = newLibrary("mv-remote");
    writeLocal(lib, "a.txt", "content of a");
    api.syncOk(lib.id());

    remote.move(lib.remoteFolder() + "/a.txt", lib.remoteFolder() + "/b.txt");
    api.syncOk(lib.id());

    Tree tree = assertConverged("after a rename on the server", lib);
    Tree.assertFiles("after a rename on the server", tree, Map.of("b.txt", sha256("content of a")));
  }

  private List<String> requestsSince(int line) {
    List<String> log = apache.accessLog();
    return log.subList(Math.min(line, log.size()), log.size());
  }

  /** Requests of that method in the access log's lines ({@code ... "METHOD /path HTTP/1.1" ...}). */
  private static long count(List<String> requests, String method) {
    return requests.stream().filter(line -> line.contains("\"" + method + " ")).count();
  }
}
