package io.ncsync.persistence.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.library.RunSummary;
import io.ncsync.persistence.library.SettingsPatch;
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.persistence.sync.ConflictState;
import io.ncsync.persistence.sync.ConflictStrategy;
import io.ncsync.persistence.sync.ConflictType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Conflicts end to end over in-memory ports, for every type and strategy: what each side holds afterwards (both trees
 * compared), what the record says, what the operator's resolution does, and that an open conflict closes by itself.
 */
class ConflictsEngineTest extends EngineHarness {

  @AfterEach
  void nothingStagedIsLeftBehind() throws Exception {
    assertEquals(0, local.stagedFiles(), "every staged transfer was cleaned up");
  }

  private void strategy(ConflictStrategy strategy) {
    changeSettings(new SettingsPatch(null, strategy, null, null, null, null, null, null, null));
  }

  /** {@code path} synced as "base", then edited differently on each side. */
  private void editedOnBothSides(String path) {
    local.write(path, "base");
    syncOk();
    local.write(path, "local edit");
    remote.put("lib/" + path, "remote edit!");
  }

  /** a.txt synced, then deleted here and edited on the server (keep.txt keeps the sides from looking wiped). */
  private void deletedLocallyEditedOnTheServer() {
    local.write("a.txt", "v1");
    local.write("keep.txt", "k"); // an empty side would stop the run (deletion guard)
    syncOk();
    local.delete("a.txt");
    remote.put("lib/a.txt", "v2 edited on the server");
  }

  /** a.txt synced, then deleted on the server and edited here. */
  private void deletedOnTheServerEditedHere() {
    local.write("a.txt", "v1");
    local.write("keep.txt", "k");
    syncOk();
    remote.remove("lib/a.txt");
    local.write("a.txt", "v2 edited here");
  }

  /** Manual: the deletion conflict recorded open by a run; its record. */
  private ConflictRecord openDeletionConflict(ConflictType type) {
    strategy(ConflictStrategy.MANUAL);
    if (type == ConflictType.DELETED_LOCALLY) deletedLocallyEditedOnTheServer();
    else deletedOnTheServerEditedHere();
    syncOk();
    return assertOpen(type);
  }

  private ConflictRecord onlyConflict() {
    List<ConflictRecord> all = conflicts();
    assertEquals(1, all.size(), () -> "one conflict: " + all);
    return all.get(0);
  }

  private static void assertResolved(ConflictRecord c, ConflictType type, ConflictStrategy strategy, String by) {
    assertEquals(type, c.type(), c::toString);
    assertEquals(ConflictState.RESOLVED, c.state(), c::toString);
    assertEquals(strategy, c.strategy(), c::toString);
    assertEquals(by, c.resolvedBy(), c::toString);
    assertNotNull(c.resolvedAt(), c::toString);
    assertNotNull(c.id(), c::toString);
  }

  private ConflictRecord assertOpen(ConflictType type) {
    ConflictRecord c = onlyConflict();
    assertEquals(type, c.type(), c::toString);
    assertEquals(ConflictState.OPEN, c.state(), c::toString);
    assertEquals(ConflictStrategy.MANUAL, c.strategy(), c::toString);
    assertNull(c.resolvedAt(), c::toString);
    assertEquals(1, status().counts().conflict(), "the status counts it");
    return c;
  }

  private void resolveAccepted(String id, ConflictStrategy strategy) {
    Library.ResolveOutcome outcome = resolve(id, strategy);
    Library.ResolutionAccepted accepted = assertInstanceOf(Library.ResolutionAccepted.class, outcome, outcome::toString);
    assertEquals(ConflictState.RESOLVING, accepted.conflict().state());
    assertEquals(strategy, accepted.conflict().strategy());
    assertEquals(0, status().counts().conflict(), "a conflict being resolved is no longer counted as open");
  }

  private void assertRefused(String id, ConflictStrategy strategy, Library.Refusal why) {
    Library.ResolveOutcome outcome = resolve(id, strategy);
    Library.ResolutionRefused refused = assertInstanceOf(Library.ResolutionRefused.class, outcome, outcome::toString);
    assertEquals(why, refused.refusal(), refused::reason);
  }

  // --- both_modified -------------------------------------------------------------------------------------------

