package io.ncsync.persistence.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.persistence.sync.SyncAction.MoveLocal;
import io.ncsync.persistence.sync.SyncAction.MoveRemote;
import io.ncsync.persistence.sync.SyncAction.RecordMove;
import io.ncsync.protocol.DavEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The move-detection step alone: which moves, carried out on which side, in which order, and the world after them. */
class MoveDetectorTest {
  private final Map<String, BaseEntry> base = new HashMap<>();
  private final Map<String, LocalEntry> local = new HashMap<>();
  private final Map<String, DavEntry> remote = new HashMap<>();

  /** A file synced at {@code path}: base, local (identity "k-path") and remote (file id "id-path") agree. */
  private void synced(String path) {
    base.put(path, new BaseEntry(path, false, "id-" + path, "e-" + path, 5, 1000, "sha-" + path, null, false, "k-" + path));
    local.put(path, new LocalEntry(path, false, 5, 1000, null, "k-" + path));
    remote.put(path, new DavEntry(path, false, "e-" + path, 5, null, "id-" + path, null, null));
  }

  private void syncedFolder(String path) {
    base.put(path, BaseEntry.folder(path, "id-" + path, "e-" + path, "k-" + path));
    local.put(path, LocalEntry.folder(path, "k-" + path));
    remote.put(path, new DavEntry(path, true, "e-" + path, -1, null, "id-" + path, null, null));
  }

  /** Moves what the base knows at {@code from} (and below) to {@code to} in the workspace, keeping identities. */
  private void movedLocally(String from, String to) {
    for (String path : List.copyOf(local.keySet())) {
      if (MoveDetector.isAtOrBelow(path, from)) local.put(MoveDetector.rebased(path, from, to), local.remove(path).at(MoveDetector.rebased(path, from, to)));
    }
  }

  private void movedRemotely(String from, String to) {
    for (String path : List.copyOf(remote.keySet())) {
      if (MoveDetector.isAtOrBelow(path, from)) {
        DavEntry e = remote.remove(path);
        String moved = MoveDetector.rebased(path, from, to);
        remote.put(moved, new DavEntry(moved, e.collection(), e.etag(), e.size(), null, e.fileId(), null, null));
      }
    }
  }

  private MoveDetector.Moves detect(SyncMode mode) {
    return MoveDetector.detect(base, new Discovery(local, remote, Map.of()), mode);
  }

  @Test
  void aLocalFolderMoveIsOneRemoteMoveAndTheWorldAfterItIsSettled() {
    syncedFolder("a");
    synced("a/x");
    synced("a/y");
    movedLocally("a", "b");

    MoveDetector.Moves moves = detect(SyncMode.BIDIRECTIONAL);

    assertEquals(List.of(new MoveRemote("a", "b", "a", false)), moves.steps());
    assertEquals(Set.of("b", "b/x", "b/y"), moves.base().keySet());
    assertEquals(moves.base().keySet(), moves.discovery().remote().keySet());
    assertEquals("id-a/x", moves.discovery().remote().get("b/x").fileId());
    assertTrue(Reconciler.plan(moves.base(), moves.discovery(), SyncMode.BIDIRECTIONAL).isEmpty(), "nothing else to do");
  }

  @Test
  void aRemoteMoveByFileIdIsALocalRename() {
    synced("doc");
    movedRemotely("doc", "docs/doc-2024");

    assertEquals(List.of(new MoveLocal("doc", "docs/doc-2024", "doc", false)), detect(SyncMode.BIDIRECTIONAL).steps());
  }

  @Test
  void aFileMovedInsideAMovedFolderIsASecondStepAfterTheFolder() {
    syncedFolder("a");
    synced("a/x");
    movedLocally("a", "b");
    movedLocally("b/x", "b/renamed");

    assertEquals(List.of(new MoveRemote("a", "b", "a", false), new MoveRemote("b/x", "b/renamed", "b/x", false)),
        detect(SyncMode.BIDIRECTIONAL).steps());
  }

