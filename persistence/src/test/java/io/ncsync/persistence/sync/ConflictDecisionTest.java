package io.ncsync.persistence.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.protocol.DavEntry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What the plan decides for every conflict type under every strategy and mode, and for conflicts on record. */
class ConflictDecisionTest {
  static final BaseEntry BASE = new BaseEntry("f.txt", false, "1", "e1", 10, 1000, "aaa");
  static final LocalEntry EDITED = new LocalEntry("f.txt", false, 11, 2000, "bbb");
  static final DavEntry REMOTE_EDITED = new DavEntry("f.txt", false, "e2", 12, null, "1", null, null);

  private static SyncAction only(Map<String, BaseEntry> base, Map<String, LocalEntry> local, Map<String, DavEntry> remote,
      SyncMode mode, ConflictPolicy policy) {
    SyncPlan plan = Reconciler.plan(base, new Discovery(local, remote, Map.of()), mode, policy);
    List<SyncAction> all = plan.phases().values().stream().flatMap(List::stream).toList();
    assertTrue(all.size() <= 1, () -> "at most one action: " + all);
    return all.isEmpty() ? null : all.get(0);
  }

  private static ConflictPolicy policy(ConflictStrategy strategy) {
    return new ConflictPolicy(strategy, Map.of());
  }

  /** Bidirectional: the library's strategy; one-way: only a strategy writing in the library's direction, else manual. */
  private static ConflictStrategy expectedForBothModified(ConflictStrategy strategy, SyncMode mode) {
    if (mode == SyncMode.BIDIRECTIONAL) return strategy;
    ConflictStrategy allowed = mode == SyncMode.LOCAL_TO_REMOTE ? ConflictStrategy.KEEP_LOCAL : ConflictStrategy.KEEP_REMOTE;
    return strategy == allowed ? strategy : ConflictStrategy.MANUAL;
  }

  @ParameterizedTest
  @EnumSource(ConflictStrategy.class)
  void bothModifiedIsComparedThenEndedByTheStrategyTheModeAllows(ConflictStrategy strategy) {
    for (SyncMode mode : SyncMode.values()) {
      SyncAction.ReconcileBoth both = (SyncAction.ReconcileBoth) only(Map.of("f.txt", BASE), Map.of("f.txt", EDITED),
          Map.of("f.txt", REMOTE_EDITED), mode, policy(strategy));
      assertEquals(expectedForBothModified(strategy, mode), both.strategy(), mode::toString);
      assertSame(BASE, both.base(), "both_modified: compared against the base");
    }
  }

  @ParameterizedTest
  @EnumSource(ConflictStrategy.class)
  void bothAddedIsComparedThenEndedByTheStrategyTheModeAllows(ConflictStrategy strategy) {
    for (SyncMode mode : SyncMode.values()) {
      SyncAction.ReconcileBoth both = (SyncAction.ReconcileBoth) only(Map.of(), Map.of("f.txt", EDITED),
          Map.of("f.txt", REMOTE_EDITED), mode, policy(strategy));
      assertEquals(expectedForBothModified(strategy, mode), both.strategy(), mode::toString);
      assertNull(both.base(), "both_added: no base");
    }
  }

  @ParameterizedTest
  @EnumSource(ConflictStrategy.class)
  void deletedLocallyAndModifiedOnTheServerIsSettledWithTheLibrarysStrategyWhereTheModeDownloads(ConflictStrategy strategy) {
    for (SyncMode mode : SyncMode.values()) {
      SyncAction action = only(Map.of("f.txt", BASE), Map.of(), Map.of("f.txt", REMOTE_EDITED), mode, policy(strategy));
      if (!mode.downloads()) {
        assertNull(action, mode + ": nothing comes down, nothing is deleted");
        continue;
      }
      SyncAction.SettleConflict settle = (SyncAction.SettleConflict) action;
      assertEquals(ConflictType.DELETED_LOCALLY, settle.type());
      assertEquals(strategy, settle.strategy(), "every strategy but manual keeps the modified side (executor)");
      assertNull(settle.local());
      assertNull(settle.record());
    }
  }

  @ParameterizedTest
  @EnumSource(ConflictStrategy.class)
  void deletedOnTheServerAndModifiedHereIsSettledWithTheLibrarysStrategyWhereTheModeUploads(ConflictStrategy strategy) {
    for (SyncMode mode : SyncMode.values()) {
      SyncAction action = only(Map.of("f.txt", BASE), Map.of("f.txt", EDITED), Map.of(), mode, policy(strategy));
      if (!mode.uploads()) {
        assertNull(action, mode + ": nothing goes up, nothing is deleted");
        continue;
      }
      SyncAction.SettleConflict settle = (SyncAction.SettleConflict) action;
      assertEquals(ConflictType.DELETED_REMOTELY, settle.type());
      assertEquals(strategy, settle.strategy());
      assertNull(settle.remote());
    }
  }

