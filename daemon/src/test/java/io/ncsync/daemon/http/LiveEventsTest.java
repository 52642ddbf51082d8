package io.ncsync.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ncsync.daemon.TestDaemons;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code GET /api/v1/events} as a real HTTP client reads it: Server-Sent Events of the token's tenant only. */
class LiveEventsTest extends InProcessDaemonTest {
  static final ObjectMapper MAPPER = new ObjectMapper();

  /** An open event stream: its events as they arrive (type and data). */
  record Stream(LinkedBlockingQueue<Map.Entry<String, JsonNode>> events, CompletableFuture<?> response) {
    Map.Entry<String, JsonNode> next(Duration within) throws InterruptedException {
      return events.poll(within.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Events until one of {@code type} arrives, that one included. */
    List<Map.Entry<String, JsonNode>> until(String type) throws InterruptedException {
      List<Map.Entry<String, JsonNode>> seen = new ArrayList<>();
      while (true) {
        Map.Entry<String, JsonNode> event = next(Duration.ofSeconds(20));
        assertTrue(event != null, "no '" + type + "' event; saw " + seen);
        seen.add(event);
        if (event.getKey().equals(type)) return seen;
      }
    }
  }

  static Stream open(ApiClient client) throws Exception {
    LinkedBlockingQueue<Map.Entry<String, JsonNode>> events = new LinkedBlockingQueue<>();
    String[] type = {null};
    CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> response = HttpClient.newHttpClient().sendAsync(
        client.request("/api/v1/events").header("Accept", "text/event-stream").GET().build(),
        HttpResponse.BodyHandlers.ofLines());
    CompletableFuture<?> reading = response.thenAcceptAsync(r -> {
      assertEquals(200, r.statusCode());
      // An event is its field lines up to a blank line (the SSE format); a comment line starts with ':'.
      StringBuilder data = new StringBuilder();
      r.body().forEach(line -> {
        if (line.startsWith("event:")) {
          type[0] = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).trim());
        } else if (line.isEmpty() && data.length() > 0) {
          try {
            events.add(Map.entry(String.valueOf(type[0]), MAPPER.readTree(data.toString())));
          } catch (Exception e) {
            throw new AssertionError("not JSON: " + data, e);
          }
          data.setLength(0);
          type[0] = null;
        }
      });
    });
    response.get(10, TimeUnit.SECONDS);
    Thread.sleep(300); // the subscription reaches the topic
    return new Stream(events, reading);
  }

  @Test
  void aRunIsSeenLiveByItsTenantAndByNoOtherTenant() throws Exception {
    String libraryId = TestDaemons.createLibrary(api, TestDaemons.createConnection(api, "c"), "live");
    String tenant = api.post("/api/v1/tenants", ApiClient.json(Map.of("name", "neighbour"))).json().get("id").asText();
    ApiClient neighbour = new ApiClient(daemon.baseUrl(), api.post("/api/v1/tenants/" + tenant + "/tokens",
        ApiClient.json(Map.of("name", "m", "role", "manager"))).json().get("token").asText());
    Stream mine = open(api);
    Stream theirs = open(neighbour);

    io.trees(libraryId, Set.of("a.txt", "b.txt"), Set.of());
    assertEquals(202, api.postEmpty("/api/v1/libraries/" + libraryId + "/sync").status());
    List<Map.Entry<String, JsonNode>> seen = mine.until("run_finished");
    List<String> types = seen.stream().map(Map.Entry::getKey).toList();
    assertEquals("run_started", types.get(0), types.toString());
    assertTrue(types.contains("library_state"), types.toString());
    JsonNode finished = seen.get(seen.size() - 1).getValue();
    assertEquals(libraryId, finished.get("libraryId").asText());
    assertEquals(2, finished.get("run").get("uploaded").asInt(), finished.toString());
    seen.forEach(e -> assertEquals(libraryId, e.getValue().get("libraryId").asText()));

    // The neighbour's own library is seen by the neighbour; nothing of the first tenant ever was.
    String theirLibrary = TestDaemons.createLibrary(neighbour, TestDaemons.createConnection(neighbour, "c"), "theirs");
    assertEquals(202, neighbour.postEmpty("/api/v1/libraries/" + theirLibrary + "/sync").status());
    for (Map.Entry<String, JsonNode> event : theirs.until("run_finished")) {
      assertEquals(theirLibrary, event.getValue().get("libraryId").asText(), "another tenant's event: " + event);
    }
    mine.response().cancel(true);
    theirs.response().cancel(true);
  }

  @Test
  void theStreamNeedsAToken() {
    ApiClient anonymous = new ApiClient(daemon.baseUrl(), null);
    assertEquals(401, anonymous.get("/api/v1/events").status());
  }
}
