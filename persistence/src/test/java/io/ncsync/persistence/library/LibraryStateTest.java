package io.ncsync.persistence.library;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.Transfer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LibraryStateTest {

  @Test
  void theFileCountFollowsTheBase() {
    LibraryState state = LibraryState.empty()
        .documentSynced(file("a.txt"), Transfer.UPLOADED)
        .documentSynced(file("b.txt"), Transfer.UPLOADED)
        .documentSynced(BaseEntry.folder("docs", null, null), Transfer.NONE);
    assertEquals(2, state.fileCount());
    state = state.documentSynced(file("a.txt"), Transfer.UPLOADED); // the same file again
    assertEquals(2, state.fileCount());
    state = state.documentForgotten("b.txt", Transfer.DELETED_REMOTE).documentForgotten("never-there", Transfer.NONE);
    assertEquals(1, state.fileCount());
    state = state.foldersRecorded(List.of(BaseEntry.folder("a.txt", "9", "e9"))); // a file became a folder
    assertEquals(0, state.fileCount());
    state = state.documentSynced(file("docs"), Transfer.DOWNLOADED); // and a folder a file
    assertEquals(1, state.fileCount());
  }

  @Test
  void aMoveReKeysEveryBaseEntryBelowItAndKeepsTheCount() {
    LibraryState state = LibraryState.empty()
        .documentSynced(BaseEntry.folder("a", "1", "ea", "key-a"), Transfer.NONE)
        .documentSynced(file("a/x.txt"), Transfer.UPLOADED)
        .documentSynced(file("a/sub/y.txt"), Transfer.UPLOADED)
        .documentSynced(file("ab.txt"), Transfer.UPLOADED); // shares a prefix, not a folder: stays
    List<BaseEntry> moved = state.basesMoved("a", "b/a");
    assertEquals(List.of("b/a", "b/a/sub/y.txt", "b/a/x.txt"), moved.stream().map(BaseEntry::path).toList());

    LibraryState after = state.documentsMoved("a", "b/a", moved);

    assertEquals(java.util.Set.of("b/a", "b/a/x.txt", "b/a/sub/y.txt", "ab.txt"), after.bases().keySet());
    assertEquals("key-a", after.bases().get("b/a").localKey());
    assertEquals("id-a/x.txt", after.bases().get("b/a/x.txt").fileId());
    assertEquals(3, after.fileCount());
  }

  @Test
  void aFolderRecordWithoutALocalKeyKeepsTheOneTheBaseHas() {
    LibraryState state = LibraryState.empty().documentSynced(BaseEntry.folder("d", "1", null, "key-d"), Transfer.NONE);
    LibraryState after = state.foldersRecorded(List.of(BaseEntry.folder("d", "1", "e2")));
    assertEquals(BaseEntry.folder("d", "1", "e2", "key-d"), after.bases().get("d"));
  }

  @Test
  void aStateWithoutItsFileCountCountsOnce() {
    LibraryState old = new LibraryState(null, Map.of("x", file("x"), "y", file("y"), "f", BaseEntry.folder("f", null, null)),
        null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    assertEquals(2, old.fileCount());
  }

  private static BaseEntry file(String path) {
    return new BaseEntry(path, false, "id-" + path, "e-" + path, 1, 1, "sha");
  }
}
