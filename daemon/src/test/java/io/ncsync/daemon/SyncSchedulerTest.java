package io.ncsync.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.http.ApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler syncs every library of every tenant periodically, and its retry delay backs off with a cap. */
class SyncSchedulerTest {
  @TempDir Path dataDir;

  @Test
  void everyLibraryOfEveryTenantIsSyncedEveryInterval() throws Exception {
    Map<String, String> env = new java.util.HashMap<>(TestDaemons.embeddedEnv(dataDir));
    env.put("NCSYNC_SYNC_INTERVAL", "1s");
    FakeSyncEngine io = new FakeSyncEngine();
    try (TestDaemons.Running daemon = TestDaemons.start(env, io.factory())) {
      ApiClient api = new ApiClient(daemon.baseUrl(), TestDaemons.TOKEN);
      String libraryId = TestDaemons.createLibrary(api, TestDaemons.createConnection(api, "c"), "l");
      // A tenant created while the daemon runs: the scheduler finds it at its next round.
      String tenantId = api.post("/api/v1/tenants", ApiClient.json(Map.of("name", "later"))).json().get("id").asText();
      ApiClient later = new ApiClient(daemon.baseUrl(), api.post("/api/v1/tenants/" + tenantId + "/tokens",
          ApiClient.json(Map.of("name", "m", "role", "manager"))).json().get("token").asText());
      String laterLibraryId = TestDaemons.createLibrary(later, TestDaemons.createConnection(later, "c"), "l");

      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!ranSuccessfully(api, libraryId) || !ranSuccessfully(later, laterLibraryId)) {
        assertTrue(System.nanoTime() < deadline, "no periodic runs of both; discoveries: " + io.discoveries.get());
        Thread.sleep(100);
      }
    }
  }

  /** Whether a run the schedule started (not the library's first, which starts unasked) succeeded. */
  private static boolean ranSuccessfully(ApiClient api, String libraryId) {
    for (var run : api.get("/api/v1/libraries/" + libraryId + "/runs").json().get("runs")) {
      if (run.get("trigger").asText().equals("schedule") && run.get("outcome").asText().equals("succeeded")) return true;
    }
    return false;
  }

  @Test
  void aNewLibraryRunsAtOnceAndARunAStopCutShortResumesRightAfterTheNextStart() throws Exception {
    Map<String, String> env = new java.util.HashMap<>(TestDaemons.embeddedEnv(dataDir));
    env.put("NCSYNC_SYNC_INTERVAL", "1h"); // no scheduled run within the test
    FakeSyncEngine io = new FakeSyncEngine();
    io.hold();
    String libraryId;
    String firstRunId;
    try (TestDaemons.Running daemon = TestDaemons.start(env, io.factory())) {
      ApiClient api = new ApiClient(daemon.baseUrl(), TestDaemons.TOKEN);
      libraryId = TestDaemons.createLibrary(api, TestDaemons.createConnection(api, "c"), "l");
      var run = awaitRun(api, libraryId, r -> r.get("trigger").asText().equals("created"));
      assertTrue(run.get("finishedAt").isNull(), "the first run started with nobody asking: " + run);
      firstRunId = run.get("runId").asText();
    } // stopped mid-run (its discovery is held)

    try (TestDaemons.Running daemon = TestDaemons.start(env, new FakeSyncEngine().factory())) {
      ApiClient api = new ApiClient(daemon.baseUrl(), TestDaemons.TOKEN);
      var resumed = awaitRun(api, libraryId, r -> r.get("trigger").asText().equals("resumed")
          && r.get("outcome").asText().equals("succeeded"));
      var first = awaitRun(api, libraryId, r -> r.get("runId").asText().equals(firstRunId));
      assertEquals("interrupted", first.get("outcome").asText(), first.toString());
      assertTrue(java.time.Instant.parse(resumed.get("startedAt").asText())
          .isAfter(java.time.Instant.parse(first.get("startedAt").asText())));
    }
  }

  private static com.fasterxml.jackson.databind.JsonNode awaitRun(ApiClient api, String libraryId,
      java.util.function.Predicate<com.fasterxml.jackson.databind.JsonNode> wanted) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (true) {
      var runs = api.get("/api/v1/libraries/" + libraryId + "/runs").json().get("runs");
      for (var run : runs) if (wanted.test(run)) return run;
      assertTrue(System.nanoTime() < deadline, "no such run: " + runs);
      Thread.sleep(100);
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
