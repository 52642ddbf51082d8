package io.ncsync.persistence.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.pattern.StatusReply;
import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.library.LibraryStatus;
import io.ncsync.persistence.library.RunSummary;
import io.ncsync.persistence.library.SettingsPatch;
import io.ncsync.persistence.sync.LocalDeletions;
import io.ncsync.persistence.sync.RemoteDeletionPolicy;
import io.ncsync.persistence.sync.TrashEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Deletions over in-memory ports: every remote-deletion policy, local deletions ignored or propagated, the trash log,
 * restore, purge, the replaced content of a remote edit, and the deletion guard's confirm and cancel; both trees are
 * compared after each.
 */
class DeletionsEngineTest extends EngineHarness {

  @AfterEach
  void nothingStagedIsLeftBehind() throws Exception {
    assertEquals(0, local.stagedFiles(), "every staged transfer was cleaned up");
  }

  /** Four synced files: deleting one is within the deletion guard's default 50%. */
  private void fourSyncedFiles() {
    local.write("a.txt", "a1");
    local.write("docs/b.txt", "b1");
    local.write("c.txt", "c1");
    local.write("d.txt", "d1");
    syncOk();
    assertTreesEqual();
  }

  @ParameterizedTest
  @EnumSource(RemoteDeletionPolicy.class)
  void aFileDeletedOnTheServerFollowsTheLibrarysPolicyAndIsLogged(RemoteDeletionPolicy policy) {
    fourSyncedFiles();
    changeSettings(policy(policy));
    remote.remove("lib/a.txt");

    RunSummary run = syncOk();

    TrashEntry entry = newest();
    assertEquals("a.txt", entry.path());
    assertEquals(run.runId(), entry.runId());
    assertEquals(2, entry.size());
    assertNotNull(entry.sha256());
    switch (policy) {
      case TRASH -> {
        assertEquals(TrashEntry.Action.TRASHED, entry.action());
        assertEquals(Map.of(entry.kept(), "a1"), local.kept());
      }
      case ARCHIVE -> {
        assertEquals(TrashEntry.Action.ARCHIVED, entry.action());
        assertEquals(Map.of("archive/old-files/a.txt", "a1"), local.kept());
      }
      case DELETE -> {
        assertEquals(TrashEntry.Action.DELETED, entry.action());
        assertNull(entry.kept());
        assertEquals(Map.of(), local.kept());
      }
      case IGNORE -> assertEquals(TrashEntry.Action.IGNORED, entry.action());
      case ORPHAN -> {
        assertEquals(TrashEntry.Action.ORPHANED, entry.action());
        assertEquals(1, status().counts().orphaned());
      }
      case CONFLICT -> {
        assertEquals(TrashEntry.Action.ORPHANED, entry.action());
        assertTrue(entry.reason().contains("deleted_remotely"), entry.reason());
      }
    }
    boolean kept = policy == RemoteDeletionPolicy.IGNORE || policy == RemoteDeletionPolicy.ORPHAN
        || policy == RemoteDeletionPolicy.CONFLICT;
    Map<String, String> expected = new TreeMap<>(remote.files("lib"));
    if (kept) expected.put("a.txt", "a1");
    assertEquals(expected, local.files());
    assertFalse(remote.files("lib").containsKey("a.txt"));

    // The next run leaves a kept file alone: not uploaded again, not logged again.
    RunSummary next = syncOk();
    assertEquals(0, next.uploaded() + next.downloaded() + next.deletedLocal() + next.deletedRemote());
    assertEquals(1, trash().total());
    assertEquals(expected, local.files());
  }

  @Test
  void anOrphanInAFolderDeletedOnTheServerDoesNotBringTheFolderBack() {
    fourSyncedFiles();
    local.write("docs/e.txt", "e1");
    local.write("f.txt", "f1");
    syncOk();
    changeSettings(policy(RemoteDeletionPolicy.ORPHAN));
    remote.remove("lib/docs");

    syncOk();
    syncOk();

    assertEquals(Map.of("docs/b.txt", "b1", "docs/e.txt", "e1"), withPrefix(local.files(), "docs/"));
    assertFalse(remoteExists("lib/docs"), "the server's deletion stands");
    assertEquals(2, status().counts().orphaned());
  }

  @Test
  void localDeletionsIgnoredKeepTheServerCopyAndTakeItsLaterEdits() {
    fourSyncedFiles();
    changeSettings(new SettingsPatch(null, null, null, LocalDeletions.IGNORE, null, null, null, null, null));
    local.delete("a.txt");

    RunSummary run = syncOk();
    RunSummary again = syncOk();

    assertEquals(0, run.deletedRemote() + run.downloaded() + again.downloaded());
    assertEquals("a1", remote.read("lib/a.txt"), "the server keeps its copy");
    assertNull(local.read("a.txt"), "and it does not come back");
    assertEquals(0, trash().total());

    remote.put("lib/a.txt", "a2 edited on the server");
    assertEquals(1, syncOk().downloaded(), "a server edit wins and comes down");
    assertTreesEqual();
  }

