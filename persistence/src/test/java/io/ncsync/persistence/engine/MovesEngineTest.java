package io.ncsync.persistence.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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

/**
 * Moves and renames over in-memory ports (issue 10 §6): each is carried out as one operation on the other side, never
 * a deletion plus a transfer, and a second run finds nothing to do.
 */
class MovesEngineTest extends EngineHarness {

  @AfterEach
  void nothingStagedIsLeftBehind() throws Exception {
    assertEquals(0, local.stagedFiles(), "every staged transfer was cleaned up");
  }

  @Test
  void aLocalFileRenameIsOneMoveOnTheServer() {
    local.write("report.txt", "quarterly");
    syncOk();
    local.rename("report.txt", "final report.txt");
    remote.resetCounts();

    syncOk();

    assertEquals(List.of("lib/report.txt -> lib/final report.txt"), remote.moves());
    assertNoTransfer();
    assertBothTreesEqual();
    assertSettled();
  }

  @Test
  void aLocalFolderOfAHundredFilesMovesWithOneMove() {
    for (int i = 0; i < 100; i++) local.write("photos/2024/img" + i + ".jpg", "pixels " + i);
    local.mkdir("archive");
    syncOk();
    local.rename("photos/2024", "archive/2024");
    remote.resetCounts();

    syncOk();

    assertEquals(List.of("lib/photos/2024 -> lib/archive/2024"), remote.moves());
    assertNoTransfer();
    assertEquals(100, remote.files("lib/archive/2024").size());
    assertBothTreesEqual();
    assertSettled();
  }

  @Test
  void aRemoteFileRenameIsOneLocalRename() {
    remote.put("lib/notes.txt", "n");
    syncOk();
    String identity = local.fileKey("notes.txt");
    remote.rename("lib/notes.txt", "lib/notes-2024.txt");
    remote.resetCounts();

    syncOk();

    assertNoTransfer();
    assertTrue(remote.moves().isEmpty());
    assertEquals(identity, local.fileKey("notes-2024.txt"), "the same local file, renamed");
    assertBothTreesEqual();
    assertSettled();
  }

  @Test
  void aLocalRenameWithANewFileAtTheOldNameIsOneMovePlusOneUpload() {
    local.write("notes.txt", "old");
    syncOk();
    local.rename("notes.txt", "notes-2024.txt");
    local.write("notes.txt", "new"); // another file (another identity) at the old name
    remote.resetCounts();

    syncOk();

    assertEquals(List.of("lib/notes.txt -> lib/notes-2024.txt"), remote.moves());
    assertEquals(1, remote.uploads(), "only the new file goes up");
    assertEquals("old", remote.read("lib/notes-2024.txt"));
    assertEquals("new", remote.read("lib/notes.txt"));
    assertBothTreesEqual();
    assertSettled();
  }

  @Test
  void aRemoteRenameWithANewFileAtTheOldNameIsOneLocalRenamePlusOneDownload() {
    remote.put("lib/notes.txt", "old");
    syncOk();
    String identity = local.fileKey("notes.txt");
    remote.rename("lib/notes.txt", "lib/notes-2024.txt");
    remote.put("lib/notes.txt", "new"); // another fileid at the old name
    remote.resetCounts();

    syncOk();

    assertEquals(identity, local.fileKey("notes-2024.txt"), "the same local file, renamed");
    assertEquals("old", local.read("notes-2024.txt"));
    assertEquals("new", local.read("notes.txt"));
    assertEquals(1, remote.downloads(), "only the new file comes down");
    assertBothTreesEqual();
    assertSettled();
  }

  @Test
  void aRemoteFolderOfAHundredFilesIsOneLocalRename() {
    for (int i = 0; i < 100; i++) remote.put("lib/projects/alpha/f" + i + ".txt", "v" + i);
    syncOk();
    String identity = local.fileKey("projects/alpha");
    remote.mkdirs("lib/done").toCompletableFuture().join();
    remote.rename("lib/projects/alpha", "lib/done/alpha-2024");
    remote.resetCounts();

    syncOk();

    assertNoTransfer();
    assertEquals(identity, local.fileKey("done/alpha-2024"), "the same local folder, renamed");
    assertEquals(100, local.files().size());
    assertBothTreesEqual();
    assertSettled();
  }

  @Test
  void theSameMoveOnBothSidesIsNothingToDo() {
    local.write("a/doc.txt", "d");
    syncOk();
    local.rename("a", "b");
    remote.rename("lib/a", "lib/b");
    remote.resetCounts();

    syncOk();

    assertNoTransfer();
    assertTrue(remote.moves().isEmpty());
    assertBothTreesEqual();
    assertEquals(Map.of("b/doc.txt", "d"), local.files());
    assertTrue(conflicts().isEmpty());
    assertSettled();
  }

