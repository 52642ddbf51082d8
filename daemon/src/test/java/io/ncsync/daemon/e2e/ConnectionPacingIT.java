package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Request pacing is per connection: the daemon's {@code NCSYNC_REMOTE_REQUESTS_PER_SECOND} holds where a connection
 * says nothing, and a connection's own {@code requestsPerSecond} (0 = unlimited) replaces it, e.g. for a fast WebDAV
 * server on the LAN beside a slow hosted Nextcloud.
 */
class ConnectionPacingIT extends E2eTestBase {
  static final int DAEMON_RATE = 5;

  @Override
  protected Map<String, String> daemonEnv() {
    return Map.of("NCSYNC_REMOTE_REQUESTS_PER_SECOND", Integer.toString(DAEMON_RATE));
  }

  @Test
  void aConnectionsOwnPacingReplacesTheDaemonsDefault() {
    String unpaced = api.createConnection(
        AdminApi.webdavConnection("apache-unpaced", apache.rootUrl(), apache.username(), apache.password())
            .put("requestsPerSecond", 0));
    JsonNode fastLib = api.createLibrary(AdminApi.library("paced-fast", unpaced, "paced-fast", "paced-fast", "bidirectional"));
    Library fast = new Library(fastLib.get("id").asText(), Path.of(fastLib.get("localRoot").asText()), "paced-fast", fastLib);
    Library slow = newLibrary("paced-slow");
    for (int i = 0; i < 40; i++) writeLocal(fast, "f" + i + ".txt", "fast " + i);
    for (int i = 0; i < 20; i++) writeLocal(slow, "s" + i + ".txt", "slow " + i);

    long start = System.nanoTime();
    JsonNode fastRun = api.syncOk(fast.id());
    double fastSeconds = (System.nanoTime() - start) / 1e9;
    start = System.nanoTime();
    JsonNode slowRun = api.syncOk(slow.id());
    double slowSeconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("40 files on the unpaced connection: %.2f s; 20 files at %d requests/s: %.2f s%n",
        fastSeconds, DAEMON_RATE, slowSeconds);

    assertEquals(40, fastRun.path("uploaded").asInt());
    assertEquals(20, slowRun.path("uploaded").asInt());
    assertConverged("the unpaced library", fast);
    assertConverged("the paced library", slow);
    // 20 PUTs and 2 listings at 5 requests/s, after a burst of 5, cannot take less than 3.4 s; 40 PUTs at that rate
    // would take 7 s.
    assertTrue(slowSeconds >= 2.5, "the daemon's pacing holds for a connection without its own: " + slowSeconds + " s");
    assertTrue(fastSeconds < 4, "a connection's requestsPerSecond 0 lifts the daemon's pacing: " + fastSeconds + " s");
  }
}
