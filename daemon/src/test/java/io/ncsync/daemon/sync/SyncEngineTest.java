package io.ncsync.daemon.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.pattern.StatusReply;
import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.library.LibraryStatus;
import io.ncsync.persistence.library.RunSummary;
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.persistence.sync.ConflictType;
import io.ncsync.persistence.sync.SyncMode;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The whole engine against an in-memory Nextcloud-like remote, asserting both trees after each run (Nextcloud
 * desktop's FakeFolder style); see {@link EngineTestBase}.
 */
class SyncEngineTest extends EngineTestBase {

  @Test
  void firstRunMergesBothSidesAndDeletesNothing() throws Exception {
    writeLocal("local-only.txt", "L");
    writeLocal("docs/nested/deep.txt", "deep");
    writeLocal("same.txt", "same");
    remote.put("lib/remote-only.txt", "R");
    remote.put("lib/same.txt", "same");
    remote.mkdirs("lib/empty-remote-folder").toCompletableFuture().join();

    RunSummary run = syncOk();
    assertEquals(2, run.uploaded());
    assertEquals(1, run.downloaded());
    assertEquals(0, run.deletedLocal() + run.deletedRemote());
    assertTreesEqual();
    assertTrue(Files.isDirectory(workspace.resolve("empty-remote-folder")));
    assertEquals(Map.of("local-only.txt", "L", "docs/nested/deep.txt", "deep", "same.txt", "same", "remote-only.txt", "R"), localFiles());
  }

  @Test
  void changesFlowBothWaysAndDeletionsGoToTheTrash() throws Exception {
    writeLocal("a.txt", "a1");
    writeLocal("b.txt", "b1");
    writeLocal("dir/c.txt", "c1");
    syncOk();
    writeLocal("a.txt", "a2 local edit");
    remote.put("lib/b.txt", "b2 remote edit");
    Files.delete(workspace.resolve("dir/c.txt"));
    Files.delete(workspace.resolve("dir"));
    RunSummary run = syncOk();
    assertEquals(1, run.uploaded());
    assertEquals(1, run.downloaded());
    assertEquals(1, run.deletedRemote());
    assertTreesEqual();
    assertEquals(Map.of("a.txt", "a2 local edit", "b.txt", "b2 remote edit"), remote.files("lib"));
    assertFalse(remote.files("").containsKey("lib/dir/c.txt"));

    remote.remove("lib/b.txt");
    RunSummary deletion = syncOk();
    assertEquals(1, deletion.deletedLocal());
    assertFalse(Files.exists(workspace.resolve("b.txt")));
    try (Stream<Path> trashed = Files.walk(trash)) {
      List<String> kept = new java.util.ArrayList<>();
      for (Path p : trashed.filter(p -> p.getFileName().toString().equals("b.txt")).toList()) kept.add(Files.readString(p));
      java.util.Collections.sort(kept);
      assertEquals(List.of("b1", "b2 remote edit"), kept,
          "the content the remote edit replaced, and the deleted file, are kept in the trash");
    }
    assertTreesEqual();
  }

  @Test
  void editsOnBothSidesKeepBothVersionsOnBothSides() throws Exception {
    writeLocal("report.txt", "v1");
    syncOk();
    writeLocal("report.txt", "local v2");
    remote.put("lib/report.txt", "remote v2");
    RunSummary run = syncOk();
    assertEquals(1, run.conflicts());
    assertTreesEqual();
    Map<String, String> files = localFiles();
    assertEquals("remote v2", files.get("report.txt"));
    String copy = files.keySet().stream().filter(p -> p.matches("report \\(conflicted copy \\d{4}-\\d{2}-\\d{2} \\d{6}\\)\\.txt")).findFirst().orElseThrow();
    assertEquals("local v2", files.get(copy));
    List<ConflictRecord> conflicts = conflicts();
    assertEquals(1, conflicts.size());
    assertEquals("report.txt", conflicts.get(0).path());
    assertEquals(ConflictType.BOTH_MODIFIED, conflicts.get(0).type());
    assertEquals(copy, conflicts.get(0).conflictCopyPath());
    // The next run is quiet: the conflict copy is synced like any file.
    RunSummary quiet = syncOk();
    assertEquals(0, quiet.uploaded() + quiet.downloaded() + quiet.conflicts());
  }

  @Test
  void identicalEditsOnBothSidesAreNoConflict() throws Exception {
    writeLocal("same.txt", "v1");
    syncOk();
    writeLocal("same.txt", "v2 everywhere");
    remote.put("lib/same.txt", "v2 everywhere");
    RunSummary run = syncOk();
    assertEquals(0, run.conflicts());
    assertTrue(conflicts().isEmpty());
    assertEquals(Map.of("same.txt", "v2 everywhere"), localFiles());
    assertTreesEqual();
  }

  @Test
  void aRemoteChangeBetweenListingAndUploadIsNeverOverwritten() throws Exception {
    writeLocal("race.txt", "v1");
    syncOk();
    writeLocal("race.txt", "local v2");
    remote.beforeUpload = path -> {
      if (path.equals("lib/race.txt")) {
        remote.beforeUpload = p -> {};
        remote.put("lib/race.txt", "remote v2 written meanwhile");
      }
    };
    RunSummary run = syncOk();
    assertEquals(1, run.conflicts());
    Map<String, String> files = localFiles();
    assertEquals("remote v2 written meanwhile", files.get("race.txt"));
    assertTrue(files.containsValue("local v2"));
    assertTreesEqual();
  }

  /**
   * The base records the hash of what was sent, not of the file after the upload: an edit made while a new file went up
   * (same size, so only its content tells) is found by the next run and uploaded, never taken for a mere touch.
   */
  @Test
  void anEditMadeWhileANewFileUploadsReachesTheServerOnTheNextRun() throws Exception {
    writeLocal("edit.txt", "version 1");
    Path file = workspace.resolve("edit.txt");
    FileTime planned = Files.getLastModifiedTime(file);
    remote.afterRead = path -> {
      if (!path.equals("lib/edit.txt")) return;
      remote.afterRead = p -> {};
      try {
        Files.writeString(file, "version 2", StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.fromMillis(planned.toMillis() + 5000));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    syncOk();
    assertEquals(Map.of("edit.txt", "version 1"), remote.files("lib"), "what was read went up");

    RunSummary second = syncOk();

    assertEquals(1, second.uploaded());
    assertEquals(Map.of("edit.txt", "version 2"), remote.files("lib"));
    assertTreesEqual();
  }

  @Test
  void aWeakEtagRefusalRightAfterAWriteIsWaitedOutNotTurnedIntoAConflict() throws Exception {
    writeLocal("w.txt", "v1");
    syncOk();
    writeLocal("w.txt", "v2");
    remote.spuriousPreconditionFailures.set(1);
    RunSummary run = syncOk();
    assertEquals(1, run.uploaded());
    assertEquals(0, run.conflicts());
    assertEquals(Map.of("w.txt", "v2"), remote.files("lib"));
  }

  @Test
  void aFailedListingDeletesNothing() throws Exception {
    writeLocal("keep.txt", "k");
    syncOk();
    remote.remove("lib/keep.txt");
    remote.listingFault = new DavException(DavError.HOSTILE_NAME, 0, "unsafe name '..': name '..' is a relative reference");
    RunSummary run = sync();
    assertEquals(RunSummary.FAILED, run.outcome());
    assertTrue(run.reason().contains("relative reference"), run.reason());
    assertTrue(Files.exists(workspace.resolve("keep.txt")));
  }

  @Test
  void anEmptyRemoteForALibraryWithFilesIsRefused() throws Exception {
    writeLocal("a.txt", "a");
    writeLocal("b.txt", "b");
    syncOk();
    remote.remove("lib/a.txt");
    remote.remove("lib/b.txt");
    RunSummary run = sync();
    assertEquals(RunSummary.FAILED, run.outcome());
    assertEquals(Map.of("a.txt", "a", "b.txt", "b"), localFiles());
  }

  @Test
  void oneWayModesNeverWriteAgainstTheirDirection() throws Exception {
    startLibrary(SyncMode.LOCAL_TO_REMOTE);
    writeLocal("up.txt", "up");
    remote.put("lib/down.txt", "down");
    syncOk();
    assertEquals(Map.of("up.txt", "up"), localFiles());
    assertEquals(Map.of("up.txt", "up", "down.txt", "down"), remote.files("lib"));
  }

  @Test
  void aLocalSymlinkIsNotFollowedNorWrittenThrough() throws Exception {
    Path outside = Files.createDirectories(temp.resolve("outside"));
    Files.createSymbolicLink(workspace.resolve("link"), outside);
    remote.put("lib/link/evil.txt", "should not land outside");
    writeLocal("fine.txt", "fine");
    RunSummary run = sync();
    assertFalse(Files.exists(outside.resolve("evil.txt")), "nothing is written outside the workspace");
    // The link is excluded, not failed: the rest of the library syncs, and the status says why.
    assertEquals(RunSummary.SUCCEEDED, run.outcome(), run.reason());
    assertEquals("fine", remote.read("lib/fine.txt"));
    StatusReply<LibraryStatus> status = ask(Library.GetStatus::new);
    assertEquals(List.of("link: excluded: symbolic links and special files are left alone"),
        status.getValue().failures().stream().map(f -> f.path() + ": " + f.reason()).toList());
    assertEquals("should not land outside", remote.read("lib/link/evil.txt"), "the server's file is left alone");
  }

  @Test
  void aTouchedButUnchangedFileIsNotUploadedAgain() throws Exception {
    writeLocal("t.txt", "same content");
    syncOk();
    Files.setLastModifiedTime(workspace.resolve("t.txt"), FileTime.from(Instant.now().plusSeconds(3600)));
    RunSummary run = syncOk();
    assertEquals(0, run.uploaded());
    assertEquals(0, syncOk().uploaded());
  }

  @Test
  void statusCountsSyncedFiles() throws Exception {
    writeLocal("x.txt", "x");
    syncOk();
    StatusReply<LibraryStatus> status = ask(Library.GetStatus::new);
    assertEquals(1, status.getValue().counts().synced());
    assertNull(status.getValue().activeRun());
  }
}