  @Test
  void differentMovesOnBothSidesKeepTheServersAndSaySo() {
    local.write("draft.txt", "text");
    syncOk();
    local.rename("draft.txt", "mine.txt");
    remote.rename("lib/draft.txt", "lib/theirs.txt");
    remote.resetCounts();

    syncOk();

    assertNoTransfer();
    assertEquals(Map.of("theirs.txt", "text"), local.files());
    assertBothTreesEqual();
    List<ConflictRecord> open = conflicts();
    assertEquals(1, open.size());
    assertEquals(ConflictType.BOTH_MOVED, open.get(0).type());
    assertEquals("theirs.txt", open.get(0).path(), "the conflict names the move that was kept");
    assertSettled();
  }

  @Test
  void aLocalMoveAndARemoteEditEndWithTheEditAtTheNewPath() {
    local.write("plan.txt", "v1");
    syncOk();
    local.rename("plan.txt", "plans/plan-final.txt");
    remote.put("lib/plan.txt", "v2 from the server");
    remote.resetCounts();

    syncOk();

    assertEquals(List.of("lib/plan.txt -> lib/plans/plan-final.txt"), remote.moves());
    assertEquals(0, remote.uploads());
    assertEquals(Map.of("plans/plan-final.txt", "v2 from the server"), local.files());
    assertBothTreesEqual();
    assertSettled();
  }

  @Test
  void aRemoteMoveAndALocalEditEndWithTheEditAtTheNewPath() {
    local.write("plan.txt", "v1");
    syncOk();
    remote.mkdirs("lib/moved").toCompletableFuture().join();
    remote.rename("lib/plan.txt", "lib/moved/plan.txt");
    local.write("plan.txt", "v2 edited here");
    remote.resetCounts();

    syncOk();

    assertEquals(0, remote.downloads());
    assertEquals(Map.of("moved/plan.txt", "v2 edited here"), local.files());
    assertBothTreesEqual();
    assertSettled();
  }

  @Test
  void aFolderMovedOnOneSideWithEditsInsideOnTheOther() {
    local.write("team/a.txt", "a1");
    local.write("team/sub/b.txt", "b1");
    local.write("club/c.txt", "c1");
    syncOk();
    local.rename("team", "group");
    remote.put("lib/team/a.txt", "a2 remote");
    remote.put("lib/team/new.txt", "new remote");
    remote.rename("lib/club", "lib/society");
    local.write("club/c.txt", "c2 local");
    remote.resetCounts();

    syncOk();

    assertEquals(List.of("lib/team -> lib/group"), remote.moves());
    assertEquals(Map.of("group/a.txt", "a2 remote", "group/sub/b.txt", "b1", "group/new.txt", "new remote",
        "society/c.txt", "c2 local"), local.files());
    assertBothTreesEqual();
    assertSettled();
  }

  @Test
  void aFolderMovedOnTheServerTakesTheFilesMadeInsideItHereMeanwhile() {
    local.write("team/a.txt", "a1");
    local.write("team/sub/b.txt", "b1");
    syncOk();
    remote.rename("lib/team", "lib/group");
    local.write("team/a.txt", "a2 edited here");
    local.write("team/sub/new.txt", "new here");
    remote.resetCounts();

    syncOk();

    assertEquals(0, remote.downloads());
    assertEquals(List.of(), remote.moves(), "the server's move is carried out here, not undone there");
    assertEquals(Map.of("group/a.txt", "a2 edited here", "group/sub/b.txt", "b1", "group/sub/new.txt", "new here"),
        local.files());
    assertBothTreesEqual();
    assertSettled();
  }

  @Test
  void anInvertedHierarchyMovesWithoutOverwritingAnything() {
    local.write("a/b/f.txt", "f");
    local.write("a/g.txt", "g");
    syncOk();
    local.rename("a/b", "b");
    local.rename("a", "b/a");
    remote.resetCounts();

    syncOk();

    assertEquals(List.of("lib/a/b -> lib/b", "lib/a -> lib/b/a"), remote.moves());
    assertNoTransfer();
    assertEquals(Map.of("b/f.txt", "f", "b/a/g.txt", "g"), local.files());
    assertBothTreesEqual();
    assertSettled();
  }

  @Test
  void aCaseOnlyRenameIsAMove() {
    local.write("Report.TXT", "r");
    syncOk();
    local.rename("Report.TXT", "report.txt");
    remote.resetCounts();

    syncOk();

    assertEquals(List.of("lib/Report.TXT -> lib/report.txt"), remote.moves());
    assertNoTransfer();
    assertBothTreesEqual();
  }

  @Test
  void withoutFileIdsLocalRenamesAreStillMovesAndRemoteRenamesLoseNothing() {
    remote.fileIds = false;
    local.write("dir/x.txt", "x");
    local.write("y.txt", "y");
    syncOk();
    local.rename("dir", "folder");
    remote.rename("lib/y.txt", "lib/z.txt");
    remote.resetCounts();

    syncOk();

    assertEquals(List.of("lib/dir -> lib/folder"), remote.moves());
    assertEquals(0, remote.uploads());
    assertEquals(1, remote.downloads(), "a rename on a server without file ids is a deletion and a new file");
    assertEquals(Map.of("folder/x.txt", "x", "z.txt", "y"), local.files());
    assertEquals(List.of("y"), local.trashed(), "the old name went to the trash, not away");
    assertBothTreesEqual();
    assertSettled();
  }

