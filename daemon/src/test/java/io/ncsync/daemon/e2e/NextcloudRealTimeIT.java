package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Real time, server side, against the daemon process and the Nextcloud test server: with the schedule an hour away,
 * a file another client puts on the server reaches the workspace within 5 seconds, told by notify_push; on a server
 * without notify_push, by polling the library's root (here every second).
 */
class NextcloudRealTimeIT extends NextcloudE2eBase {

  @Override
  protected Map<String, String> daemonEnv() {
    return Map.of("NCSYNC_SYNC_INTERVAL", "1h", "NCSYNC_SYNC_REMOTE_POLL_INTERVAL", "1s");
  }

  @Test
  void aRemoteEditReachesTheWorkspaceWithinFiveSecondsThroughNotifyPush() throws Exception {
    Library lib = newLibrary("nc-push");
    awaitIdleAfterFirstRun(lib);
    awaitRemoteWatch(lib, "notify_push");

    long written = System.nanoTime();
    writeRemote(lib, "from-the-web.txt", "typed in Nextcloud");
    awaitLocal(lib.localRoot().resolve("from-the-web.txt"), "typed in Nextcloud", written);
    JsonNode runs = api.get("/api/v1/libraries/" + lib.id() + "/runs").json().get("runs");
    assertTrue(runs.toString().contains("\"trigger\":\"remote_change\""), runs.toString());
  }

  @Test
  void withoutNotifyPushTheLibraryRootIsPolled() throws Exception {
    server.faults().notifyPushOff(true);
    try {
      Library lib = newLibrary("nc-poll", newConnection());
      awaitIdleAfterFirstRun(lib);
      awaitRemoteWatch(lib, "polling every 1 s");
      long written = System.nanoTime();
      writeRemote(lib, "sub/polled.txt", "found by polling");
      awaitLocal(lib.localRoot().resolve("sub/polled.txt"), "found by polling", written);
    } finally {
      server.faults().notifyPushOff(false);
    }
  }

  /**
   * Issue 12: libraries side by side in one folder are polled with one listing of that folder, not one PROPFIND of
   * each root; a change in one of them is still found within 5 seconds.
   */
  @Test
  void librariesSideBySideArePolledWithOneListingOfTheirFolder() throws Exception {
    server.faults().notifyPushOff(true);
    try {
      String connection = newConnection();
      java.util.List<Library> libs = new java.util.ArrayList<>();
      for (String name : java.util.List.of("side-a", "side-b", "side-c")) libs.add(newLibrary(name, connection));
      for (Library lib : libs) {
        awaitIdleAfterFirstRun(lib);
        awaitRemoteWatch(lib, "polling every 1 s");
      }
      server.requests().reset();
      DaemonProcess.sleep(3500);
      java.util.List<io.ncsync.protocol.testing.nextcloud.RequestLog.Entry> polled = davRequests(server.requests().entries());
      for (Library lib : libs) {
        long own = polled.stream().filter(e -> e.method().equals("PROPFIND") && trimSlash(e.path()).endsWith("/" + lib.remoteFolder())).count();
        assertEquals(0, own, lib.remoteFolder() + "'s root is not asked alone:" + describe(polled));
      }
      assertTrue(polled.stream().anyMatch(e -> e.method().equals("PROPFIND")), "their folder is listed:" + describe(polled));

      long written = System.nanoTime();
      writeRemote(libs.get(1), "next-door.txt", "found by the shared listing");
      awaitLocal(libs.get(1).localRoot().resolve("next-door.txt"), "found by the shared listing", written);
    } finally {
      server.faults().notifyPushOff(false);
    }
  }

  private void awaitIdleAfterFirstRun(Library lib) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      JsonNode status = api.status(lib.id());
      if (!status.path("lastRun").isNull() && !status.path("lastRun").isMissingNode()
          && status.path("activeRun").isNull()) {
        assertEquals("created", status.path("lastRun").path("trigger").asText(), status.toString());
        return;
      }
      assertTrue(System.nanoTime() < deadline, "the new library's first run: " + status);
      DaemonProcess.sleep(100);
    }
  }

  private void awaitRemoteWatch(Library lib, String how) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    String seen;
    while (!(seen = api.status(lib.id()).path("remoteWatch").asText()).equals(how)) {
      assertTrue(System.nanoTime() < deadline, "remoteWatch is '" + seen + "', not '" + how + "'");
      DaemonProcess.sleep(100);
    }
  }

  private static void awaitLocal(Path file, String content, long since) throws Exception {
    while (!(Files.isRegularFile(file) && Files.readString(file).equals(content))) {
      assertTrue(System.nanoTime() - since < Duration.ofSeconds(5).toNanos(),
          file + " did not get '" + content + "' within 5 s");
      DaemonProcess.sleep(50);
    }
  }
}
