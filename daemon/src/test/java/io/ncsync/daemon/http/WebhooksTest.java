package io.ncsync.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.ncsync.daemon.TestDaemons;
import io.ncsync.daemon.webhooks.WebhookSignature;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Webhooks against a real HTTP receiver: signed, retried until a 2xx, per tenant. */
class WebhooksTest extends InProcessDaemonTest {

  /** A request the receiver got. */
  record Received(String path, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
          .map(e -> e.getValue().get(0)).orElse(null);
    }
  }

  /** Answers 500 to the first {@code failFirst} requests, then 204; records every request. */
  static HttpServer receiver(LinkedBlockingQueue<Received> received, int failFirst) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    AtomicInteger count = new AtomicInteger();
    server.createContext("/", exchange -> {
      received.add(new Received(exchange.getRequestURI().getPath(), exchange.getRequestHeaders(),
          exchange.getRequestBody().readAllBytes()));
      exchange.sendResponseHeaders(count.incrementAndGet() <= failFirst ? 500 : 204, -1);
      exchange.close();
    });
    server.start();
    return server;
  }

  @Test
  void aRunIsPostedSignedAndRetriedUntilTheReceiverTakesIt() throws Exception {
    LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    HttpServer server = receiver(received, 1);
    LinkedBlockingQueue<Received> neighbours = new LinkedBlockingQueue<>();
    HttpServer neighbourServer = receiver(neighbours, 0);
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/ncsync";
      ApiClient.Response created = api.post("/api/v1/webhooks", ApiClient.json(Map.of("url", url,
          "events", List.of("run_finished"))));
      assertEquals(201, created.status(), created.toString());
      String secret = created.json().get("secret").asText();
      assertTrue(secret.length() >= 32);
      ApiClient.Response listed = api.get("/api/v1/webhooks");
      assertFalse(listed.body().contains(secret), "the secret is shown once");

      String tenant = api.post("/api/v1/tenants", ApiClient.json(Map.of("name", "hooked"))).json().get("id").asText();
      ApiClient neighbour = new ApiClient(daemon.baseUrl(), api.post("/api/v1/tenants/" + tenant + "/tokens",
          ApiClient.json(Map.of("name", "a", "role", "admin"))).json().get("token").asText());
      assertEquals(201, neighbour.post("/api/v1/webhooks", ApiClient.json(Map.of("url",
          "http://127.0.0.1:" + neighbourServer.getAddress().getPort() + "/"))).status());
      assertFalse(neighbour.get("/api/v1/webhooks").body().contains(url), "each tenant sees its own webhooks");

      String libraryId = TestDaemons.createLibrary(api, TestDaemons.createConnection(api, "c"), "hooked");
      io.trees(libraryId, Set.of("a.txt"), Set.of());
      assertEquals(202, api.postEmpty("/api/v1/libraries/" + libraryId + "/sync").status());

      Received refused = received.poll(20, TimeUnit.SECONDS);
      assertNotNull(refused, "the first try");
      Received taken = received.poll(20, TimeUnit.SECONDS);
      assertNotNull(taken, "a retry after the 500");
      assertEquals(refused.header("X-Ncsync-Delivery"), taken.header("X-Ncsync-Delivery"), "the same delivery again");
      assertEquals("/hooks/ncsync", taken.path());
      assertEquals("run_finished", taken.header("X-Ncsync-Event"));
      long timestamp = Long.parseLong(taken.header(WebhookSignature.TIMESTAMP_HEADER));
      assertEquals(WebhookSignature.sign(secret, timestamp, taken.body()), taken.header(WebhookSignature.SIGNATURE_HEADER),
          "signed with the webhook's secret");
      JsonNode event = new ObjectMapper().readTree(new String(taken.body(), StandardCharsets.UTF_8));
      assertEquals(libraryId, event.get("libraryId").asText());
      assertEquals(1, event.get("run").get("uploaded").asInt());
      Thread.sleep(500);
      assertTrue(received.isEmpty(), "only run_finished was asked for, and it was taken once: " + received);
      assertTrue(neighbours.isEmpty(), "another tenant's webhook gets nothing of this tenant");
    } finally {
      server.stop(0);
      neighbourServer.stop(0);
    }
  }

  @Test
  void onlyHttpsOrLoopbackAndKnownEventsAreTakenAndAWebhookCanBeRemoved() {
    for (Map<String, Object> bad : List.<Map<String, Object>>of(
        Map.of("url", "http://hooks.example.com/x"),
        Map.of("url", "ftp://hooks.example.com/x"),
        Map.of("url", "https://user:pw@hooks.example.com/x"),
        Map.of("url", "https://hooks.example.com/x", "events", List.of("everything")))) {
      ApiClient.Response refused = api.post("/api/v1/webhooks", ApiClient.json(bad));
      assertEquals(400, refused.status(), bad + ": " + refused);
    }
    String id = api.post("/api/v1/webhooks", ApiClient.json(Map.of("url", "https://hooks.example.com/x?key=1")))
        .json().get("id").asText();
    assertEquals(200, api.delete("/api/v1/webhooks/" + id).status());
    assertEquals(404, api.delete("/api/v1/webhooks/" + id).status());
  }
}
