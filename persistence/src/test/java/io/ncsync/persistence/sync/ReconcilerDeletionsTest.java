package io.ncsync.persistence.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ncsync.protocol.DavEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The deletion rules: every remote-deletion policy, and local deletions propagated or ignored. */
class ReconcilerDeletionsTest {
  private static final BaseEntry BASE = new BaseEntry("f.txt", false, "1", "e1", 10, 1000, "aaa");
  private static final LocalEntry SAME = new LocalEntry("f.txt", false, 10, 1000, null);
  private static final LocalEntry CHANGED = new LocalEntry("f.txt", false, 11, 2000, "bbb");

  @ParameterizedTest
  @EnumSource(RemoteDeletionPolicy.class)
  void anUnchangedFileDeletedOnTheServerFollowsThePolicy(RemoteDeletionPolicy policy) {
    SyncAction action = Reconciler.planFile("f.txt", BASE, SAME, null, SyncMode.BIDIRECTIONAL, rules(policy, LocalDeletions.PROPAGATE));
    switch (policy) {
      case TRASH, ARCHIVE, DELETE -> assertEquals(policy, assertInstanceOf(SyncAction.DeleteLocal.class, action).policy());
      case IGNORE, ORPHAN -> assertEquals(policy, assertInstanceOf(SyncAction.KeepLocal.class, action).policy());
      case CONFLICT -> assertInstanceOf(SyncAction.RecordDeletedRemotely.class, action);
    }
  }

  @ParameterizedTest
  @EnumSource(RemoteDeletionPolicy.class)
  void aChangedFileDeletedOnTheServerIsUploadedWhateverThePolicy(RemoteDeletionPolicy policy) {
    SyncAction action = Reconciler.planFile("f.txt", BASE, CHANGED, null, SyncMode.BIDIRECTIONAL, rules(policy, LocalDeletions.PROPAGATE));
    // A deleted_remotely conflict, ended by the default strategy as every strategy but manual does: the edit is uploaded.
    SyncAction.SettleConflict settle = assertInstanceOf(SyncAction.SettleConflict.class, action);
    assertEquals(ConflictType.DELETED_REMOTELY, settle.type());
    assertEquals(ConflictStrategy.KEEP_BOTH, settle.strategy());
  }

  @Test
  void theDefaultPolicyTrashes() {
    SyncAction action = Reconciler.planFile("f.txt", BASE, SAME, null, SyncMode.BIDIRECTIONAL);
    assertEquals(RemoteDeletionPolicy.TRASH, assertInstanceOf(SyncAction.DeleteLocal.class, action).policy());
  }

  @Test
  void aLocalDeletionIsPropagatedOrIgnored() {
    DavEntry same = file("f.txt", "e1");
    assertInstanceOf(SyncAction.DeleteRemote.class, Reconciler.planFile("f.txt", BASE, null, same, SyncMode.BIDIRECTIONAL,
        rules(RemoteDeletionPolicy.TRASH, LocalDeletions.PROPAGATE)));
    assertNull(Reconciler.planFile("f.txt", BASE, null, same, SyncMode.BIDIRECTIONAL,
        rules(RemoteDeletionPolicy.TRASH, LocalDeletions.IGNORE)), "ignored: nothing planned, the base stays");
    SyncAction.SettleConflict edited = assertInstanceOf(SyncAction.SettleConflict.class, Reconciler.planFile("f.txt", BASE, null,
        file("f.txt", "e2"), SyncMode.BIDIRECTIONAL, rules(RemoteDeletionPolicy.TRASH, LocalDeletions.IGNORE)),
        "a server edit still comes down: a deleted_locally conflict the edited side wins");
    assertEquals(ConflictType.DELETED_LOCALLY, edited.type());
    assertInstanceOf(SyncAction.Download.class, Reconciler.planFile("f.txt", BASE, null, same, SyncMode.REMOTE_TO_LOCAL,
        rules(RemoteDeletionPolicy.TRASH, LocalDeletions.IGNORE)), "remote_to_local restores it as before");
  }

