package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The daemon's admin HTTP API as the tests use it: JSON over HTTP with the Bearer token. */
final class AdminApi {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration SYNC_TIMEOUT = Duration.ofSeconds(180);

  /** An HTTP answer; {@code json} is null when the body is not JSON. */
  record Response(int status, String body, JsonNode json) {
    JsonNode field(String name) {
      return json == null ? null : json.get(name);
    }

    String text(String name) {
      JsonNode n = field(name);
      return n == null || n.isNull() ? null : n.asText();
    }

    @Override
    public String toString() {
      return "HTTP " + status + " " + body;
    }
  }

  private final DaemonProcess daemon;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  AdminApi(DaemonProcess daemon) {
    this.daemon = daemon;
  }

  // ---- raw requests ----

  /** A request with the daemon's admin token. {@code body} is sent as is (null: no body). */
  Response call(String method, String path, String body) {
    return call(method, path, body, Optional.of(daemon.adminToken()));
  }

  /** A request with the given bearer token, or no Authorization header at all. */
  Response call(String method, String path, String body, Optional<String> token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(daemon.baseUrl().resolve(path)).timeout(Duration.ofSeconds(30));
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    if (body != null) {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body(), parseOrNull(r.body()));
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  Response call(String method, String path, JsonNode body) {
    return call(method, path, body == null ? null : body.toString());
  }

  Response get(String path) {
    return call("GET", path, (String) null);
  }

  private static JsonNode parseOrNull(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  static Response expectStatus(int status, Response r, String what) {
    assertEquals(status, r.status(), what + " -> " + r);
    return r;
  }

  // ---- connections and libraries ----

  static ObjectNode webdavConnection(String name, URI url, String username, String appPassword) {
    return object()
        .put("name", name)
        .put("kind", "webdav")
        .put("url", url.toString())
        .put("username", username)
        .put("appPassword", appPassword)
        .put("allowInsecureHttp", true);
  }

  /** POST /api/v1/connections, expecting 201; returns the connection id. */
  String createConnection(ObjectNode connection) {
    Response r = expectStatus(201, call("POST", "/api/v1/connections", connection), "POST /api/v1/connections");
    String id = r.text("id");
    assertFalse(id == null || id.isBlank(), "connection JSON has an id: " + r);
    return id;
  }

  static ObjectNode library(String name, String connectionId, String localPath, String remotePath, String mode) {
    return object()
        .put("name", name)
        .put("connectionId", connectionId)
        .put("localPath", localPath)
        .put("remotePath", remotePath)
        .put("mode", mode);
  }

  /** POST /api/v1/libraries, expecting 201; returns the library JSON (id, localRoot, …). */
  JsonNode createLibrary(ObjectNode library) {
    Response r = expectStatus(201, call("POST", "/api/v1/libraries", library), "POST /api/v1/libraries");
    String id = r.text("id");
    assertFalse(id == null || id.isBlank(), "library JSON has an id: " + r);
    assertFalse(r.text("localRoot") == null || r.text("localRoot").isBlank(), "library JSON has localRoot: " + r);
    return r.json();
  }

  // ---- sync ----

  /** POST /api/v1/libraries/{id}/sync; the raw answer (202 {runId}, with {queued, activeRunId} while a run is active). */
  Response postSync(String libraryId) {
    return call("POST", "/api/v1/libraries/" + libraryId + "/sync", (String) null);
  }

  /** POST sync expecting 202; returns the runId. */
  String startSync(String libraryId) {
    Response r = expectStatus(202, postSync(libraryId), "POST /api/v1/libraries/" + libraryId + "/sync");
    String runId = r.text("runId");
    assertFalse(runId == null || runId.isBlank(), "sync answer has a runId: " + r);
    return runId;
  }

  /** POST /api/v1/libraries/{id}/failures/retry without a body: releases every waiting or parked document. */
  int retryFailures(String libraryId) {
    Response r = call("POST", "/api/v1/libraries/" + libraryId + "/failures/retry", (String) null);
    if (r.status() != 200) throw new AssertionError("retrying failures of " + libraryId + ": " + r.status() + " " + r.body());
    return r.json().path("released").asInt(-1);
  }

  JsonNode status(String libraryId) {
    return expectStatus(200, get("/api/v1/libraries/" + libraryId + "/status"), "GET status").json();
  }

  JsonNode conflicts(String libraryId) {
    JsonNode list = expectStatus(200, get("/api/v1/libraries/" + libraryId + "/conflicts"), "GET conflicts").json();
    if (list == null || !list.isArray()) {
      fail("GET /api/v1/libraries/" + libraryId + "/conflicts is not a JSON array: " + list);
    }
    return list;
  }

  /** Polls status until the given run is over; returns {@code lastRun} (whatever its outcome). */
  JsonNode awaitRun(String libraryId, String runId) {
    Instant deadline = Instant.now().plus(SYNC_TIMEOUT);
    JsonNode status = null;
    while (Instant.now().isBefore(deadline)) {
      status = status(libraryId);
      JsonNode lastRun = status.get("lastRun");
      boolean syncing = "syncing".equals(status.path("state").asText());
      if (!syncing && lastRun != null && runId.equals(lastRun.path("runId").asText())) {
        return lastRun;
      }
      if (!daemon.isAlive()) {
        fail("daemon died while waiting for run " + runId + "; log tail:\n" + daemon.logTail(60));
      }
      DaemonProcess.sleep(100);
    }
    fail("run " + runId + " of library " + libraryId + " not finished within " + SYNC_TIMEOUT + "; last status " + status);
    return null;
  }

  /** Starts a run and waits for it; returns {@code lastRun} (whatever its outcome). */
  JsonNode syncAndWait(String libraryId) {
    return awaitRun(libraryId, startSync(libraryId));
  }

  /** Starts a run, waits for it and requires outcome "succeeded" with no failed document. */
  JsonNode syncOk(String libraryId) {
    JsonNode lastRun = syncAndWait(libraryId);
    assertEquals("succeeded", lastRun.path("outcome").asText(), "outcome of run " + lastRun);
    assertEquals(0, lastRun.path("failed").asInt(-1), "failed documents in run " + lastRun);
    return lastRun;
  }

  /**
   * Syncs until a run this test started ends "succeeded" (after a crash the daemon may still be finishing, or resume,
   * an earlier run: a request during a run is queued behind it; a 409 (detaching) means wait, then ask again).
   */
  JsonNode syncUntilSucceeded(String libraryId, int maxRuns) {
    JsonNode lastRun = null;
    for (int attempt = 0; attempt < maxRuns; attempt++) {
      Response r = postSync(libraryId);
      if (r.status() == 409) {
        String active = r.text("runId");
        if (active == null || active.isBlank()) {
          fail("409 for a sync request must name the active runId: " + r);
        }
        awaitRun(libraryId, active);
        continue;
      }
      expectStatus(202, r, "POST sync");
      lastRun = awaitRun(libraryId, r.text("runId"));
      if ("succeeded".equals(lastRun.path("outcome").asText())) {
        return lastRun;
      }
    }
    fail("no successful run of library " + libraryId + " after " + maxRuns + " attempts; last run " + lastRun
        + "; status " + status(libraryId));
    return null;
  }

  /** lastRun moved exactly this much and failed nothing. */
  static void assertCounters(JsonNode run, int uploaded, int downloaded, int deletedLocal, int deletedRemote,
      int conflicts) {
    String actual = "lastRun " + run;
    assertEquals(0, run.path("failed").asInt(-1), "failed; " + actual);
    assertEquals(conflicts, run.path("conflicts").asInt(-1), "conflicts; " + actual);
    assertEquals(uploaded, run.path("uploaded").asInt(-1), "uploaded; " + actual);
    assertEquals(downloaded, run.path("downloaded").asInt(-1), "downloaded; " + actual);
    assertEquals(deletedLocal, run.path("deletedLocal").asInt(-1), "deletedLocal; " + actual);
    assertEquals(deletedRemote, run.path("deletedRemote").asInt(-1), "deletedRemote; " + actual);
  }
}
