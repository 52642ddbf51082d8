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
  void aStateWithoutItsFileCountCountsOnce() {
    LibraryState old = new LibraryState(null, Map.of("x", file("x"), "y", file("y"), "f", BaseEntry.folder("f", null, null)),
        null, null, null, null, null, null, null, null, null, null);
    assertEquals(2, old.fileCount());
  }

  private static BaseEntry file(String path) {
    return new BaseEntry(path, false, "id-" + path, "e-" + path, 1, 1, "sha");
  }
}