  @Test
  void aFolderDeletedLocallyIsNeitherDeletedRemotelyNorRecreatedWhenLocalDeletionsAreIgnored() {
    Map<String, BaseEntry> base = new HashMap<>();
    base.put("d", BaseEntry.folder("d", "fd", "ed"));
    base.put("d/a.txt", new BaseEntry("d/a.txt", false, "1", "e1", 10, 1000, "aaa"));
    Discovery discovery = new Discovery(Map.of(), Map.of("d", folder("d"), "d/a.txt", file("d/a.txt", "e1")), Map.of());

    SyncPlan ignored = Reconciler.plan(base, discovery, SyncMode.BIDIRECTIONAL,
        rules(RemoteDeletionPolicy.TRASH, LocalDeletions.IGNORE));
    SyncPlan propagated = Reconciler.plan(base, discovery, SyncMode.BIDIRECTIONAL, DeletionRules.DEFAULTS);

    assertEquals(List.of(), paths(ignored));
    assertEquals(List.of("d/a.txt", "d"), paths(propagated));
    assertInstanceOf(SyncAction.DeleteRemoteFolder.class, propagated.actions(SyncAction.Phase.DELETE_FOLDERS).get(0));
  }

  @Test
  void aFolderDeletedOnTheServerIsOnlyEmptiedOfWhatThePolicyRemoves() {
    Map<String, BaseEntry> base = new HashMap<>();
    base.put("d", BaseEntry.folder("d", "fd", "ed"));
    base.put("d/a.txt", new BaseEntry("d/a.txt", false, "1", "e1", 10, 1000, "aaa"));
    Discovery discovery = new Discovery(Map.of("d", LocalEntry.folder("d"), "d/a.txt", new LocalEntry("d/a.txt", false, 10, 1000, null)),
        Map.of(), Map.of());

    SyncPlan orphan = Reconciler.plan(base, discovery, SyncMode.BIDIRECTIONAL,
        rules(RemoteDeletionPolicy.ORPHAN, LocalDeletions.PROPAGATE));

    assertInstanceOf(SyncAction.KeepLocal.class, orphan.actions(SyncAction.Phase.DELETE_FILES).get(0));
    // The folder is removed only if empty by then, so the kept file keeps it; never recreated on the server.
    assertInstanceOf(SyncAction.DeleteLocalFolder.class, orphan.actions(SyncAction.Phase.DELETE_FOLDERS).get(0));
    assertEquals(List.of(), orphan.actions(SyncAction.Phase.CREATE_FOLDERS));
  }

  @Test
  void anUntrackedFileAndItsFolderAreLeftAloneWhileTheServerHasNothingThere() {
    Map<String, LocalEntry> local = Map.of("d", LocalEntry.folder("d"), "d/a.txt", new LocalEntry("d/a.txt", false, 10, 1000, null),
        "b.txt", new LocalEntry("b.txt", false, 1, 1, null));
    Discovery discovery = new Discovery(local, Map.of("b.txt", file("b.txt", "eb")), Map.of())
        .leavingAlone(java.util.Set.of("d/a.txt", "b.txt"), "untracked");

    SyncPlan plan = Reconciler.plan(Map.of(), discovery, SyncMode.BIDIRECTIONAL, DeletionRules.DEFAULTS);

    assertEquals(java.util.Set.of("d", "d/a.txt"), discovery.excluded().keySet(), "b.txt is on the server again: tracked");
    assertEquals(List.of("b.txt"), paths(plan));
  }

  private static DeletionRules rules(RemoteDeletionPolicy remote, LocalDeletions local) {
    return new DeletionRules(remote, local);
  }

  private static List<String> paths(SyncPlan plan) {
    return plan.phases().values().stream().flatMap(List::stream)
        .filter(a -> !(a instanceof SyncAction.RecordFolder)).map(SyncAction::path).toList();
  }

  private static DavEntry file(String path, String etag) {
    return new DavEntry(path, false, etag, 10, null, "1", null, null);
  }

  private static DavEntry folder(String path) {
    return new DavEntry(path, true, "f-" + path, -1, null, null, null, null);
  }
}
