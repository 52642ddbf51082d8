package io.ncsync.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ncsync.daemon.TestDaemons;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} read by a real Prometheus parser: the Python client's ({@code prometheus_client.parser}, Debian
 * package python3-prometheus-client, installed by ops/test.sh), which refuses anything that is not the text format.
 */
class MetricsTest extends InProcessDaemonTest {

  /** Parses stdin as the Prometheus text format; prints {"name{label=value,...}": value} as JSON. */
  private static final String PARSER = String.join("\n",
      "import sys, json",
      "from prometheus_client.parser import text_string_to_metric_families",
      "out = {}",
      "for family in text_string_to_metric_families(sys.stdin.read()):",
      "    for s in family.samples:",
      "        labels = ','.join(k + '=' + v for k, v in sorted(s.labels.items()))",
      "        out[s.name + '{' + labels + '}'] = s.value",
      "print(json.dumps(out))");

  private static JsonNode parsed(String exposition) throws Exception {
    // Debian's python3 (where apt puts the parser), not one a version manager put first on the PATH.
    String python3 = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    Process python = new ProcessBuilder(python3, "-c", PARSER).redirectErrorStream(true).start();
    python.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
    python.getOutputStream().close();
    String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(python.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, python.exitValue(), "the Prometheus parser refused the exposition: " + output);
    return new ObjectMapper().readTree(output);
  }

  @Test
  void runsTransfersAndRequestsAreCountedInTheTextFormat() throws Exception {
    String connectionId = TestDaemons.createConnection(api, "c");
    String libraryId = TestDaemons.createLibrary(api, connectionId, "measured");
    io.trees(libraryId, Set.of("a.txt", "b.txt"), Set.of("c.txt"));
    assertEquals(202, api.postEmpty("/api/v1/libraries/" + libraryId + "/sync").status());
    // A connection test makes real requests: to a server that answers 404 to everything.
    com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
    });
    server.start();
    try {
      String nowhere = api.post("/api/v1/connections", ApiClient.json(Map.of("name", "404", "kind", "webdav",
          "url", "http://127.0.0.1:" + server.getAddress().getPort() + "/dav/", "username", "u", "appPassword", "p",
          "allowInsecureHttp", true, "skipTest", true))).json().get("id").asText();
      assertEquals(200, api.postEmpty("/api/v1/connections/" + nowhere + "/test").status());
    } finally {
      server.stop(0);
    }

    JsonNode samples = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      ApiClient.Response scraped = api.get("/metrics");
      assertEquals(200, scraped.status(), scraped.toString());
      assertTrue(scraped.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
      samples = parsed(scraped.body());
      if (samples.has("ncsync_runs_total{outcome=succeeded,tenant=default,trigger=manual}")) break;
      Thread.sleep(100);
    }
    assertEquals(1.0, samples.path("ncsync_runs_total{outcome=succeeded,tenant=default,trigger=manual}").asDouble(),
        samples.toString());
    assertEquals(2.0, samples.path("ncsync_transfers_total{direction=upload,tenant=default}").asDouble());
    assertEquals(1.0, samples.path("ncsync_transfers_total{direction=download,tenant=default}").asDouble());
    assertEquals(2.0, samples.path("ncsync_transferred_bytes_total{direction=upload,tenant=default}").asDouble());
    assertEquals(1.0, samples.path("ncsync_run_duration_seconds_count{outcome=succeeded,tenant=default}").asDouble());
    assertEquals(0.0, samples.path("ncsync_active_libraries{tenant=default}").asDouble(-1));
    assertTrue(samples.path("ncsync_remote_request_duration_seconds_count{method=PROPFIND,status=404,tenant=default}").asDouble() >= 1,
        "the connection test's requests are timed: " + samples);
    assertTrue(samples.has("jvm_memory_used_bytes{area=heap}"), "the JVM's own metrics");
  }

  @Test
  void onlyASystemTokenReadsTheMetrics() {
    String tenant = api.post("/api/v1/tenants", ApiClient.json(Map.of("name", "t"))).json().get("id").asText();
    ApiClient admin = new ApiClient(daemon.baseUrl(), api.post("/api/v1/tenants/" + tenant + "/tokens",
        ApiClient.json(Map.of("name", "a", "role", "admin"))).json().get("token").asText());
    ApiClient.Response refused = admin.get("/metrics");
    assertEquals(403, refused.status());
    assertEquals("system", refused.json().get("requiredRole").asText());
    assertEquals(401, new ApiClient(daemon.baseUrl(), null).get("/metrics").status());
  }
}
