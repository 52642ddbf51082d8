package io.ncsync.daemon.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.daemon.DiskDavEngineFactory;
import io.ncsync.daemon.TestDaemons;
import io.ncsync.daemon.http.ApiClient;
import io.ncsync.protocol.testing.ApacheDavServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real time, local side: with the real engine against Apache mod_dav and the schedule an hour away, a file saved in the
 * workspace is on the server within 5 seconds, with nobody asking for a sync.
 */
class LocalChangesSyncTest {
  @TempDir Path dataDir;

  @Test
  void aLocalSaveReachesTheServerWithinFiveSecondsWithoutASyncRequest() throws Exception {
    Map<String, String> env = new HashMap<>(TestDaemons.embeddedEnv(dataDir));
    env.put("NCSYNC_SYNC_INTERVAL", "1h");
    try (ApacheDavServer dav = ApacheDavServer.start();
        TestDaemons.Running running = TestDaemons.start(env, new DiskDavEngineFactory())) {
      ApiClient api = new ApiClient(running.baseUrl(), TestDaemons.TOKEN);
      ApiClient.Response connection = api.post("/api/v1/connections", ApiClient.json(Map.of("name", "dav",
          "kind", "webdav", "url", dav.rootUrl().toString(), "username", dav.username(), "appPassword",
          dav.password(), "allowInsecureHttp", true)));
      assertEquals(201, connection.status(), connection.toString());
      String libraryId = TestDaemons.createLibrary(api, connection.json().get("id").asText(), "docs");
      awaitRun(api, libraryId, "created");
      assertEquals("watching", api.get("/api/v1/libraries/" + libraryId + "/status").json().get("localWatch").asText());

      Path workspace = dataDir.resolve("workspaces/docs");
      Path remote = dav.documentRoot().resolve("R-docs");
      Files.createDirectories(workspace.resolve("reports"));
      long saved = System.nanoTime();
      Files.writeString(workspace.resolve("reports/q4.txt"), "figures");
      awaitContent(remote.resolve("reports/q4.txt"), "figures", saved);
      awaitRun(api, libraryId, "local_change");

      saved = System.nanoTime();
      Files.writeString(workspace.resolve("reports/q4.txt"), "revised figures");
      awaitContent(remote.resolve("reports/q4.txt"), "revised figures", saved);
    }
  }

  private static void awaitContent(Path file, String content, long since) throws Exception {
    while (!(Files.isRegularFile(file) && Files.readString(file).equals(content))) {
      assertTrue(System.nanoTime() - since < Duration.ofSeconds(5).toNanos(),
          file + " did not get '" + content + "' within 5 s");
      Thread.sleep(50);
    }
  }

  private static JsonNode awaitRun(ApiClient api, String libraryId, String trigger) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (true) {
      JsonNode runs = api.get("/api/v1/libraries/" + libraryId + "/runs").json().get("runs");
      for (JsonNode run : runs) {
        if (run.get("trigger").asText().equals(trigger) && run.get("outcome").asText().equals("succeeded")) return run;
      }
      assertTrue(System.nanoTime() < deadline, "no succeeded '" + trigger + "' run: " + runs);
      Thread.sleep(100);
    }
  }
}
