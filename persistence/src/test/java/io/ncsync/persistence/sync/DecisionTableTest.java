package io.ncsync.persistence.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.ncsync.protocol.DavEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every cell of the reconcile decision for one file: local (absent, as in the base, edited) × remote (the same three)
 * with a base, or absent or new on each side without one (9 + 4) × mode (3) × conflict strategy (5) × remote-deletion
 * policy (6) × local deletions (2) = 2,340 cells, each checked against the rules the README promises. A broken rule
 * names the cell and the plan it got.
 */
class DecisionTableTest {
  private static final String PATH = "f.txt";
  private static final BaseEntry BASE = new BaseEntry(PATH, false, "id-1", "e1", 10, 1000, "sha-base");
  private static final LocalEntry LOCAL_AS_BASE = new LocalEntry(PATH, false, 10, 1000, "sha-base");
  private static final LocalEntry LOCAL_EDITED = new LocalEntry(PATH, false, 11, 2000, "sha-local");
  private static final DavEntry REMOTE_AS_BASE = new DavEntry(PATH, false, "e1", 10, null, "id-1", null, null);
  private static final DavEntry REMOTE_EDITED = new DavEntry(PATH, false, "e2", 12, null, "id-1", null, null);

  enum Side { ABSENT, AS_BASE, EDITED }

  record Cell(boolean base, Side local, Side remote, SyncMode mode, ConflictStrategy strategy,
      RemoteDeletionPolicy remoteDeletions, LocalDeletions localDeletions) {}

  @Test
  void everyCellKeepsThePromises() {
    List<String> broken = new ArrayList<>();
    int cells = 0;
    for (boolean base : new boolean[] {false, true}) {
      for (Side local : Side.values()) {
        for (Side remote : Side.values()) {
          if (!base && (local == Side.AS_BASE || remote == Side.AS_BASE)) continue;
          for (SyncMode mode : SyncMode.values()) {
            for (ConflictStrategy strategy : ConflictStrategy.values()) {
              for (RemoteDeletionPolicy policy : RemoteDeletionPolicy.values()) {
                for (LocalDeletions deletions : LocalDeletions.values()) {
                  Cell cell = new Cell(base, local, remote, mode, strategy, policy, deletions);
                  cells++;
                  List<SyncAction> plan = plan(cell);
                  String why = check(cell, plan);
                  if (why != null) broken.add(cell + " → " + plan + ": " + why);
                }
              }
            }
          }
        }
      }
    }
    assertEquals(2_340, cells, "every cell was looked at");
    if (!broken.isEmpty()) {
      fail(broken.size() + " cell(s) break a rule, e.g.:\n" + String.join("\n", broken.subList(0, Math.min(15, broken.size()))));
    }
  }

  private static List<SyncAction> plan(Cell cell) {
    Map<String, BaseEntry> base = cell.base() ? Map.of(PATH, BASE) : Map.of();
    Map<String, LocalEntry> local = switch (cell.local()) {
      case ABSENT -> Map.of();
      case AS_BASE -> Map.of(PATH, LOCAL_AS_BASE);
      case EDITED -> Map.of(PATH, LOCAL_EDITED);
    };
    Map<String, DavEntry> remote = switch (cell.remote()) {
      case ABSENT -> Map.of();
      case AS_BASE -> Map.of(PATH, REMOTE_AS_BASE);
      case EDITED -> Map.of(PATH, REMOTE_EDITED);
    };
    SyncPlan plan = Reconciler.plan(base, new Discovery(local, remote, Map.of()), cell.mode(),
        new ConflictPolicy(cell.strategy(), Map.of()), new DeletionRules(cell.remoteDeletions(), cell.localDeletions()));
    return plan.phases().values().stream().flatMap(List::stream).toList();
  }

