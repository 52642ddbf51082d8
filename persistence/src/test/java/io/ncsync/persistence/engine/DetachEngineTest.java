package io.ncsync.persistence.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.pattern.StatusReply;
import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.library.Removal;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Removing a library: {@code download} brings the server's files down first, and neither side loses anything. */
class DetachEngineTest extends EngineHarness {

  @Test
  void detachDownloadBringsEveryRemoteFileDownThenRemovesWithoutTouchingTheServer() {
    local.write("shared.txt", "v1");
    syncOk();
    remote.put("lib/shared.txt", "v2 from the server");
    remote.put("lib/new/only-remote.txt", "r");
    local.write("only-local.txt", "l");

    StatusReply<Library.DetachAccepted> accepted = ask(replyTo -> new Library.Detach(Removal.Detach.DOWNLOAD, replyTo));
    assertTrue(accepted.isSuccess(), () -> "accepted: " + accepted);
    testKitProbe().awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(50), () -> {
      assertEquals("removed", status().state());
      return null;
    });

    assertEquals(Map.of("shared.txt", "v2 from the server", "new/only-remote.txt", "r", "only-local.txt", "l"), local.files(),
        "every remote file is down; the local-only file stays");
    assertEquals(Map.of("shared.txt", "v2 from the server", "new/only-remote.txt", "r"), remote.files("lib"),
        "a reverse sync writes nothing to the server");
    assertTrue(ask((akka.actor.typed.ActorRef<StatusReply<Library.SyncAccepted>> replyTo) -> new Library.Sync(replyTo))
        .isError(), "a removed library no longer syncs");
  }
}