  @Test
  void keepBothKeepsBothVersionsOnBothSidesAndTheRecordSaysSo() {
    editedOnBothSides("doc.txt");

    RunSummary run = syncOk();

    assertEquals(1, run.conflicts());
    assertTreesEqual();
    ConflictRecord c = onlyConflict();
    assertResolved(c, ConflictType.BOTH_MODIFIED, ConflictStrategy.KEEP_BOTH, "strategy keep_both");
    assertEquals("remote edit!", local.read("doc.txt"));
    assertEquals("local edit", local.read(c.conflictCopyPath()));
    assertTrue(c.conflictCopyPath().matches("doc \\(conflicted copy \\d{4}-\\d{2}-\\d{2} \\d{6}\\)\\.txt"), c.conflictCopyPath());
    assertEquals(10, c.local().size(), "the local side's metadata");
    assertNotNull(c.remote().etag(), "the server's side's metadata");
    assertEquals(0, status().counts().conflict(), "nothing is left open");
    // Journaled before its worker settles it and again with the outcome, it is told once (its record says resolved).
    assertEquals(List.of("started " + run.runId(), "raised " + c.id(), "finished " + run.runId()),
        told.stream().filter(e -> e.endsWith(" " + run.runId()) || e.endsWith(" " + c.id())).toList(),
        "the observer hears of the run and of the conflict once: " + told);

    RunSummary next = syncOk();
    assertEquals(0, next.uploaded() + next.downloaded() + next.conflicts(), "the next run has nothing to do");
  }

