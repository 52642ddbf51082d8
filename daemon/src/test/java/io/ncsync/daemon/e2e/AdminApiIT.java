package io.ncsync.daemon.e2e;

import static io.ncsync.daemon.e2e.AdminApi.expectStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The admin API from outside: health without a token, everything under /api/v1 behind the Bearer token, bad input
 * answered with a 4xx and a message that names the problem, secrets never echoed nor logged, SIGTERM exits 0.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminApiIT extends E2eTestBase {

  /** A password that must never come back: every connection this class creates uses it (or Apache's). */
  private final String secret = "pw-" + UUID.randomUUID();
  /** Every response body seen, checked for secrets at the end. */
  private final List<String> bodies = new ArrayList<>();

  private AdminApi.Response record(AdminApi.Response r) {
    bodies.add(r.body());
    return r;
  }

  private ObjectNode connectionWithSecret(URI url) {
    return AdminApi.webdavConnection("c-" + UUID.randomUUID(), url, "alice", secret);
  }

  @Test
  @Order(1)
  void healthNeedsNoToken() {
    expectStatus(200, api.call("GET", "/health/live", null, Optional.empty()), "GET /health/live without a token");
    expectStatus(200, api.call("GET", "/health/ready", null, Optional.empty()), "GET /health/ready without a token");
  }

  @Test
  @Order(2)
  void apiNeedsTheBearerToken() {
    expectStatus(401, record(api.call("GET", "/api/v1/libraries", null, Optional.empty())), "no token");
    expectStatus(401, record(api.call("GET", "/api/v1/libraries", null, Optional.of("wrong-" + UUID.randomUUID()))),
        "wrong token");
    expectStatus(401, record(api.call("GET", "/api/v1/libraries", null, Optional.of(daemon.adminToken() + "x"))),
        "token with a suffix");
    expectStatus(401, record(api.call("POST", "/api/v1/connections",
        connectionWithSecret(apache.rootUrl()).toString(), Optional.empty())), "POST without a token");
    expectStatus(401, record(api.call("POST", "/api/v1/libraries/" + UUID.randomUUID() + "/sync", null,
        Optional.empty())), "sync without a token");
    expectStatus(200, record(api.get("/api/v1/libraries")), "GET /api/v1/libraries with the token");
  }

  @Test
  @Order(3)
  void malformedJsonIs400WithAMessage() {
    for (String path : List.of("/api/v1/connections", "/api/v1/libraries")) {
      for (String body : List.of("{not json", "[1, 2", "\"just a string\"", "")) {
        AdminApi.Response r = record(api.call("POST", path, body));
        assertEquals(400, r.status(), "POST " + path + " with body '" + body + "' -> " + r);
        assertFalse(r.body() == null || r.body().isBlank(), "400 carries a message: POST " + path + " '" + body + "'");
      }
    }
  }

  @Test
  @Order(4)
  void missingFieldsAre400NamingTheField() {
    for (String field : List.of("url", "username", "appPassword")) {
      ObjectNode c = connectionWithSecret(apache.rootUrl());
      c.remove(field);
      assertNamesField(record(api.call("POST", "/api/v1/connections", c)), field, "connection without " + field);
    }
    ObjectNode noConnection = AdminApi.library("missing-connectionId", connectionId, "missing-connectionId",
        "missing-connectionId", "bidirectional");
    noConnection.remove("connectionId");
    assertNamesField(record(api.call("POST", "/api/v1/libraries", noConnection)), "connectionId",
        "library without connectionId");
    ObjectNode badPath = AdminApi.library("bad-path", connectionId, "../escape", "bad-path", "bidirectional");
    assertNamesField(record(api.call("POST", "/api/v1/libraries", badPath)), "localPath", "library with localPath ..");
    ObjectNode badMode = AdminApi.library("bad-mode", connectionId, "bad-mode", "bad-mode", "sideways");
    assertNamesField(record(api.call("POST", "/api/v1/libraries", badMode)), "mode", "library with mode 'sideways'");
  }

  private static void assertNamesField(AdminApi.Response r, String field, String what) {
    assertEquals(400, r.status(), what + " -> " + r);
    assertTrue(r.body() != null && r.body().toLowerCase(Locale.ROOT).contains(field.toLowerCase(Locale.ROOT)),
        what + ": the 400 message must name '" + field + "' -> " + r);
  }

  @Test
  @Order(5)
  void localPathOutsideTheWorkspacesRootIs400() throws IOException {
    Path workspaces = daemon.dataDir().resolve("workspaces");
    for (String localPath : List.of("../escape", "/abs-escape", "a/../../escape", "..", "ok/../../../escape")) {
      ObjectNode l = AdminApi.library("escape", connectionId, localPath, "escape", "bidirectional");
      AdminApi.Response r = record(api.call("POST", "/api/v1/libraries", l));
      assertEquals(400, r.status(), "localPath '" + localPath + "' -> " + r);
      assertTrue(r.body().contains("localPath"), "the message names localPath: " + r);
    }
    assertFalse(Files.exists(daemon.dataDir().resolve("escape")), "nothing created outside the workspaces root");
    assertFalse(Files.exists(Path.of("/abs-escape")), "nothing created at an absolute path");
    if (Files.isDirectory(workspaces)) {
      assertFalse(Files.exists(workspaces.getParent().resolve("escape")), "nothing created next to the workspaces");
    }
  }

  @Test
  @Order(6)
  void aWebdavConnectionCheckSaysWhetherTheFolderAnswersAndWhyNot() {
    AdminApi.Response good = record(api.call("POST", "/api/v1/connections/" + connectionId + "/test", ""));
    assertEquals(200, good.status(), good.body());
    assertEquals("ok", good.field("outcome").asText(), good.body());
    // mod_dav honours If-None-Match and If-Match; its folder ETags do not propagate, so walks are always full.
    JsonNode promises = good.field("serverPromises");
    assertTrue(promises.path("ifNoneMatch").asBoolean(false) && promises.path("ifMatch").asBoolean(false), good.body());
    assertFalse(promises.path("moveChangesFolderEtag").asBoolean(true), good.body());
    assertTrue(promises.path("fullWalks").asBoolean(false), good.body());

    AdminApi.Response notSaved = record(api.call("POST", "/api/v1/connections",
        AdminApi.webdavConnection("wrong-" + UUID.randomUUID(), apache.rootUrl(), apache.username(), "wrong")));
    assertEquals(400, notSaved.status(), notSaved.body());
    assertEquals("unauthorized", notSaved.field("outcome").asText(), notSaved.body());
    String bad = api.createConnection(AdminApi.webdavConnection("wrong-" + UUID.randomUUID(), apache.rootUrl(),
        apache.username(), "wrong").put("skipTest", true));
    AdminApi.Response refused = record(api.call("POST", "/api/v1/connections/" + bad + "/test", ""));
    assertEquals(200, refused.status(), refused.body());
    assertEquals("unauthorized", refused.field("outcome").asText(), refused.body());
    expectStatus(404, record(api.call("POST", "/api/v1/connections/" + UUID.randomUUID() + "/test", "")), "test of an unknown connection");
  }

  @Test
  @Order(6)
  void unknownIdsAre404() {
    String unknown = UUID.randomUUID().toString();
    expectStatus(404, record(api.get("/api/v1/libraries/" + unknown)), "GET unknown library");
    expectStatus(404, record(api.get("/api/v1/libraries/" + unknown + "/status")), "GET status of unknown library");
    expectStatus(404, record(api.get("/api/v1/libraries/" + unknown + "/conflicts")), "GET conflicts of unknown library");
    expectStatus(404, record(api.postSync(unknown)), "POST sync of unknown library");
    AdminApi.Response r = record(api.call("POST", "/api/v1/libraries",
        AdminApi.library("orphan", unknown, "orphan", "orphan", "bidirectional")));
    assertTrue(r.status() == 400 || r.status() == 404, "library with an unknown connectionId -> " + r);
    assertTrue(r.body().toLowerCase(Locale.ROOT).contains("connection"), "the message names the connection: " + r);
  }

  @Test
  @Order(7)
  void plainHttpIsRefusedUnlessAllowedAndLoopback() {
    for (String url : List.of("http://example.com/dav/", "http://10.1.2.3/remote/", "http://192.168.0.10:8080/")) {
      AdminApi.Response r = record(api.call("POST", "/api/v1/connections", connectionWithSecret(URI.create(url))));
      assertEquals(400, r.status(), "plain http to non-loopback " + url + " (allowInsecureHttp true) -> " + r);
      ObjectNode nextcloud = connectionWithSecret(URI.create(url)).put("kind", "nextcloud");
      r = record(api.call("POST", "/api/v1/connections", nextcloud));
      assertEquals(400, r.status(), "plain http to non-loopback nextcloud " + url + " -> " + r);
    }
    ObjectNode notAllowed = connectionWithSecret(apache.rootUrl()).put("allowInsecureHttp", false);
    AdminApi.Response r = record(api.call("POST", "/api/v1/connections", notAllowed));
    assertEquals(400, r.status(), "plain http to loopback without allowInsecureHttp -> " + r);
    ObjectNode defaulted = connectionWithSecret(apache.rootUrl());
    defaulted.remove("allowInsecureHttp");
    r = record(api.call("POST", "/api/v1/connections", defaulted));
    assertEquals(400, r.status(), "plain http to loopback, allowInsecureHttp absent (default false) -> " + r);
  }

  @Test
  @Order(8)
  void secretsNeverComeBack() {
    ObjectNode c = AdminApi.webdavConnection("apache-2", apache.rootUrl(), apache.username(), apache.password());
    AdminApi.Response created = record(api.call("POST", "/api/v1/connections", c));
    expectStatus(201, created, "POST connection");
    for (String field : List.of("id", "name", "kind", "url", "username")) {
      assertTrue(created.json().hasNonNull(field), "connection JSON has " + field + ": " + created);
    }
    assertFalse(created.json().has("appPassword"), "connection JSON has no appPassword: " + created);
    String id = created.text("id");

    JsonNode lib = api.createLibrary(AdminApi.library("secrets", id, "secrets/lib", "secrets-lib", "bidirectional"));
    bodies.add(lib.toString());
    Path expectedRoot = daemon.dataDir().resolve("workspaces").resolve("secrets").resolve("lib");
    assertEquals(normalize(expectedRoot), normalize(Path.of(lib.get("localRoot").asText())),
        "localRoot is <data dir>/workspaces/<localPath>: " + lib);
    assertTrue(Files.isDirectory(Path.of(lib.get("localRoot").asText())), "local folder created: " + lib);
    assertTrue(remote.exists("secrets-lib/"), "remote folder created");

    String libId = lib.get("id").asText();
    E2eFiles.write(Path.of(lib.get("localRoot").asText()), "hello.txt", "hello");
    api.syncOk(libId);
    record(expectStatus(200, api.get("/api/v1/libraries"), "GET libraries"));
    record(expectStatus(200, api.get("/api/v1/libraries/" + libId), "GET library"));
    record(expectStatus(200, api.get("/api/v1/libraries/" + libId + "/status"), "GET status"));
    // Not part of the first API cut; checked when present.
    record(api.get("/api/v1/connections"));
    record(api.get("/api/v1/connections/" + id));

    // API tokens and webhook secrets are shown once, in the answer that creates them (not recorded), and never again.
    String tenantId = expectStatus(201, api.call("POST", "/api/v1/tenants", AdminApi.object().put("name", "canary")),
        "POST tenant").text("id");
    String token = expectStatus(201, api.call("POST", "/api/v1/tenants/" + tenantId + "/tokens",
        AdminApi.object().put("name", "canary").put("role", "admin")), "POST token").text("token");
    String webhookSecret = expectStatus(201, api.call("POST", "/api/v1/webhooks",
        AdminApi.object().put("url", "https://hooks.example.com/canary")), "POST webhook").text("secret");
    extraSecrets.addAll(List.of(token, webhookSecret));
    record(expectStatus(200, api.get("/api/v1/tenants/" + tenantId + "/tokens"), "GET tokens"));
    record(expectStatus(200, api.get("/api/v1/webhooks"), "GET webhooks"));
    record(expectStatus(200, api.get("/api/v1/logs"), "GET logs"));
    record(expectStatus(200, api.get("/api/v1/libraries/" + libId + "/runs"), "GET runs"));
    try {
      // The credential key (the master key of the stored passwords).
      extraSecrets.add(Files.readString(daemon.dataDir().resolve("secret.key")).trim());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertNoSecrets();
    assertNotInTheJournal(List.of(secret, apache.password(), token, webhookSecret, daemon.adminToken(),
        extraSecrets.get(extraSecrets.size() - 1)));
  }

  /** None of {@code secrets} is in the journal's database files (events, snapshots, history, logs, runs), in clear. */
  private void assertNotInTheJournal(List<String> secrets) {
    try (var files = Files.list(daemon.dataDir().resolve("db"))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        for (String s : secrets) {
          assertFalse(s.length() >= 8 && bytes.contains(s), file + " holds a secret in clear text");
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  @Order(9)
  void aSecondSyncWhileOneRunsIsQueuedAsOneFollowUpRun() {
    Library lib = newLibrary("busy");
    for (int i = 0; i < 200; i++) {
      E2eFiles.write(lib.localRoot(), "f/" + i + ".bin", E2eFiles.randomBytes(i, 16 * 1024));
    }
    String runId = api.startSync(lib.id());
    AdminApi.Response second = record(api.postSync(lib.id()));
    assertEquals(202, second.status(), "second sync while run " + runId + " is active -> " + second);
    assertEquals(runId, second.text("activeRunId"), "it names the active run: " + second);
    String queued = second.text("runId");
    assertNotEquals(runId, queued, "a run of its own follows: " + second);
    assertEquals(queued, record(api.postSync(lib.id())).text("runId"), "a third request shares the queued run");
    assertEquals("succeeded", api.awaitRun(lib.id(), queued).path("outcome").asText(), "the queued run follows and completes");
  }

  @Test
  @Order(100)
  void sigtermShutsDownGracefullyWithExitCode0() {
    daemon.stop();
    assertNoSecrets();
  }

  /** The daemon process gives CompletableFuture a pool even on two cores (Main.ensureCommonPool): see its log. */
  @Test
  void asyncContinuationsRunOnAPoolNotOnAThreadEach() {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("async continuations on a common pool of (\\d+)")
        .matcher(daemon.logText());
    assertTrue(m.find(), "the start-up line names the common pool: " + daemon.logFile());
    assertTrue(Integer.parseInt(m.group(1)) >= 2, "a pool of at least 2, else every continuation starts a thread: " + m.group());
  }

  /** Tokens, webhook secrets and the credential key the canary looks for too. */
  private final List<String> extraSecrets = new ArrayList<>();

  private void assertNoSecrets() {
    List<String> secrets = new ArrayList<>(List.of(secret, daemon.adminToken()));
    secrets.addAll(extraSecrets);
    String apachePassword = apache.password();
    if (apachePassword.length() >= 8) {
      secrets.add(apachePassword);
    }
    secrets.add(Base64.getEncoder().encodeToString(
        (apache.username() + ":" + apachePassword).getBytes(StandardCharsets.UTF_8)));
    secrets.add(Base64.getEncoder().encodeToString(("alice:" + secret).getBytes(StandardCharsets.UTF_8)));
    for (String s : secrets) {
      for (String body : bodies) {
        assertFalse(body != null && body.contains(s), "a response body contains a secret: " + body);
      }
      assertFalse(daemon.logText().contains(s),
          "the daemon log " + daemon.logFile() + " contains a secret (password, its Basic header, or the admin token)");
    }
  }

  private static Path normalize(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p.toAbsolutePath().normalize();
    }
  }
}
