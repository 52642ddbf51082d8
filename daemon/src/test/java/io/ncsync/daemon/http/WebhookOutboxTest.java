package io.ncsync.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.ncsync.daemon.FakeSyncEngine;
import io.ncsync.daemon.TestDaemons;
import io.ncsync.daemon.webhooks.WebhookSignature;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A delivery its receiver did not take before the daemon stopped is posted after the restart (at least once). */
class WebhookOutboxTest {
  @TempDir Path dataDir;

  @Test
  void aDeliveryWaitingAtAStopIsPostedAfterTheRestart() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    FakeSyncEngine io = new FakeSyncEngine();
    String secret;
    String libraryId;
    try (TestDaemons.Running daemon = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), io.factory())) {
      ApiClient api = new ApiClient(daemon.baseUrl(), TestDaemons.TOKEN);
      secret = api.post("/api/v1/webhooks", ApiClient.json(Map.of("url", "http://127.0.0.1:" + port + "/in",
          "events", List.of("run_finished")))).json().get("secret").asText();
      libraryId = TestDaemons.createLibrary(api, TestDaemons.createConnection(api, "c"), "kept");
      io.trees(libraryId, Set.of("a.txt"), Set.of());
      assertEquals(202, api.postEmpty("/api/v1/libraries/" + libraryId + "/sync").status());
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (api.get("/api/v1/libraries/" + libraryId + "/runs").json().get("runs").get(0).get("finishedAt").isNull()) {
        assertTrue(System.nanoTime() < deadline, "the run did not finish");
        Thread.sleep(50);
      }
      Thread.sleep(300); // the first try (refused: nothing listens yet) and its row in the outbox
    }

    LinkedBlockingQueue<byte[]> bodies = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<String> signatures = new LinkedBlockingQueue<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    receiver.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      long timestamp = Long.parseLong(exchange.getRequestHeaders().getFirst(WebhookSignature.TIMESTAMP_HEADER));
      signatures.add(WebhookSignature.sign(secret, timestamp, body) + " "
          + exchange.getRequestHeaders().getFirst(WebhookSignature.SIGNATURE_HEADER));
      bodies.add(body);
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
    try (TestDaemons.Running again = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), io.factory())) {
      byte[] body = bodies.poll(30, TimeUnit.SECONDS);
      assertNotNull(body, "the waiting delivery was posted after the restart");
      JsonNode event = new ObjectMapper().readTree(new String(body, StandardCharsets.UTF_8));
      assertEquals("run_finished", event.get("type").asText());
      assertEquals(libraryId, event.get("libraryId").asText());
      String[] signature = signatures.poll().split(" ");
      assertEquals(signature[0], signature[1], "signed with the webhook's secret");
      assertEquals(null, bodies.poll(2, TimeUnit.SECONDS), "taken once, it is not posted again");
    } finally {
      receiver.stop(0);
    }
  }
}
