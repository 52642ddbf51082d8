package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code NCSYNC_REMOTE_TENANT_BYTES_PER_SECOND} is one budget for all connections of a tenant: two libraries on two
 * connections uploading at once share it (each connection's own limit is off), so together they cannot beat it.
 */
class TenantBandwidthIT extends NextcloudE2eBase {
  static final int RATE = 2 << 20;
  static final int FILE = 3 << 20;

  @Override
  protected Map<String, String> daemonEnv() {
    return Map.of("NCSYNC_REMOTE_TENANT_BYTES_PER_SECOND", Integer.toString(RATE));
  }

  @Test
  void twoConnectionsOfOneTenantShareItsBandwidth() {
    Library first = newLibrary("tenant-bw-1", newConnection());
    Library second = newLibrary("tenant-bw-2", newConnection());
    String firstSha = writeRandomFile(first.localRoot().resolve("one.bin"), 1, FILE);
    String secondSha = writeRandomFile(second.localRoot().resolve("two.bin"), 2, FILE);

    long start = System.nanoTime();
    String firstRun = api.startSync(first.id());
    String secondRun = api.startSync(second.id());
    JsonNode one = api.awaitRun(first.id(), firstRun);
    JsonNode two = api.awaitRun(second.id(), secondRun);
    double seconds = (System.nanoTime() - start) / 1e9;

    assertEquals("succeeded", one.path("outcome").asText(), one.toString());
    assertEquals("succeeded", two.path("outcome").asText(), two.toString());
    assertEquals(firstSha, E2eFiles.sha256(serverPath(first, "one.bin")));
    assertEquals(secondSha, E2eFiles.sha256(serverPath(second, "two.bin")));
    double floor = 0.8 * 2.0 * FILE / RATE;
    System.out.printf("two %d MiB uploads on two connections of one tenant limited to %d MiB/s: %.2f s%n",
        FILE >> 20, RATE >> 20, seconds);
    assertTrue(seconds >= floor, String.format(
        "6 MiB at a shared 2 MiB/s takes about 3 s; %.2f s means the connections did not share the budget", seconds));
  }
}