  @Test
  void withoutFileKeysAMovedFileIsFoundByItsContent() {
    local.fileKeys = false;
    local.write("a.txt", "unique content");
    local.write("b.txt", "same size!!!!!");
    syncOk();
    local.rename("a.txt", "sub/a.txt");
    local.write("other.txt", "other size");
    remote.resetCounts();

    syncOk();

    assertEquals(List.of("lib/a.txt -> lib/sub/a.txt"), remote.moves());
    assertEquals(1, remote.uploads(), "only the new file");
    assertEquals(java.util.Set.of("sub/a.txt"), local.hashedByLastScan(), "only files of a vanished file's size are hashed");
    assertBothTreesEqual();
    assertSettled();
  }

  @Test
  void aFileReplacedByAFolderLocallyConvergesInOneRun() {
    local.write("thing", "I was a file");
    syncOk();
    local.delete("thing");
    local.write("thing/inside.txt", "now a folder");
    remote.put("lib/thing", "edited as a file on the server");
    remote.resetCounts();

    syncOk();

    assertBothTreesEqual();
    ConflictRecord conflict = single(conflicts());
    assertEquals(ConflictType.TYPE_MISMATCH, conflict.type());
    assertEquals("edited as a file on the server", local.read(conflict.conflictCopyPath()));
    assertEquals("now a folder", local.read("thing/inside.txt"));
    assertEquals(1, remote.moves().size(), "the server's file stepped aside with one MOVE");
    assertSettled();
  }

  @Test
  void aFolderOnTheServerAndAFileHereConvergeInOneRun() {
    local.write("x", "local file");
    remote.put("lib/x/a.txt", "remote a");
    remote.put("lib/x/b/c.txt", "remote c");

    syncOk();

    assertBothTreesEqual();
    ConflictRecord conflict = single(conflicts());
    assertEquals(ConflictType.TYPE_MISMATCH, conflict.type());
    assertEquals("local file", local.read(conflict.conflictCopyPath()));
    assertEquals(Map.of("x/a.txt", "remote a", "x/b/c.txt", "remote c", conflict.conflictCopyPath(), "local file"), local.files());
    assertSettled();
  }

  @Test
  void aMoveWhoseDestinationAppearsMeanwhileFailsAndLosesNothing() {
    local.write("a.txt", "mine");
    syncOk();
    local.rename("a.txt", "b.txt");
    remote.beforeMove = from -> {
      remote.beforeMove = p -> {};
      remote.put("lib/b.txt", "someone else's b");
    };

    RunSummary failed = sync();

    assertEquals(RunSummary.FAILED, failed.outcome());
    assertEquals("mine", local.read("b.txt"));
    assertEquals("mine", remote.read("lib/a.txt"));
    assertEquals("someone else's b", remote.read("lib/b.txt"));

    syncOk();

    assertBothTreesEqual();
    assertTrue(local.files().containsValue("mine") && local.files().containsValue("someone else's b"), "both kept");
    assertSettled();
  }

  @Test
  void aCrashBetweenTheMoveAndItsEventIsTheSameMoveOnBothSidesNextTime() throws Exception {
    for (int i = 0; i < 5; i++) local.write("a/f" + i + ".txt", "f" + i);
    syncOk();
    local.rename("a", "b");
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    remote.beforeMove = from -> {
      entered.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    ask(io.ncsync.persistence.library.Library.Sync::new);
    assertTrue(entered.await(10, TimeUnit.SECONDS), "the MOVE started");
    restartLibrary(); // the daemon dies while the server carries the MOVE out: its result is never journaled
    release.countDown();
    awaitMoved();
    remote.beforeMove = p -> {};
    remote.resetCounts();

    syncOk();

    assertNoTransfer();
    assertTrue(remote.moves().isEmpty(), "the base follows; nothing moves twice");
    assertEquals(5, remote.files("lib/b").size());
    assertBothTreesEqual();
    assertSettled();
  }

  private void awaitMoved() {
    eventually(() -> assertEquals(1, remote.moves().size(), "the held MOVE went through once released"));
  }

  // --- helpers -----------------------------------------------------------------------------------------------------

  private void assertNoTransfer() {
    assertEquals(0, remote.uploads(), "no upload");
    assertEquals(0, remote.downloads(), "no download");
  }

  private void assertBothTreesEqual() {
    assertTreesEqual();
    assertEquals(remote.folders("lib"), local.folders(), "the same folders on both sides");
  }

  /** A second run finds nothing to move, transfer or delete. */
  private void assertSettled() {
    remote.resetCounts();
    RunSummary again = syncOk();
    assertNoTransfer();
    assertTrue(remote.moves().isEmpty(), "nothing moved again");
    assertEquals(0, again.deletedLocal() + again.deletedRemote());
    assertBothTreesEqual();
  }

  private static ConflictRecord single(List<ConflictRecord> conflicts) {
    assertEquals(1, conflicts.size(), () -> "conflicts: " + conflicts);
    assertNotNull(conflicts.get(0).conflictCopyPath());
    return conflicts.get(0);
  }
}