  @Test
  void aLocalDeletionPropagatedIsLogged() {
    fourSyncedFiles();
    local.delete("c.txt");

    RunSummary run = syncOk();

    assertEquals(1, run.deletedRemote());
    assertTreesEqual();
    TrashEntry entry = newest();
    assertEquals("c.txt", entry.path());
    assertEquals(TrashEntry.Action.DELETED, entry.action());
    assertTrue(entry.reason().contains("deleted in the workspace"), entry.reason());
  }

  @Test
  void aTrashedFileIsRestoredAndSyncedAgain() {
    fourSyncedFiles();
    remote.remove("lib/a.txt");
    syncOk();
    TrashEntry trashed = newest();

    TrashEntry restored = restore(trashed.id()).getValue();

    assertEquals(TrashEntry.Action.RESTORED, restored.action());
    assertEquals("a.txt", restored.path());
    assertEquals("a1", local.read("a.txt"));
    assertEquals(Map.of(), local.kept());
    assertNull(trashEntry(trashed.id()).kept(), "its content left the trash");
    assertEquals(1, syncOk().uploaded(), "the next run syncs it again");
    assertTreesEqual();
    assertTrue(restore(trashed.id()).isError(), "restored once only");
    assertTrue(restore("no-such-entry").isError());
  }

  @Test
  void aRestoreWhosePathIsTakenLandsBesideIt() {
    fourSyncedFiles();
    remote.remove("lib/a.txt");
    syncOk();
    local.write("a.txt", "a new file of the same name");

    TrashEntry restored = restore(newest().id()).getValue();

    assertEquals("a (restored).txt", restored.path());
    assertEquals("a new file of the same name", local.read("a.txt"));
    assertEquals("a1", local.read("a (restored).txt"));
    syncOk();
    assertTreesEqual();
  }

  @Test
  void trashOlderThanTheRetentionIsPurgedAndLogged() {
    fourSyncedFiles();
    remote.remove("lib/a.txt");
    syncOk();
    TrashEntry trashed = newest();

    assertEquals(0, purge(Instant.now().minus(Duration.ofDays(30))), "not yet 30 days old");
    assertEquals(Map.of(trashed.kept(), "a1"), local.kept());
    assertEquals(1, purge(Instant.now().plus(Duration.ofDays(31))), "the clock moved 31 days on");

    assertEquals(Map.of(), local.kept());
    TrashEntry purged = newest();
    assertEquals(TrashEntry.Action.PURGED, purged.action());
    assertEquals("a.txt", purged.path());
    assertNull(trashEntry(trashed.id()).kept());
    assertTrue(restore(trashed.id()).isError(), "nothing left to restore");
    assertEquals(0, purge(Instant.now().plus(Duration.ofDays(31))), "purged once");
    assertTreesEqual();
  }

  @Test
  void theDailyCleanupDropsLogLinesPastTheRetentionButKeepsAnOrphansMarker() {
    fourSyncedFiles();
    remote.remove("lib/a.txt");
    syncOk();
    changeSettings(policy(RemoteDeletionPolicy.ORPHAN));
    remote.remove("lib/c.txt");
    syncOk();
    assertEquals(2, trash().total(), "a trashed, c orphaned");
    assertEquals(1, purge(Instant.now().plus(Duration.ofDays(31))), "a's content goes");
    assertEquals(3, trash().total(), "and a purged line says so");

    assertEquals(0, purge(Instant.now().plus(Duration.ofDays(62))));

    List<TrashEntry> left = trash().entries();
    assertEquals(1, left.size(), "only the line that keeps c untracked is left: " + left);
    assertEquals(TrashEntry.Action.ORPHANED, left.get(0).action());
    assertEquals("c.txt", left.get(0).path());
    remote.resetCounts();
    syncOk();
    assertEquals(0, remote.uploads(), "the orphan is still left alone, not uploaded again");
    assertEquals("c1", local.read("c.txt"));
  }

  @Test
  void archivedFilesAreKeptIndefinitely() {
    fourSyncedFiles();
    changeSettings(policy(RemoteDeletionPolicy.ARCHIVE));
    remote.remove("lib/a.txt");
    syncOk();

    assertEquals(0, purge(Instant.now().plus(Duration.ofDays(3650))));
    assertEquals(Map.of("archive/old-files/a.txt", "a1"), local.kept());
    restore(newest().id()).getValue();
    assertEquals("a1", local.read("a.txt"));
  }