  @Test
  void keepLocalPutsTheLocalVersionOnTheServer() {
    strategy(ConflictStrategy.KEEP_LOCAL);
    editedOnBothSides("doc.txt");

    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("doc.txt", "local edit"), local.files());
    assertResolved(onlyConflict(), ConflictType.BOTH_MODIFIED, ConflictStrategy.KEEP_LOCAL, "strategy keep_local");
    assertEquals(List.of(), local.trashed(), "no local content was replaced");
    assertEquals(0, syncOk().uploaded(), "settled");
  }

  @Test
  void keepRemoteTakesTheServersVersionAndKeepsTheLocalOneInTheTrash() {
    strategy(ConflictStrategy.KEEP_REMOTE);
    editedOnBothSides("doc.txt");

    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("doc.txt", "remote edit!"), local.files());
    assertResolved(onlyConflict(), ConflictType.BOTH_MODIFIED, ConflictStrategy.KEEP_REMOTE, "strategy keep_remote");
    assertEquals(List.of("local edit"), local.trashed(), "the replaced local version is kept");
    assertEquals(0, syncOk().downloaded(), "settled");
  }

  @Test
  void keepNewestTakesTheServersVersionWhenItWasModifiedLast() {
    strategy(ConflictStrategy.KEEP_NEWEST);
    editedOnBothSides("doc.txt"); // the workspace's clock is years behind the server's

    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("doc.txt", "remote edit!"), local.files());
    assertResolved(onlyConflict(), ConflictType.BOTH_MODIFIED, ConflictStrategy.KEEP_NEWEST, "strategy keep_newest");
    assertEquals(List.of("local edit"), local.trashed());
  }

  @Test
  void keepNewestTakesTheLocalVersionWhenItWasModifiedLast() {
    strategy(ConflictStrategy.KEEP_NEWEST);
    editedOnBothSides("doc.txt");
    local.writeAt("doc.txt", "local edit, later", System.currentTimeMillis() + 3_600_000);

    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("doc.txt", "local edit, later"), local.files());
    assertResolved(onlyConflict(), ConflictType.BOTH_MODIFIED, ConflictStrategy.KEEP_NEWEST, "strategy keep_newest");
    assertEquals(List.of(), local.trashed());
  }

  // --- both_added ----------------------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(value = ConflictStrategy.class, names = {"KEEP_LOCAL", "KEEP_REMOTE", "KEEP_NEWEST", "KEEP_BOTH"})
  void twoNewFilesOfTheSameNameEndAsTheStrategySays(ConflictStrategy strategy) {
    strategy(strategy);
    local.write("new.txt", "added here");
    remote.put("lib/new.txt", "added on the server");

    syncOk();

    assertTreesEqual();
    ConflictRecord c = onlyConflict();
    assertResolved(c, ConflictType.BOTH_ADDED, strategy, "strategy " + strategy.wireName());
    Map<String, String> expected = switch (strategy) {
      case KEEP_LOCAL -> Map.of("new.txt", "added here");
      case KEEP_REMOTE, KEEP_NEWEST -> Map.of("new.txt", "added on the server");
      default -> Map.of("new.txt", "added on the server", c.conflictCopyPath(), "added here");
    };
    assertEquals(expected, local.files());
  }

  @Test
  void twoNewFilesUnderManualStayAsTheyAre() {
    strategy(ConflictStrategy.MANUAL);
    local.write("new.txt", "added here");
    remote.put("lib/new.txt", "added on the server");

    syncOk();

    assertOpen(ConflictType.BOTH_ADDED);
    assertEquals("added here", local.read("new.txt"));
    assertEquals("added on the server", remote.read("lib/new.txt"));
  }

  // --- manual, resolve, auto-close ------------------------------------------------------------------------------

  @Test
  void manualLeavesBothSidesUntouchedUntilTheOperatorResolves() {
    strategy(ConflictStrategy.MANUAL);
    editedOnBothSides("doc.txt");

    assertEquals(1, syncOk().conflicts());
    ConflictRecord open = assertOpen(ConflictType.BOTH_MODIFIED);
    assertEquals("local edit", local.read("doc.txt"));
    assertEquals("remote edit!", remote.read("lib/doc.txt"));

    RunSummary again = syncOk();
    assertEquals(0, again.uploaded() + again.downloaded() + again.conflicts(), "an open conflict is left alone");
    assertEquals(open, assertOpen(ConflictType.BOTH_MODIFIED), "the same record");

    resolveAccepted(open.id(), ConflictStrategy.KEEP_LOCAL);
    assertRefused(open.id(), ConflictStrategy.KEEP_REMOTE, Library.Refusal.ALREADY_RESOLVED);
    assertEquals("remote edit!", remote.read("lib/doc.txt"), "the resolution waits for the next run");

    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("doc.txt", "local edit"), local.files());
    ConflictRecord resolved = onlyConflict();
    assertEquals(open.id(), resolved.id());
    assertResolved(resolved, ConflictType.BOTH_MODIFIED, ConflictStrategy.KEEP_LOCAL, ConflictRecord.BY_OPERATOR);
    assertRefused(open.id(), ConflictStrategy.KEEP_LOCAL, Library.Refusal.ALREADY_RESOLVED);
    assertRefused("no-such-conflict", ConflictStrategy.KEEP_LOCAL, Library.Refusal.UNKNOWN_CONFLICT);
  }

  @Test
  void resolvingKeepRemoteKeepsTheReplacedLocalVersionInTheTrash() {
    strategy(ConflictStrategy.MANUAL);
    editedOnBothSides("doc.txt");
    syncOk();

    resolveAccepted(assertOpen(ConflictType.BOTH_MODIFIED).id(), ConflictStrategy.KEEP_REMOTE);
    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("doc.txt", "remote edit!"), local.files());
    assertEquals(List.of("local edit"), local.trashed());
    assertResolved(onlyConflict(), ConflictType.BOTH_MODIFIED, ConflictStrategy.KEEP_REMOTE, ConflictRecord.BY_OPERATOR);
  }

  @Test
  void aConflictWhoseSideChangedSinceItWasRecordedIsNotResolvedOnTheOldRecord() {
    strategy(ConflictStrategy.MANUAL);
    editedOnBothSides("doc.txt");
    syncOk();
    ConflictRecord open = assertOpen(ConflictType.BOTH_MODIFIED);
    local.write("doc.txt", "edited once more");

    assertRefused(open.id(), ConflictStrategy.KEEP_REMOTE, Library.Refusal.SIDES_CHANGED);

    syncOk(); // records the new sides, touches nothing
    ConflictRecord refreshed = assertOpen(ConflictType.BOTH_MODIFIED);
    assertEquals(open.id(), refreshed.id());
    assertEquals("edited once more".length(), refreshed.local().size());
    assertEquals("remote edit!", remote.read("lib/doc.txt"));

    resolveAccepted(open.id(), ConflictStrategy.KEEP_LOCAL);
    syncOk();
    assertTreesEqual();
    assertEquals(Map.of("doc.txt", "edited once more"), local.files());
  }

  @Test
  void aSideChangedAfterTheResolutionWasAskedForReopensTheConflictInsteadOfOverwriting() {
    strategy(ConflictStrategy.MANUAL);
    editedOnBothSides("doc.txt");
    syncOk();
    resolveAccepted(assertOpen(ConflictType.BOTH_MODIFIED).id(), ConflictStrategy.KEEP_REMOTE);
    local.write("doc.txt", "a last-minute local edit");

    syncOk();

    assertEquals("a last-minute local edit", local.read("doc.txt"), "never overwritten on a stale choice");
    assertEquals("remote edit!", remote.read("lib/doc.txt"));
    assertEquals("a last-minute local edit".length(), assertOpen(ConflictType.BOTH_MODIFIED).local().size());
  }

  @Test
  void anOpenConflictClosesByItselfWhenBothSidesBecomeIdentical() {
    strategy(ConflictStrategy.MANUAL);
    editedOnBothSides("doc.txt");
    syncOk();
    assertOpen(ConflictType.BOTH_MODIFIED);
    local.write("doc.txt", "remote edit!"); // the user merged by taking the server's text

    syncOk();

    assertTreesEqual();
    ConflictRecord closed = onlyConflict();
    assertResolved(closed, ConflictType.BOTH_MODIFIED, ConflictStrategy.MANUAL, ConflictRecord.BY_IDENTICAL_SIDES);
    assertEquals(0, status().counts().conflict());
    RunSummary next = syncOk();
    assertEquals(0, next.uploaded() + next.downloaded() + next.conflicts(), "settled");
  }

  // --- deleted_locally / deleted_remotely ----------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(value = ConflictStrategy.class, names = {"KEEP_LOCAL", "KEEP_REMOTE", "KEEP_NEWEST", "KEEP_BOTH"})
  void aServerEditBeatsALocalDeletionUnderEveryStrategyButManual(ConflictStrategy strategy) {
    strategy(strategy);
    deletedLocallyEditedOnTheServer();

    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("a.txt", "v2 edited on the server", "keep.txt", "k"), local.files());
    ConflictRecord c = onlyConflict();
    assertResolved(c, ConflictType.DELETED_LOCALLY, strategy, ConflictRecord.BY_KEEPING_THE_MODIFIED_SIDE);
    assertNull(c.local(), "nothing was there locally");
  }

  @ParameterizedTest
  @EnumSource(value = ConflictStrategy.class, names = {"KEEP_LOCAL", "KEEP_REMOTE", "KEEP_NEWEST", "KEEP_BOTH"})
  void aLocalEditBeatsADeletionOnTheServerUnderEveryStrategyButManual(ConflictStrategy strategy) {
    strategy(strategy);
    deletedOnTheServerEditedHere();

    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("a.txt", "v2 edited here", "keep.txt", "k"), local.files());
    ConflictRecord c = onlyConflict();
    assertResolved(c, ConflictType.DELETED_REMOTELY, strategy, ConflictRecord.BY_KEEPING_THE_MODIFIED_SIDE);
    assertNull(c.remote(), "nothing was there on the server");
  }

  @Test
  void aLocalDeletionAgainstAServerEditWaitsUnderManualAndKeepLocalDeletesOnTheServer() {
    ConflictRecord open = openDeletionConflict(ConflictType.DELETED_LOCALLY);
    syncOk();
    assertEquals(Map.of("keep.txt", "k"), local.files(), "nothing restored while open");
    assertEquals("v2 edited on the server", remote.read("lib/a.txt"), "nothing deleted while open");

    resolveAccepted(open.id(), ConflictStrategy.KEEP_LOCAL);
    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("keep.txt", "k"), local.files());
    assertResolved(onlyConflict(), ConflictType.DELETED_LOCALLY, ConflictStrategy.KEEP_LOCAL, ConflictRecord.BY_OPERATOR);
  }

  @Test
  void aLocalDeletionAgainstAServerEditResolvedKeepRemoteRestoresTheServersVersion() {
    resolveAccepted(openDeletionConflict(ConflictType.DELETED_LOCALLY).id(), ConflictStrategy.KEEP_REMOTE);
    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("a.txt", "v2 edited on the server", "keep.txt", "k"), local.files());
    assertResolved(onlyConflict(), ConflictType.DELETED_LOCALLY, ConflictStrategy.KEEP_REMOTE, ConflictRecord.BY_OPERATOR);
  }

  @Test
  void aServerDeletionAgainstALocalEditWaitsUnderManualAndKeepRemoteMovesTheEditToTheTrash() {
    ConflictRecord open = openDeletionConflict(ConflictType.DELETED_REMOTELY);
    assertEquals(Map.of("a.txt", "v2 edited here", "keep.txt", "k"), local.files());
    assertNull(remote.read("lib/a.txt"), "nothing uploaded while open");

    resolveAccepted(open.id(), ConflictStrategy.KEEP_REMOTE);
    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("keep.txt", "k"), local.files());
    assertEquals(List.of("v2 edited here"), local.trashed(), "the edit is kept in the trash, restorable");
    assertResolved(onlyConflict(), ConflictType.DELETED_REMOTELY, ConflictStrategy.KEEP_REMOTE, ConflictRecord.BY_OPERATOR);
  }

  @Test
  void aServerDeletionAgainstALocalEditResolvedKeepLocalUploadsTheEdit() {
    resolveAccepted(openDeletionConflict(ConflictType.DELETED_REMOTELY).id(), ConflictStrategy.KEEP_LOCAL);
    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("a.txt", "v2 edited here", "keep.txt", "k"), local.files());
  }

  @Test
  void aDeletionConflictClosesByItselfWhenTheOtherSideIsDeletedToo() {
    openDeletionConflict(ConflictType.DELETED_LOCALLY);
    remote.remove("lib/a.txt");

    syncOk();

    assertTreesEqual();
    assertResolved(onlyConflict(), ConflictType.DELETED_LOCALLY, ConflictStrategy.MANUAL, ConflictRecord.BY_IDENTICAL_SIDES);
  }

  // --- type_mismatch -------------------------------------------------------------------------------------------

  @Test
  void aFolderAgainstAFileKeepsBothTheFileUnderAConflictCopyName() {
    local.write("x/inner.txt", "inside the local folder");
    remote.put("lib/x", "a file on the server");

    syncOk();
    syncOk(); // the renamed folder's contents follow

    assertTreesEqual();
    ConflictRecord c = onlyConflict();
    assertResolved(c, ConflictType.TYPE_MISMATCH, ConflictStrategy.KEEP_BOTH, "strategy keep_both");
    assertEquals(Map.of(c.conflictCopyPath(), "a file on the server", "x/inner.txt", "inside the local folder"), local.files(),
        "the file steps aside, whichever side it is on; the folder keeps the name");
  }

  @Test
  void aFileAgainstAFolderUnderManualWaitsAndOnlyKeepBothResolvesIt() {
    strategy(ConflictStrategy.MANUAL);
    local.write("x", "a local file");
    remote.put("lib/x/inner.txt", "inside the server's folder");

    syncOk();
    ConflictRecord open = assertOpen(ConflictType.TYPE_MISMATCH);
    assertEquals(Map.of("x", "a local file"), local.files(), "nothing below the server's folder came down");

    assertRefused(open.id(), ConflictStrategy.KEEP_LOCAL, Library.Refusal.NOT_APPLICABLE);
    resolveAccepted(open.id(), ConflictStrategy.KEEP_BOTH);
    syncOk();
    syncOk();

    assertTreesEqual();
    ConflictRecord c = onlyConflict();
    assertResolved(c, ConflictType.TYPE_MISMATCH, ConflictStrategy.KEEP_BOTH, ConflictRecord.BY_OPERATOR);
    assertEquals(Map.of("x/inner.txt", "inside the server's folder", c.conflictCopyPath(), "a local file"), local.files());
  }

  // --- one-way libraries ---------------------------------------------------------------------------------------

  @Test
  void aOneWayLibraryWaitsForTheOperatorRatherThanWriteAgainstItsDirection() {
    startLibrary(io.ncsync.persistence.sync.SyncMode.LOCAL_TO_REMOTE); // keep_both would write locally
    editedOnBothSides("doc.txt");

    syncOk();

    assertOpen(ConflictType.BOTH_MODIFIED);
    assertEquals("local edit", local.read("doc.txt"));
    assertEquals("remote edit!", remote.read("lib/doc.txt"));
  }
}