  @ParameterizedTest
  @EnumSource(ConflictStrategy.class)
  void aFileAgainstAFolderKeepsBothUnlessManualAndNothingBelowItIsPlanned(ConflictStrategy strategy) {
    for (SyncMode mode : SyncMode.values()) {
      Map<String, LocalEntry> local = Map.of("x", LocalEntry.folder("x"), "x/in.txt", new LocalEntry("x/in.txt", false, 1, 1, null));
      Map<String, DavEntry> remote = Map.of("x", new DavEntry("x", false, "ex", 3, null, "9", null, null));
      if (mode == SyncMode.BIDIRECTIONAL && strategy != ConflictStrategy.MANUAL) {
        // Kept both: the file side steps aside to a conflict-copy name before anything else (MoveDetector).
        SyncPlan plan = Reconciler.plan(Map.of(), new Discovery(local, remote, Map.of()), mode, policy(strategy));
        SyncAction apart = plan.actions(SyncAction.Phase.MOVES).get(0);
        assertTrue(apart instanceof SyncAction.SeparateTypes, plan::toString);
        continue;
      }
      SyncAction.SettleConflict settle = (SyncAction.SettleConflict) only(Map.of(), local, remote, mode, policy(strategy));
      assertEquals(ConflictType.TYPE_MISMATCH, settle.type());
      assertEquals(ConflictStrategy.MANUAL, settle.strategy(), mode::toString);
    }
  }

  // --- conflicts on record -------------------------------------------------------------------------------------

  private static ConflictRecord recorded(LocalEntry l, DavEntry r) {
    return ConflictRecord.open("f.txt", ConflictType.BOTH_MODIFIED, ConflictRecord.sideOf(l, null), ConflictRecord.sideOf(r, null),
        Instant.parse("2026-12-01T00:00:00Z"), "run-1");
  }

  private static SyncAction withRecord(ConflictRecord record, LocalEntry l, DavEntry r) {
    Map<String, LocalEntry> local = l == null ? Map.of() : Map.of("f.txt", l);
    Map<String, DavEntry> remote = r == null ? Map.of() : Map.of("f.txt", r);
    return only(Map.of("f.txt", BASE), local, remote, SyncMode.BIDIRECTIONAL,
        new ConflictPolicy(ConflictStrategy.KEEP_BOTH, Map.of("f.txt", record)));
  }

  @Test
  void anOpenConflictWhoseSidesAreUnchangedIsLeftAlone() {
    assertNull(withRecord(recorded(EDITED, REMOTE_EDITED), EDITED, REMOTE_EDITED));
  }

  @Test
  void anOpenConflictWhoseSideChangedIsLookedAtAgainWithoutAStrategy() {
    ConflictRecord record = recorded(EDITED, REMOTE_EDITED);
    DavEntry editedAgain = new DavEntry("f.txt", false, "e3", 12, null, "1", null, null);
    SyncAction.SettleConflict settle = (SyncAction.SettleConflict) withRecord(record, EDITED, editedAgain);
    assertEquals(ConflictStrategy.MANUAL, settle.strategy());
    assertSame(record, settle.record());
  }

  @Test
  void aResolvedConflictIsCarriedOutWithTheOperatorsChoiceWhileTheSidesAreUnchanged() {
    ConflictRecord record = recorded(EDITED, REMOTE_EDITED).requested(ConflictStrategy.KEEP_REMOTE, ConflictRecord.BY_OPERATOR);
    SyncAction.SettleConflict settle = (SyncAction.SettleConflict) withRecord(record, EDITED, REMOTE_EDITED);
    assertEquals(ConflictStrategy.KEEP_REMOTE, settle.strategy());

    LocalEntry editedAgain = new LocalEntry("f.txt", false, 13, 3000, null);
    SyncAction.SettleConflict stale = (SyncAction.SettleConflict) withRecord(record, editedAgain, REMOTE_EDITED);
    assertEquals(ConflictStrategy.MANUAL, stale.strategy(), "a choice made on the old sides is not carried out");
  }

  @Test
  void aConflictWhosePathIsGoneFromBothSidesAndTheBaseIsStillLookedAt() {
    ConflictRecord record = recorded(EDITED, REMOTE_EDITED);
    SyncPlan plan = Reconciler.plan(Map.of(), new Discovery(Map.of(), Map.of(), Map.of()), SyncMode.BIDIRECTIONAL,
        new ConflictPolicy(ConflictStrategy.KEEP_BOTH, Map.of("f.txt", record)));
    SyncAction.SettleConflict settle = (SyncAction.SettleConflict) plan.actions(SyncAction.Phase.TRANSFER_FILES).get(0);
    assertNull(settle.local());
    assertNull(settle.remote());
  }

  @Test
  void nothingBelowAFolderInConflictIsPlanned() {
    ConflictRecord record = ConflictRecord.open("x", ConflictType.TYPE_MISMATCH, ConflictRecord.sideOf(LocalEntry.folder("x"), null),
        new SideInfo(3, 0, "ex", null), Instant.now(), "run-1");
    Map<String, LocalEntry> local = Map.of("x", LocalEntry.folder("x"), "x/new.txt", new LocalEntry("x/new.txt", false, 1, 1, null));
    Map<String, DavEntry> remote = Map.of("x", new DavEntry("x", false, "ex", 3, null, "9", null, null));
    SyncPlan plan = Reconciler.plan(Map.of(), new Discovery(local, remote, Map.of()), SyncMode.BIDIRECTIONAL,
        new ConflictPolicy(ConflictStrategy.KEEP_BOTH, Map.of("x", record)));
    assertTrue(plan.isEmpty(), plan::toString);
  }
}
