package io.ncsync.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.http.ApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler syncs every library periodically, and its retry delay backs off with a cap. */
class SyncSchedulerTest {
  @TempDir Path dataDir;

  @Test
  void everyLibraryIsSyncedEveryInterval() throws Exception {
    Map<String, String> env = new java.util.HashMap<>(TestDaemons.embeddedEnv(dataDir));
    env.put("NCSYNC_SYNC_INTERVAL", "1s");
    FakeSyncEngine io = new FakeSyncEngine();
    try (TestDaemons.Running daemon = TestDaemons.start(env, io.factory())) {
      ApiClient api = new ApiClient(daemon.baseUrl(), TestDaemons.TOKEN);
      String connectionId = api.post("/api/v1/connections", ApiClient.json(Map.of("name", "c", "kind", "webdav",
          "url", "https://dav.example.com/", "username", "u", "appPassword", "p"))).json().get("id").asText();
      String libraryId = api.post("/api/v1/libraries", ApiClient.json(Map.of("name", "l", "connectionId", connectionId,
          "localPath", "l", "remotePath", "/"))).json().get("id").asText();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (io.discoveries.get() < 2) {
        assertTrue(System.nanoTime() < deadline, "no periodic runs; discoveries: " + io.discoveries.get());
        Thread.sleep(100);
      }
      String outcome = api.get("/api/v1/libraries/" + libraryId + "/status").json().get("lastRun").get("outcome").asText();
      assertEquals("succeeded", outcome);
    }
  }

  @Test
  void retryDelayDoublesUpToAMinute() {
    assertEquals(Duration.ofSeconds(1), SyncScheduler.retryDelay(0));
    assertEquals(Duration.ofSeconds(2), SyncScheduler.retryDelay(1));
    assertEquals(Duration.ofSeconds(32), SyncScheduler.retryDelay(5));
    assertEquals(Duration.ofMinutes(1), SyncScheduler.retryDelay(6));
    assertEquals(Duration.ofMinutes(1), SyncScheduler.retryDelay(100));
  }
}