  /** Why the plan breaks a promise, or null. */
  private static String check(Cell c, List<SyncAction> plan) {
    if (plan.size() > 1) return "more than one action for one file";
    SyncAction a = plan.isEmpty() ? null : plan.get(0);
    boolean localChanged = c.local() == Side.EDITED || (!c.base() && c.local() != Side.ABSENT);
    boolean remoteChanged = c.remote() == Side.EDITED || (!c.base() && c.remote() != Side.ABSENT);
    boolean deletesLocal = a instanceof SyncAction.DeleteLocal;
    boolean deletesRemote = a instanceof SyncAction.DeleteRemote;
    boolean writesLocal = deletesLocal || a instanceof SyncAction.Download;
    boolean writesRemote = deletesRemote || a instanceof SyncAction.Upload;

    // Nothing is lost: an edited or new version is never deleted, and without a base nothing is deleted at all.
    if (deletesLocal && localChanged) return "deletes an edited local file";
    if (deletesRemote && remoteChanged) return "deletes an edited remote file";
    if (!c.base() && (deletesLocal || deletesRemote)) return "deletes without a base";
    // A one-way library never writes against its direction.
    if (c.mode() == SyncMode.LOCAL_TO_REMOTE && writesLocal) return "local_to_remote writes the workspace";
    if (c.mode() == SyncMode.REMOTE_TO_LOCAL && writesRemote) return "remote_to_local writes the server";
    // A settled file stays untouched.
    if (c.base() && c.local() == Side.AS_BASE && c.remote() == Side.AS_BASE && a != null) return "acts on a synced file";
    // Both sides changed: compared first, and ended by a strategy the mode allows; manual transfers nothing.
    if (localChanged && remoteChanged) {
      if (!(a instanceof SyncAction.ReconcileBoth both)) return "both changed but not compared";
      ConflictStrategy allowed = c.mode() == SyncMode.BIDIRECTIONAL ? c.strategy()
          : c.strategy() == (c.mode() == SyncMode.LOCAL_TO_REMOTE ? ConflictStrategy.KEEP_LOCAL : ConflictStrategy.KEEP_REMOTE)
              ? c.strategy() : ConflictStrategy.MANUAL;
      if (both.strategy() != allowed) return "ended by " + both.strategy() + ", the mode allows " + allowed;
      return null;
    }
    // New on one side only: it goes over where the mode lets it.
    if (!c.base() && localChanged && c.mode() != SyncMode.REMOTE_TO_LOCAL && !(a instanceof SyncAction.Upload)) {
      return "a new local file is not uploaded";
    }
    if (!c.base() && remoteChanged && c.mode() != SyncMode.LOCAL_TO_REMOTE && !(a instanceof SyncAction.Download)) {
      return "a new remote file is not downloaded";
    }
    // An edit on one side, the other as in the base: the edit goes over where the mode lets it.
    if (c.base() && c.local() == Side.EDITED && c.remote() == Side.AS_BASE && c.mode() != SyncMode.REMOTE_TO_LOCAL
        && !(a instanceof SyncAction.Upload)) {
      return "a local edit is not uploaded";
    }
    if (c.base() && c.remote() == Side.EDITED && c.local() == Side.AS_BASE && c.mode() != SyncMode.LOCAL_TO_REMOTE
        && !(a instanceof SyncAction.Download)) {
      return "a remote edit is not downloaded";
    }
    // Deleted on the server, unchanged here (two-way or remote_to_local): the library's policy decides.
    if (c.base() && c.remote() == Side.ABSENT && c.local() == Side.AS_BASE && c.mode() != SyncMode.LOCAL_TO_REMOTE) {
      String expected = switch (c.remoteDeletions()) {
        case TRASH, ARCHIVE, DELETE -> a instanceof SyncAction.DeleteLocal d && d.policy() == c.remoteDeletions() ? null
            : "a remote deletion under " + c.remoteDeletions() + " is not carried out with that policy";
        case IGNORE, ORPHAN -> a instanceof SyncAction.KeepLocal k && k.policy() == c.remoteDeletions() ? null
            : "a remote deletion under " + c.remoteDeletions() + " does not keep the local file";
        case CONFLICT -> a instanceof SyncAction.RecordDeletedRemotely ? null
            : "a remote deletion under conflict is not recorded as one";
      };
      if (expected != null) return expected;
    }
    // Deleted here, unchanged on the server (two-way or local_to_remote): propagated or not, as chosen.
    if (c.base() && c.local() == Side.ABSENT && c.remote() == Side.AS_BASE && c.mode() != SyncMode.REMOTE_TO_LOCAL) {
      if (c.localDeletions() == LocalDeletions.PROPAGATE && !deletesRemote) return "a local deletion is not propagated";
      if (c.localDeletions() == LocalDeletions.IGNORE && deletesRemote) return "an ignored local deletion reaches the server";
    }
    // An edit never loses to a deletion on the other side, whatever the strategy (manual only waits).
    if (c.base() && c.local() == Side.EDITED && c.remote() == Side.ABSENT && c.mode() != SyncMode.REMOTE_TO_LOCAL
        && deletesLocal) {
      return "a local edit lost to a remote deletion";
    }
    if (c.base() && c.remote() == Side.EDITED && c.local() == Side.ABSENT && c.mode() != SyncMode.LOCAL_TO_REMOTE
        && deletesRemote) {
      return "a remote edit lost to a local deletion";
    }
    return null;
  }
}
