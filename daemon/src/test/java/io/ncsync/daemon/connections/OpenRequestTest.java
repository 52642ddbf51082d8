package io.ncsync.daemon.connections;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ncsync.persistence.tenant.ConnectionKind;
import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.DavEndpoint;
import io.ncsync.protocol.http.BandwidthLimiter;
import io.ncsync.protocol.http.TransportSettings;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** A connection's client is tuned to the connection: its own pacing, and its requests timed as its tenant's. */
class OpenRequestTest {
  private static ConnectionRemoteStores.OpenRequest request(Integer requestsPerSecond) {
    return new ConnectionRemoteStores.OpenRequest(ConnectionKind.WEBDAV, URI.create("https://dav.example.com/"),
        new DavEndpoint(URI.create("https://dav.example.com/"), "u", "p"), BandwidthLimiter.unlimited(),
        requestsPerSecond, "c1", "acme");
  }

  @Test
  void theTenantLabelsTheRequestsAndTheConnectionsPacingWins() {
    AkkaHttpRemoteStore.Settings defaults = AkkaHttpRemoteStore.Settings.defaults();
    TransportSettings plain = request(null).tuned(defaults).transport();
    assertEquals("acme", plain.metricsOwner());
    assertEquals(defaults.transport().requestsPerSecond(), plain.requestsPerSecond());
    TransportSettings paced = request(7).tuned(defaults).transport();
    assertEquals("acme", paced.metricsOwner());
    assertEquals(7, paced.requestsPerSecond());
  }
}
