package io.ncsync.daemon.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.sync.ConfinedDir.SymbolicLinkRefused;
import io.ncsync.persistence.library.RunSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A workspace stays the workspace while a run works in it: a folder, or the library folder itself, swapped for a
 * symbolic link when a transfer starts is not followed, neither to read what is uploaded nor to write what is
 * downloaded; and the daemon's files in the making are known by where they live, never by their name.
 */
class WorkspaceConfinementTest extends EngineTestBase {
  private Path outside;

  @BeforeEach
  void createDecoyFolderOutsideTheWorkspace() throws IOException {
    outside = Files.createDirectories(temp.resolve("outside"));
    Files.writeString(outside.resolve("f.txt"), "decoy");
  }

  // --- symbolic links swapped in mid-run ------------------------------------------------------------------------

  @Test
  void anUploadDoesNotSendTheDecoyWhenItsFolderBecomesALink() throws Exception {
    writeLocal("sub/f.txt", "real");
    remote.beforeUpload = once("lib/sub/f.txt", () -> swapForLink(workspace.resolve("sub")));
    sync();
    assertFalse(remote.files("lib").containsValue("decoy"), "the file behind the link was sent: " + remote.files("lib"));
    assertEquals(Map.of("f.txt", "decoy"), filesUnder(outside));
  }

  @Test
  void anUploadDoesNotSendTheDecoyWhenTheLibraryFolderBecomesALink() throws Exception {
    writeLocal("f.txt", "real");
    remote.beforeUpload = once("lib/f.txt", () -> swapForLink(workspace));
    sync();
    assertNotEquals("decoy", remote.read("lib/f.txt"), "the file behind the link was sent");
    assertEquals(Map.of("f.txt", "decoy"), filesUnder(outside));
  }

  @Test
  void aDownloadDoesNotLandOutsideWhenItsFolderBecomesALink() throws Exception {
    remote.put("lib/sub/old.txt", "o");
    syncOk();
    remote.put("lib/sub/new.txt", "from the server");
    remote.beforeDownload = once("lib/sub/new.txt", () -> swapForLink(workspace.resolve("sub")));
    AtomicReference<Map<String, String>> outsideWhileDownloading = new AtomicReference<>();
    remote.afterDownload = p -> outsideWhileDownloading.set(filesUnder(outside));
    RunSummary run = sync();
    assertEquals(Map.of("f.txt", "decoy"), outsideWhileDownloading.get(), "the download was written through the link");
    assertEquals(Map.of("f.txt", "decoy"), filesUnder(outside));
    assertEquals(RunSummary.FAILED, run.outcome(), "the file cannot land and says so");
  }

  @Test
  void aDownloadDoesNotLandOutsideWhenTheLibraryFolderBecomesALink() throws Exception {
    remote.put("lib/new.txt", "from the server");
    remote.beforeDownload = once("lib/new.txt", () -> swapForLink(workspace));
    AtomicReference<Map<String, String>> outsideWhileDownloading = new AtomicReference<>();
    remote.afterDownload = p -> outsideWhileDownloading.set(filesUnder(outside));
    sync();
    assertEquals(Map.of("f.txt", "decoy"), outsideWhileDownloading.get(), "the download was written through the link");
    assertEquals(Map.of("f.txt", "decoy"), filesUnder(outside));
  }

  @Test
  void aLibraryFolderThatIsALinkIsNotScanned() throws Exception {
    swapForLink(workspace);
    RunSummary run = sync();
    assertEquals(RunSummary.FAILED, run.outcome());
    assertTrue(run.reason().contains("symbolic link"), run.reason());
    assertEquals(Map.of(), remote.files("lib"), "the decoy was not uploaded");
  }

  @Test
  void aFolderWithAnotherLinkOnItsWayIsRefusedByTheWorkspaceItself() throws Exception {
    writeLocal("sub/f.txt", "real");
    swapForLink(workspace.resolve("sub"));
    DiskWorkspace disk = new DiskWorkspace(workspacesRoot(), workspace, "t", "x");
    disk.prepareRun();
    assertThrowsLinkRefused(() -> disk.stat("sub/f.txt"));
    assertThrowsLinkRefused(() -> disk.sha256("sub/f.txt"));
    assertThrowsLinkRefused(() -> disk.stageForUpload("sub/f.txt"));
    assertThrowsLinkRefused(() -> disk.createFolder("sub/deeper"));
    try (DiskWorkspace.Staged download = disk.newDownload()) {
      Files.writeString(download.path(), "from the server");
      assertThrowsLinkRefused(() -> disk.commit(download, "sub/g.txt", 0));
    }
    assertEquals(Map.of("f.txt", "decoy"), filesUnder(outside));
  }

  // --- files in the making ---------------------------------------------------------------------------------------

  @Test
  void aUsersFileNamedLikeATemporaryFileSyncsBothWaysAndStays() throws Exception {
    remote.put("lib/.ncsync-victim.part", "a collaborator's file");
    writeLocal(".ncsync-mine.part", "my file");
    syncOk();
    syncOk();
    Map<String, String> expected = Map.of(".ncsync-victim.part", "a collaborator's file", ".ncsync-mine.part", "my file");
    assertEquals(expected, localFiles());
    assertEquals(expected, remote.files("lib"));
  }

  @Test
  void whatACrashLeftInTheStagingFolderIsRemovedAndNeverSynced() throws Exception {
    Files.createDirectories(stagingFolder().resolve("folder-1"));
    Files.writeString(stagingFolder().resolve("download-1"), "half a download");
    Files.writeString(stagingFolder().resolve("folder-1").resolve("download-2"), "half another");
    writeLocal("real.txt", "r");
    syncOk();
    assertEquals(Map.of(), filesUnder(stagingFolder()));
    assertEquals(Map.of("real.txt", "r"), localFiles());
    assertEquals(Map.of("real.txt", "r"), remote.files("lib"));
  }

  @Test
  void aRunLeavesNothingInTheStagingFolder() throws Exception {
    remote.put("lib/a/down.txt", "down");
    writeLocal("b/up.txt", "up");
    syncOk();
    assertTreesEqual();
    try (Stream<Path> left = Files.list(stagingFolder())) {
      assertEquals(0, left.count());
    }
  }

  // --- helpers ------------------------------------------------------------------------------------------------

  private interface IoAction {
    void run() throws IOException;
  }

  /** A hook for the remote's transfer of {@code absPath}, run the first time only. */
  private static java.util.function.Consumer<String> once(String absPath, IoAction action) {
    AtomicBoolean done = new AtomicBoolean();
    return path -> {
      if (path.equals(absPath) && done.compareAndSet(false, true)) {
        try {
          action.run();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }

  /** Moves the folder out of the way and puts a link to the decoy folder in its place. */
  private void swapForLink(Path folder) throws IOException {
    Files.move(folder, temp.resolve("aside-" + folder.getFileName()));
    Files.createSymbolicLink(folder, outside);
  }

  private static void assertThrowsLinkRefused(IoAction action) {
    try {
      action.run();
    } catch (SymbolicLinkRefused expected) {
      return;
    } catch (IOException e) {
      throw new AssertionError("expected a refused link, got " + e, e);
    }
    throw new AssertionError("the link was followed");
  }

  private static Map<String, String> filesUnder(Path folder) {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) files.put(folder.relativize(p).toString(), Files.readString(p));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }
}
