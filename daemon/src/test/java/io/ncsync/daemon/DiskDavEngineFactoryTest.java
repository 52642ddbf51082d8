package io.ncsync.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ncsync.daemon.config.Settings;
import io.ncsync.protocol.AkkaHttpRemoteStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code ncsync.remote.*} reaches the WebDAV/Nextcloud client as configured. */
class DiskDavEngineFactoryTest {

  @Test
  void theClientIsTunedByTheRemoteSettings() {
    Settings.Remote remote = new Settings.Remote(25, 6, 3L << 20, 64L << 20, 8L << 20, 0, Duration.ofSeconds(30),
        Duration.ofMillis(500), 200L << 20, Duration.ZERO, 12, 3, 40L << 20);
    AkkaHttpRemoteStore.Settings client = DiskDavEngineFactory.clientSettings(remote);
    assertEquals(25, client.transport().requestsPerSecond());
    assertEquals(6, client.transport().maxConcurrentRequests());
    assertEquals(12, client.effectiveTransport().maxConnections());
    assertEquals(3L << 20, client.transport().bytesPerSecond());
    assertEquals(64L << 20, client.transfers().chunkThreshold());
    assertEquals(8L << 20, client.transfers().chunkSize());
    assertEquals(200L << 20, client.transfers().maxChunkSize());
    assertEquals(Duration.ZERO, client.transfers().chunkTargetDuration());
    assertEquals(3, client.transfers().chunkParallelism());
    assertEquals(40L << 20, client.maxListingBytes());
    // 30 s plus half a second per MiB: 100 MiB may take 80 s.
    assertEquals(Duration.ofSeconds(80), client.transferTimeout(100L << 20));
  }
}
