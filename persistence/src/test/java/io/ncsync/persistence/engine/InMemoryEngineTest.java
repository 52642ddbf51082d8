package io.ncsync.persistence.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.persistence.library.RunSummary;
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.persistence.sync.ConflictType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine's rules over in-memory ports: each scenario ends with both trees compared. */
class InMemoryEngineTest extends EngineHarness {

  @AfterEach
  void nothingStagedIsLeftBehind() throws Exception {
    assertEquals(0, local.stagedFiles(), "every staged transfer was cleaned up");
  }

  @Test
  void firstRunMergesBothSidesAndDeletesNothing() {
    local.write("local-only.txt", "L");
    local.write("docs/nested/deep.txt", "deep");
    local.write("same.txt", "same");
    remote.put("lib/remote-only.txt", "R");
    remote.put("lib/same.txt", "same");
    remote.mkdirs("lib/empty-remote-folder").toCompletableFuture().join();

    RunSummary run = syncOk();

    assertEquals(2, run.uploaded());
    assertEquals(1, run.downloaded());
    assertEquals(0, run.deletedLocal() + run.deletedRemote());
    assertTreesEqual();
    assertTrue(local.folders().contains("empty-remote-folder"));
    assertEquals(Map.of("local-only.txt", "L", "docs/nested/deep.txt", "deep", "same.txt", "same", "remote-only.txt", "R"),
        local.files());
  }

  @Test
  void editsAndDeletionsFlowBothWaysAndLocalDeletionsGoToTheTrash() {
    local.write("a.txt", "a1");
    local.write("b.txt", "b1");
    local.write("dir/c.txt", "c1");
    local.write("d.txt", "d1");
    syncOk();
    local.write("a.txt", "a2 local edit");
    remote.put("lib/b.txt", "b2 remote edit");
    local.delete("dir/c.txt");
    remote.remove("lib/d.txt");

    RunSummary run = syncOk();

    assertEquals(1, run.uploaded());
    assertEquals(1, run.downloaded());
    assertEquals(1, run.deletedRemote());
    assertEquals(1, run.deletedLocal());
    assertTreesEqual();
    assertEquals(Map.of("a.txt", "a2 local edit", "b.txt", "b2 remote edit"), local.files());
    assertEquals(List.of("b1", "d1"), local.trashed(),
        "the content a remote edit replaced, and a file deleted on the server, are kept in the library's trash");
  }

  @Test
  void aTouchTransfersNothing() {
    local.write("a.txt", "same");
    syncOk();
    local.touch("a.txt");

    RunSummary run = syncOk();

    assertEquals(0, run.uploaded() + run.downloaded());
    assertTreesEqual();
  }

  @Test
  void bothSidesEditedKeepsBothVersionsOnBothSides() {
    local.write("doc.txt", "base");
    syncOk();
    local.write("doc.txt", "local version");
    remote.put("lib/doc.txt", "remote version!");

    syncOk();

    assertTreesEqual();
    List<ConflictRecord> open = conflicts();
    assertEquals(1, open.size());
    assertEquals(ConflictType.BOTH_MODIFIED, open.get(0).type());
    assertEquals("remote version!", local.read("doc.txt"));
    assertEquals("local version", local.read(open.get(0).conflictCopyPath()));
  }

  @Test
  void aKeepBothConflictIsOnRecordEvenWhenTheRunDiesRightAfterTheCopyWasMade() throws Exception {
    local.write("doc.txt", "base");
    syncOk();
    local.write("doc.txt", "local version");
    remote.put("lib/doc.txt", "remote version!");
    CountDownLatch renamed = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    local.afterRename = to -> {
      renamed.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    ask(io.ncsync.persistence.library.Library.Sync::new);
    assertTrue(renamed.await(10, TimeUnit.SECONDS), "the conflict copy was made");
    restartLibrary(); // the worker's outcome goes nowhere, as after a kill
    local.afterRename = to -> {};
    release.countDown();

    syncOk();

    assertTreesEqual();
    List<ConflictRecord> recorded = conflicts();
    assertEquals(1, recorded.size(), "the conflict was journaled before its copy was made: " + recorded);
    assertEquals("doc.txt", recorded.get(0).path());
    assertEquals("local version", local.read(recorded.get(0).conflictCopyPath()));
  }

  @Test
  void anEditBeatsADeletionOnTheOtherSide() {
    local.write("kept-local.txt", "v1");
    local.write("kept-remote.txt", "v1");
    syncOk();
    local.delete("kept-local.txt");
    remote.put("lib/kept-local.txt", "v2 edited on the server");
    remote.remove("lib/kept-remote.txt");
    local.write("kept-remote.txt", "v2 edited here");

    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("kept-local.txt", "v2 edited on the server", "kept-remote.txt", "v2 edited here"), local.files());
  }

  @Test
  void aFolderDeletedOnOneSideGoesOnTheOtherWithItsFiles() {
    local.write("old/a.txt", "a");
    local.write("old/sub/b.txt", "b");
    local.write("stay.txt", "s");
    local.write("stay-too.txt", "s2"); // 2 of 4 files: within the deletion guard's 50%
    syncOk();
    remote.remove("lib/old");

    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("stay.txt", "s", "stay-too.txt", "s2"), local.files());
    assertTrue(!local.folders().contains("old"), "the folder went too");
  }

  @Test
  void aRunCutShortByARestartConvergesOnTheNext() throws Exception {
    for (int i = 0; i < 8; i++) remote.put("lib/f" + i + ".txt", "content " + i);
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    remote.beforeDownload = path -> {
      entered.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new io.ncsync.protocol.DavException(io.ncsync.protocol.DavError.TRANSPORT, 0, "GET " + path + ": the daemon died");
    };
    ask(io.ncsync.persistence.library.Library.Sync::new);
    assertTrue(entered.await(10, TimeUnit.SECONDS), "a download started");
    restartLibrary();
    remote.beforeDownload = p -> {};
    release.countDown();

    syncOk();

    assertTreesEqual();
    assertEquals(8, local.files().size());
  }
}
