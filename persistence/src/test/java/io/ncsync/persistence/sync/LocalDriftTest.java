package io.ncsync.persistence.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.protocol.DavEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalDriftTest {
  private static final Map<String, BaseEntry> BASE = Map.of(
      "kept.txt", new BaseEntry("kept.txt", false, "1", "e1", 4, 1000, "sha-kept"),
      "edited.txt", new BaseEntry("edited.txt", false, "2", "e2", 4, 1000, "sha-edited"),
      "both.txt", new BaseEntry("both.txt", false, "3", "e3", 4, 1000, "sha-both"),
      "gone.txt", new BaseEntry("gone.txt", false, "4", "e4", 4, 1000, "sha-gone"));

  private static final Discovery DISCOVERY = new Discovery(
      Map.of("kept.txt", new LocalEntry("kept.txt", false, 4, 1000, null),
          "edited.txt", new LocalEntry("edited.txt", false, 9, 2000, null),
          "both.txt", new LocalEntry("both.txt", false, 9, 2000, null),
          "new.txt", new LocalEntry("new.txt", false, 3, 3000, null)),
      Map.of("kept.txt", remote("kept.txt", "e1"), "edited.txt", remote("edited.txt", "e2"),
          "both.txt", remote("both.txt", "e3-new"), "gone.txt", remote("gone.txt", "e4")),
      Map.of());

  private static DavEntry remote(String path, String etag) {
    return new DavEntry(path, false, etag, 4, null, "id-" + path, null, null);
  }

  @Test
  void aRemoteToLocalLibrarysLocalChangesAndTheirFates() {
    List<LocalDrift> drift = LocalDrift.of(BASE, DISCOVERY, SyncMode.REMOTE_TO_LOCAL,
        new ConflictPolicy(ConflictStrategy.KEEP_BOTH, Map.of()));
    assertEquals(List.of("both.txt", "edited.txt", "gone.txt", "new.txt"), drift.stream().map(LocalDrift::path).toList());
    assertEquals(new LocalDrift("both.txt", LocalDrift.CHANGED, "a conflict waits for the operator"), drift.get(0));
    assertEquals(new LocalDrift("edited.txt", LocalDrift.CHANGED,
        "kept until the server's version changes; then a conflict waits for the operator"), drift.get(1));
    assertEquals(new LocalDrift("gone.txt", LocalDrift.DELETED, "brought back from the server"), drift.get(2));
    assertEquals(new LocalDrift("new.txt", LocalDrift.ADDED, "kept here, never uploaded"), drift.get(3));

    List<LocalDrift> keepRemote = LocalDrift.of(BASE, DISCOVERY, SyncMode.REMOTE_TO_LOCAL,
        new ConflictPolicy(ConflictStrategy.KEEP_REMOTE, Map.of()));
    assertTrue(keepRemote.get(0).fate().startsWith("the server's version replaces it"), keepRemote.get(0).fate());
  }

  @Test
  void otherModesHaveNone() {
    ConflictPolicy policy = new ConflictPolicy(ConflictStrategy.KEEP_BOTH, Map.of());
    assertEquals(List.of(), LocalDrift.of(BASE, DISCOVERY, SyncMode.BIDIRECTIONAL, policy));
    assertEquals(List.of(), LocalDrift.of(BASE, DISCOVERY, SyncMode.LOCAL_TO_REMOTE, policy));
  }
}