  @Test
  void aRemoteEditKeepsTheReplacedLocalContentInTheTrash() {
    fourSyncedFiles();
    remote.put("lib/a.txt", "a2 from an old backup restored on the server");

    RunSummary run = syncOk();

    assertEquals(1, run.downloaded());
    assertTreesEqual();
    TrashEntry replaced = newest();
    assertEquals(TrashEntry.Action.REPLACED, replaced.action());
    assertEquals("a.txt", replaced.path());
    assertEquals(Map.of(replaced.kept(), "a1"), local.kept());

    TrashEntry restored = restore(replaced.id()).getValue();
    assertEquals("a (restored).txt", restored.path());
    syncOk();
    assertTreesEqual();
    assertEquals("a1", remote.read("lib/a (restored).txt"));
  }

  /**
   * PROTOCOL.md §8, lesson 1: an external storage the server cannot reach lists empty. Two files of ten are below it,
   * under the library's 50 % guard, yet nothing is deleted: an emptied mount is unavailable, not emptied.
   */
  @Test
  void aMountThatListsEmptyDeletesNothingHowFewFilesItHeld() {
    for (int i = 0; i < 8; i++) local.write("docs/f" + i + ".txt", "f" + i);
    remote.put("lib/ext/one.txt", "1");
    remote.put("lib/ext/two.txt", "2");
    remote.mounts.add("lib/ext");
    syncOk();
    Map<String, String> before = local.files();

    remote.emptyMount("lib/ext");
    RunSummary held = sync();

    assertEquals(RunSummary.FAILED, held.outcome());
    assertEquals(0, held.deletedLocal());
    assertEquals(before, local.files(), "nothing deleted locally");
    assertEquals("guarded", status().state());
    assertTrue(status().guard().reason().startsWith("the mounted folder 'ext' listed empty"), status().guard().reason());

    remote.put("lib/ext/one.txt", "1"); // the storage is back
    remote.put("lib/ext/two.txt", "2");
    assertEquals(Library.GuardAction.CANCEL, resolve(Library.GuardAction.CANCEL).getValue());
    syncOk();
    assertEquals(before, local.files());
    assertTreesEqual();
  }

  @Test
  void massDeletionOnTheServerIsHeldUntilConfirmed() {
    fourSyncedFiles();
    Map<String, String> before = local.files();
    remote.remove("lib/a.txt");
    remote.remove("lib/c.txt");
    remote.remove("lib/d.txt");

    RunSummary held = sync();

    assertEquals(RunSummary.FAILED, held.outcome());
    assertEquals(0, held.deletedLocal());
    assertEquals(before, local.files(), "nothing deleted locally");
    LibraryStatus status = status();
    assertEquals("guarded", status.state());
    assertEquals(3, status.guard().localDeletions());
    assertEquals(0, status.guard().remoteDeletions());
    assertEquals(4, status.guard().files());

    assertEquals(Library.GuardAction.CONFIRM, resolve(Library.GuardAction.CONFIRM).getValue());
    RunSummary confirmed = syncOk();

    assertEquals(3, confirmed.deletedLocal());
    assertTreesEqual();
    assertEquals(Map.of("docs/b.txt", "b1"), local.files());
    assertEquals("idle", status().state());
    assertNull(status().guard());
    assertTrue(resolve(Library.GuardAction.CONFIRM).isError(), "nothing is held any more");
  }

  @Test
  void massDeletionInTheWorkspaceIsDroppedOnCancelAndTheNextRunMerges() {
    fourSyncedFiles();
    local.delete("a.txt");
    local.delete("c.txt");
    local.delete("d.txt");

    RunSummary held = sync();

    assertEquals(RunSummary.FAILED, held.outcome());
    assertEquals(4, remote.files("lib").size(), "nothing deleted on the server");
    assertEquals(3, status().guard().remoteDeletions());

    resolve(Library.GuardAction.CANCEL).getValue();
    assertEquals("failed", status().state(), "no longer guarded; the last run is still the held one");
    RunSummary merged = syncOk();

    assertEquals(3, merged.downloaded(), "the missing side was re-adopted as unknown: merged back");
    assertEquals(0, merged.deletedRemote());
    assertTreesEqual();
    assertEquals(4, local.files().size());
  }

  @Test
  void anEmptiedServerFolderIsGuardedAndCancelRestoresItFromTheWorkspace() {
    fourSyncedFiles();
    remote.remove("lib/a.txt");
    remote.remove("lib/c.txt");
    remote.remove("lib/d.txt");
    remote.remove("lib/docs");

    sync();
    assertEquals("guarded", status().state());
    assertTrue(status().guard().reason().contains("listed empty"), status().guard().reason());

    resolve(Library.GuardAction.CANCEL).getValue();
    RunSummary merged = syncOk();

    assertEquals(4, merged.uploaded());
    assertEquals(0, merged.deletedLocal());
    assertTreesEqual();
  }

