package io.ncsync.daemon.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.pattern.StatusReply;
import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.library.LibraryStatus;
import io.ncsync.persistence.sync.LocalDrift;
import io.ncsync.persistence.sync.SyncMode;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Issue 13: a remote-to-local library never uploads; its status says what its local changes are and what becomes of them. */
class LocalDriftSyncTest extends EngineTestBase {

  @Test
  void aRemoteToLocalLibrarySaysWhatBecomesOfItsLocalChanges() throws Exception {
    startLibrary(SyncMode.REMOTE_TO_LOCAL);
    remote.put("lib/a.txt", "server a");
    remote.put("lib/b.txt", "server b");
    remote.put("lib/c.txt", "server c");
    syncOk();
    assertTrue(status().localDrift().isEmpty(), "in step with the server: no drift");

    writeLocal("a.txt", "edited here");
    writeLocal("new.txt", "only here");
    Files.delete(workspace.resolve("b.txt"));
    syncOk();

    LibraryStatus status = status();
    Map<String, LocalDrift> drift = status.localDrift().stream()
        .collect(Collectors.toMap(LocalDrift::path, d -> d));
    assertEquals(3, status.localDriftTotal(), status.localDrift().toString());
    assertEquals(LocalDrift.CHANGED, drift.get("a.txt").kind());
    assertTrue(drift.get("a.txt").fate().startsWith("kept until the server's version changes"), drift.get("a.txt").fate());
    assertEquals(LocalDrift.ADDED, drift.get("new.txt").kind());
    assertEquals(LocalDrift.DELETED, drift.get("b.txt").kind());
    assertEquals("brought back from the server", drift.get("b.txt").fate());
    assertEquals("server b", Files.readString(workspace.resolve("b.txt")), "and it was");
    assertEquals("server a", remote.read("lib/a.txt"), "nothing goes up");
    assertEquals(List.of("a.txt", "b.txt", "c.txt"), List.copyOf(new java.util.TreeSet<>(remote.files("lib").keySet())));
  }

  @Test
  void aTwoWayLibraryHasNoDrift() throws Exception {
    writeLocal("a.txt", "here");
    syncOk();
    writeLocal("a.txt", "edited here");
    syncOk();
    assertTrue(status().localDrift().isEmpty());
    assertEquals(0, status().localDriftTotal());
  }

  private LibraryStatus status() {
    StatusReply<LibraryStatus> reply = ask(Library.GetStatus::new);
    return reply.getValue();
  }
}