  @Test
  void aReusedInodeWithOtherContentIsNoMove() {
    synced("old");
    local.remove("old");
    local.put("new", new LocalEntry("new", false, 9, 2000, null, "k-old"));

    assertTrue(detect(SyncMode.BIDIRECTIONAL).steps().isEmpty());
  }

  @Test
  void anInvertedHierarchyMovesTheInnerFolderOutFirst() {
    syncedFolder("a");
    syncedFolder("a/b");
    synced("a/b/f");
    movedLocally("a/b", "b");
    movedLocally("a", "b/a");

    MoveDetector.Moves moves = detect(SyncMode.BIDIRECTIONAL);

    assertEquals(List.of(new MoveRemote("a/b", "b", "a/b", false), new MoveRemote("a", "b/a", "a", false)), moves.steps());
    assertEquals(Set.of("b", "b/a", "b/f"), moves.base().keySet());
  }

  @Test
  void theSameMoveOnBothSidesOnlyMovesTheBase() {
    synced("f");
    movedLocally("f", "g");
    movedRemotely("f", "g");

    assertEquals(List.of(new RecordMove("f", "g")), detect(SyncMode.BIDIRECTIONAL).steps());
  }

  @Test
  void differentMovesKeepTheServersInTwoWayAndTheWorkspacesWhenUploadingOnly() {
    synced("f");
    movedLocally("f", "mine");
    movedRemotely("f", "theirs");

    assertEquals(List.of(new MoveLocal("mine", "theirs", "f", true)), detect(SyncMode.BIDIRECTIONAL).steps());
    assertEquals(List.of(new MoveRemote("theirs", "mine", "f", true)), detect(SyncMode.LOCAL_TO_REMOTE).steps());
  }

  @Test
  void aTakenDestinationIsNoMove() {
    synced("f");
    movedLocally("f", "g");
    remote.put("g", new DavEntry("g", false, "other", 3, null, "id-other", null, null));

    assertTrue(detect(SyncMode.BIDIRECTIONAL).steps().isEmpty());
  }

  @Test
  void withoutIdentitiesOnlyAUniqueContentMatchIsAMove() {
    base.put("a", new BaseEntry("a", false, null, "ea", 5, 1000, "same"));
    base.put("b", new BaseEntry("b", false, null, "eb", 5, 1000, "other"));
    remote.put("a", new DavEntry("a", false, "ea", 5, null, null, null, null));
    remote.put("b", new DavEntry("b", false, "eb", 5, null, null, null, null));
    local.put("moved-a", new LocalEntry("moved-a", false, 5, 1000, "same", null));
    local.put("copy-1", new LocalEntry("copy-1", false, 5, 1000, "other", null));
    local.put("copy-2", new LocalEntry("copy-2", false, 5, 1000, "other", null));

    assertEquals(List.of(new MoveRemote("a", "moved-a", "a", false)), detect(SyncMode.BIDIRECTIONAL).steps(),
        "b has two candidates: no guess");
    assertEquals(Set.of("moved-a", "copy-1", "copy-2"), MoveDetector.filesToHash(base, Map.of(
        "moved-a", new LocalEntry("moved-a", false, 5, 1, null, null),
        "copy-1", new LocalEntry("copy-1", false, 5, 1, null, null),
        "copy-2", new LocalEntry("copy-2", false, 5, 1, null, null))));
    assertTrue(MoveDetector.filesToHash(base, Map.of("big", new LocalEntry("big", false, 6, 1, null, null))).isEmpty(),
        "a file of no vanished file's size is not read");
  }

  @Test
  void aMoveTheServerDoesNotAllowIsNoMove() {
    synced("locked");
    remote.put("locked", new DavEntry("locked", false, "e-locked", 5, null, "id-locked", "RGDW", null)); // no N, no V
    movedLocally("locked", "renamed");

    assertTrue(detect(SyncMode.BIDIRECTIONAL).steps().isEmpty());
  }

  @Test
  void aOneWayLibraryDoesNotCarryMovesItsDirectionForbids() {
    synced("f");
    movedRemotely("f", "g");

    assertTrue(detect(SyncMode.LOCAL_TO_REMOTE).steps().isEmpty());
  }
}