  @Test
  void aChangedDataFingerprintHoldsTheServersOverwritesAndDeletionsUntilConfirmed() {
    serverRestoredFromAnOldBackup();
    local.write("new-local.txt", "n");

    RunSummary held = sync();

    assertEquals(RunSummary.FAILED, held.outcome());
    assertEquals(Map.of("a.txt", "a1", "docs/b.txt", "b1", "c.txt", "c1", "d.txt", "d1", "new-local.txt", "n"),
        local.files(), "nothing overwritten or deleted locally");
    assertEquals("guarded", status().state());
    assertTrue(status().guard().reason().contains("data fingerprint"), status().guard().reason());

    resolve(Library.GuardAction.CONFIRM).getValue();
    RunSummary confirmed = syncOk();

    assertEquals(1, confirmed.deletedLocal());
    assertEquals("a0 from the backup", local.read("a.txt"));
    assertTreesEqual();
    assertEquals(List.of("a1", "c1"), new java.util.ArrayList<>(local.kept().values()).stream().sorted().toList(),
        "what the restore replaced or deleted is in the trash");
    syncOk(); // the new fingerprint is accepted: no new hold
    assertEquals("idle", status().state());
  }

  @Test
  void aChangedDataFingerprintCancelledKeepsBothVersionsAndUploadsWhatTheServerLost() {
    serverRestoredFromAnOldBackup();

    sync();
    resolve(Library.GuardAction.CANCEL).getValue();
    RunSummary merged = syncOk();

    assertEquals(0, merged.deletedLocal());
    assertEquals("c1", remote.read("lib/c.txt"), "uploaded back to the restored server");
    assertEquals("a0 from the backup", local.read("a.txt"));
    assertTrue(local.files().containsValue("a1"), "the newer local version is kept beside it: " + local.files());
    assertTreesEqual();
    assertEquals("idle", status().state());
  }

  @Test
  void theGuardAnswersOnlyWhenSomethingIsHeld() {
    fourSyncedFiles();
    assertTrue(resolve(Library.GuardAction.CANCEL).isError());
    assertEquals("idle", status().state());
  }

  // --- helpers ----------------------------------------------------------------------------------------------------

  /** Four synced files, then the server's data is restored from an old backup: a.txt older, c.txt gone. */
  private void serverRestoredFromAnOldBackup() {
    remote.dataFingerprint = "fp-1";
    fourSyncedFiles();
    remote.dataFingerprint = "fp-2";
    remote.put("lib/a.txt", "a0 from the backup");
    remote.remove("lib/c.txt");
  }

  private static SettingsPatch policy(RemoteDeletionPolicy policy) {
    String archive = policy == RemoteDeletionPolicy.ARCHIVE ? "old-files" : null;
    return new SettingsPatch(null, null, policy, null, null, null, null, null, archive);
  }

  private Library.TrashPage trash() {
    return this.<StatusReply<Library.TrashPage>>ask(replyTo -> new Library.GetTrash(0, 100, replyTo)).getValue();
  }

  private TrashEntry newest() {
    List<TrashEntry> entries = trash().entries();
    assertFalse(entries.isEmpty(), "the trash log has entries");
    return entries.get(0);
  }

  private TrashEntry trashEntry(String id) {
    return trash().entries().stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow();
  }

  private StatusReply<TrashEntry> restore(String id) {
    return ask(replyTo -> new Library.RestoreTrash(id, replyTo));
  }

  /** The library's cleanup with the retention that makes {@code olderThan} its limit (later than now: the clock moved). */
  private int purge(Instant olderThan) {
    Duration retention = Duration.between(olderThan, Instant.now());
    StatusReply<Library.CleanupReport> reply = ask(replyTo -> new Library.CleanUp(retention, replyTo));
    return reply.getValue().trashPurged();
  }

  private StatusReply<Library.GuardAction> resolve(Library.GuardAction action) {
    return ask(replyTo -> new Library.ResolveGuard(action, replyTo));
  }

  private boolean remoteExists(String path) {
    try {
      remote.stat(path).toCompletableFuture().join();
      return true;
    } catch (java.util.concurrent.CompletionException e) {
      return false;
    }
  }

  private static Map<String, String> withPrefix(Map<String, String> files, String prefix) {
    Map<String, String> out = new TreeMap<>();
    files.forEach((path, content) -> {
      if (path.startsWith(prefix)) out.put(path, content);
    });
    return out;
  }
}
