package io.ncsync.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.daemon.FakeSyncEngine;
import io.ncsync.daemon.TestDaemons;
import io.ncsync.daemon.config.Settings;
import io.ncsync.persistence.sync.ActionResult;
import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.persistence.sync.ConflictType;
import io.ncsync.persistence.sync.Discovery;
import io.ncsync.persistence.sync.DocumentChange;
import io.ncsync.persistence.sync.LocalEntry;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.persistence.sync.SyncEngine;
import io.ncsync.persistence.sync.Transfer;
import io.ncsync.protocol.DavEntry;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API end to end inside one JVM: a real daemon (ActorSystem, sharding, H2 journal, HTTP) with a fake
 * SyncEngine, driven over HTTP.
 */
class AdminApiTest {
  private static final String PASSWORD = "app-password-that-must-never-leak";

  @TempDir static Path dataDir;
  static FakeSyncEngine io = new FakeSyncEngine();
  static TestDaemons.Running daemon;
  static ApiClient api;

  @BeforeAll
  static void start() throws Exception {
    daemon = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), io.factory());
    api = new ApiClient(daemon.baseUrl(), TestDaemons.TOKEN);
  }

  @AfterAll
  static void stop() {
    if (daemon != null) daemon.close();
  }

  @BeforeEach
  void reset() {
    io.failPrepare(null);
    io.release();
  }

  // --- helpers ------------------------------------------------------------------------------------------------

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static Map<String, Object> connectionBody(String name) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", name);
    body.put("kind", "webdav");
    body.put("url", "http://127.0.0.1:8081/dav");
    body.put("username", "alice");
    body.put("appPassword", PASSWORD);
    body.put("allowInsecureHttp", true);
    body.put("skipTest", true);
    return body;
  }

  private static String createConnection() {
    ApiClient.Response created = api.post("/api/v1/connections", ApiClient.json(connectionBody(unique("conn"))));
    assertEquals(201, created.status(), created.toString());
    return created.json().get("id").asText();
  }

  private static Map<String, Object> libraryBody(String connectionId, String localPath) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", unique("lib"));
    body.put("connectionId", connectionId);
    body.put("localPath", localPath);
    body.put("remotePath", "/" + localPath + "/");
    return body;
  }

  private static JsonNode createLibrary() {
    String connectionId = createConnection();
    ApiClient.Response created = api.post("/api/v1/libraries", ApiClient.json(libraryBody(connectionId, unique("ws"))));
    assertEquals(201, created.status(), created.toString());
    return created.json();
  }

  private static void assertBadRequest(String path, Object body, String expectedInMessage) {
    ApiClient.Response response = api.post(path, body instanceof String s ? s : ApiClient.json(body));
    assertEquals(400, response.status(), response.toString());
    assertNotNull(response.error(), response.toString());
    assertTrue(response.error().contains(expectedInMessage),
        "expected '" + expectedInMessage + "' in: " + response.error());
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new TreeSet<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) names.add(it.next());
    return names;
  }

  private static <T> T eventually(Supplier<T> probe, Predicate<T> done, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    T last = probe.get();
    while (!done.test(last)) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what + "; last: " + last);
      Thread.sleep(100);
      last = probe.get();
    }
    return last;
  }

  // --- library settings ---------------------------------------------------------------------------------------

  @Test
  void patchChangesSettingsAndAnswersTheLibrary() {
    JsonNode library = createLibrary();
    String id = library.get("id").asText();
    assertEquals("keep_both", library.get("conflictStrategy").asText(), "the defaults show");
    assertEquals("trash", library.get("remoteDeletionPolicy").asText());
    assertEquals(50, library.get("deletionGuardPercent").asInt());

    ApiClient.Response patched = api.patch("/api/v1/libraries/" + id, """
        {"conflictStrategy": "keep_newest", "remoteDeletionPolicy": "orphan", "localDeletions": "ignore",
         "filters": {"exclude": ["*.tmp"], "maxSizeBytes": 1000000}, "deletionGuardPercent": 10,
         "syncInterval": "15m", "mode": "local_to_remote", "fullSyncInterval": "6h", "cleanupInterval": "12h",
         "retryInterval": "PT15M"}""");

    assertEquals(200, patched.status(), patched.toString());
    JsonNode changed = patched.json();
    assertEquals("keep_newest", changed.get("conflictStrategy").asText());
    assertEquals("orphan", changed.get("remoteDeletionPolicy").asText());
    assertEquals("ignore", changed.get("localDeletions").asText());
    assertEquals("local_to_remote", changed.get("mode").asText());
    assertEquals("*.tmp", changed.get("filters").get("exclude").get(0).asText());
    assertEquals(10, changed.get("deletionGuardPercent").asInt());
    assertEquals("PT15M", changed.get("syncInterval").asText());
    assertEquals("PT6H", changed.get("fullSyncInterval").asText());
    assertEquals("PT12H", changed.get("cleanupInterval").asText());
    assertEquals("PT15M", changed.get("retryInterval").asText());
    assertEquals(changed, api.get("/api/v1/libraries/" + id).json(), "GET shows the change");
  }

  @Test
  void patchRefusesInvalidValuesNamingTheField() {
    String id = createLibrary().get("id").asText();
    Map<String, String> invalid = pairs(
        "{\"conflictStrategy\": \"coin_flip\"}", "conflictStrategy must be one of",
        "{\"remoteDeletionPolicy\": \"shred\"}", "remoteDeletionPolicy must be one of",
        "{\"deletionGuardPercent\": 0}", "deletionGuardPercent must be between 1 and 100",
        "{\"syncInterval\": \"soon\"}", "syncInterval must be a duration",
        "{\"fullSyncInterval\": \"-1h\"}", "fullSyncInterval must not be negative",
        "{\"cleanupInterval\": \"0\"}", "cleanupInterval must be at least 5s",
        "{\"retryInterval\": \"1s\"}", "retryInterval must be at least 5s",
        "{\"filters\": {\"exclude\": [\"[\"]}}", "filters.exclude",
        "{\"filters\": {\"modifiedAfter\": \"yesterday\"}}", "filters.modifiedAfter",
        "{\"remoteDeletionPolicy\": \"archive\"}", "archiveFolder",
        "{\"archiveFolder\": \"../etc\"}", "archiveFolder must not contain '..'",
        "{\"colour\": \"blue\"}", "unknown field 'colour'",
        "{}", "nothing to change");
    for (var e : invalid.entrySet()) {
      ApiClient.Response response = api.patch("/api/v1/libraries/" + id, e.getKey());
      assertEquals(400, response.status(), e.getKey() + " -> " + response);
      assertTrue(response.error().contains(e.getValue()), e.getKey() + " -> " + response.error());
    }
    assertEquals("keep_both", api.get("/api/v1/libraries/" + id).json().get("conflictStrategy").asText(), "nothing changed");
    assertEquals(404, api.patch("/api/v1/libraries/no-such-library", "{\"enabled\": false}").status());
  }

  @Test
  void everyBadInputNamesItsFieldAndChangesNothing() {
    String id = createLibrary().get("id").asText();
    String before = api.get("/api/v1/libraries/" + id).body();
    Map<String, String> fields = pairs(
        "{\"deletionGuardPercent\": 1.5}", "deletionGuardPercent",
        "{\"deletionGuardPercent\": \"7\"}", "deletionGuardPercent",
        "{\"deletionGuardPercent\": 0}", "deletionGuardPercent",
        "{\"conflictStrategy\": \"coin_flip\"}", "conflictStrategy",
        "{\"mode\": \"sideways\"}", "mode",
        "{\"syncInterval\": \"soon\"}", "syncInterval",
        "{\"fullSyncInterval\": \"hourly\"}", "fullSyncInterval",
        "{\"enabled\": false, \"colour\": \"blue\"}", "colour");
    for (var e : fields.entrySet()) {
      ApiClient.Response response = api.patch("/api/v1/libraries/" + id, e.getKey());
      assertEquals(400, response.status(), e.getKey() + " -> " + response);
      assertEquals("bad_request", response.errorCode(), response.toString());
      assertEquals(e.getValue(), response.json().get("field").asText(), e.getKey() + " -> " + response);
    }
    assertTrue(api.patch("/api/v1/libraries/" + id, "{\"deletionGuardPercent\": 1.5}").error().contains("whole number"));
    assertEquals(before, api.get("/api/v1/libraries/" + id).body(), "nothing changed");

    // Invalid UTF-8 inside a JSON string: refused, never stored with replacement characters.
    byte[] invalid = "{\"name\": \"caf\u00ff\", \"kind\": \"webdav\"}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    ApiClient.Response utf8 = api.send(api.request("/api/v1/connections").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(invalid)).build());
    assertEquals(400, utf8.status(), utf8.toString());
    assertTrue(utf8.error().contains("UTF-8"), utf8.toString());
  }

  @Test
  void aDisabledLibraryAnswers409ToSyncAndShowsItsState() {
    String id = createLibrary().get("id").asText();
    assertEquals(200, api.patch("/api/v1/libraries/" + id, "{\"enabled\": false}").status());
    ApiClient.Response sync = api.postEmpty("/api/v1/libraries/" + id + "/sync");
    assertEquals(409, sync.status(), sync.toString());
    assertTrue(sync.error().contains("disabled"), sync.error());
    assertEquals("disabled", api.get("/api/v1/libraries/" + id + "/status").json().get("state").asText());
  }

  @Test
  void deleteDetachKeepRemovesTheLibraryForGoodAndFreesItsName() {
    JsonNode library = createLibrary();
    String id = library.get("id").asText();
    ApiClient.Response noMode = api.delete("/api/v1/libraries/" + id);
    assertEquals(400, noMode.status(), noMode.toString());
    assertTrue(noMode.error().contains("detach must be 'keep'"), noMode.error());
    assertEquals(400, api.delete("/api/v1/libraries/" + id + "?detach=shred").status());

    ApiClient.Response removed = api.delete("/api/v1/libraries/" + id + "?detach=keep");

    assertEquals(200, removed.status(), removed.toString());
    assertEquals("removed", removed.json().get("state").asText());
    assertEquals(404, api.get("/api/v1/libraries/" + id).status());
    assertEquals(404, api.delete("/api/v1/libraries/" + id + "?detach=keep").status());
    for (JsonNode listed : api.get("/api/v1/libraries").json()) assertNotEquals(id, listed.get("id").asText());
    ApiClient.Response again = api.post("/api/v1/libraries", ApiClient.json(Map.of("name", library.get("name").asText(),
        "connectionId", library.get("connectionId").asText(), "localPath", unique("ws"), "remotePath", unique("r"))));
    assertEquals(201, again.status(), "the name is free again: " + again);
    assertNotEquals(id, again.json().get("id").asText());
  }

  // --- health -------------------------------------------------------------------------------------------------

  @Test
  void healthNeedsNoToken() throws Exception {
    ApiClient open = new ApiClient(daemon.baseUrl(), null);
    assertEquals(200, open.get("/health/live").status());
    ApiClient.Response ready = eventually(() -> open.get("/health/ready"), r -> r.status() == 200, "readiness");
    assertEquals("ok", ready.json().get("journal").asText());
    assertEquals("ok", ready.json().get("sharding").asText());
  }

  // --- authentication -----------------------------------------------------------------------------------------

  @Test
  void apiWithoutTokenIs401() {
    ApiClient.Response response = new ApiClient(daemon.baseUrl(), null).get("/api/v1/connections");
    assertEquals(401, response.status());
    assertTrue(response.error().contains("Authorization"), response.error());
    assertEquals("Bearer realm=\"ncsync\"", response.raw().headers().firstValue("WWW-Authenticate").orElse(""));
  }

  @Test
  void apiWithWrongTokenIs401() {
    ApiClient.Response response = new ApiClient(daemon.baseUrl(), "wrong-token").get("/api/v1/libraries");
    assertEquals(401, response.status());
    assertEquals("invalid token", response.error());
    ApiClient.Response post = new ApiClient(daemon.baseUrl(), "wrong-token")
        .post("/api/v1/connections", ApiClient.json(connectionBody("x")));
    assertEquals(401, post.status(), "a wrong token is refused before the body is looked at");
  }

  @Test
  void apiWithAnotherSchemeIs401() {
    ApiClient.Response response = api.send(HttpRequest.newBuilder(java.net.URI.create(daemon.baseUrl() + "/api/v1/libraries"))
        .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + TestDaemons.TOKEN).getBytes()))
        .GET().build());
    assertEquals(401, response.status());
    assertTrue(response.error().contains("Bearer"), response.error());
  }

  @Test
  void unknownRoutesAre404Json() {
    ApiClient.Response response = api.get("/api/v1/nothing-here");
    assertEquals(404, response.status());
    assertTrue(response.error().contains("/api/v1/nothing-here"), response.error());
    assertEquals(404, new ApiClient(daemon.baseUrl(), null).get("/nothing").status());
  }

  @Test
  void wrongMethodIs405Json() {
    ApiClient.Response response = api.send(api.request("/api/v1/connections").DELETE().build());
    assertEquals(405, response.status());
    assertNotNull(response.error());
  }

  // --- connections --------------------------------------------------------------------------------------------

  @Test
  void createConnectionAnswers201WithoutThePassword() {
    String name = unique("conn");
    ApiClient.Response created = api.post("/api/v1/connections", ApiClient.json(connectionBody(name)));
    assertEquals(201, created.status(), created.toString());
    JsonNode json = created.json();
    assertEquals(Set.of("id", "name", "kind", "url", "username", "allowInsecureHttp", "createdAt", "requestsPerSecond",
        "serverPromises"), fieldNames(json));
    assertTrue(json.get("requestsPerSecond").isNull(), "the daemon's default pacing");
    assertTrue(json.get("serverPromises").isNull(), "not probed before the connection is first used");
    assertEquals(name, json.get("name").asText());
    assertEquals("webdav", json.get("kind").asText());
    assertEquals("http://127.0.0.1:8081/dav", json.get("url").asText());
    assertEquals("alice", json.get("username").asText());
    assertTrue(json.get("allowInsecureHttp").asBoolean());
    assertFalse(created.body().contains(PASSWORD));

    String id = json.get("id").asText();
    ApiClient.Response shown = api.get("/api/v1/connections/" + id);
    assertEquals(200, shown.status());
    assertEquals(json, shown.json());
    ApiClient.Response listed = api.get("/api/v1/connections");
    assertEquals(200, listed.status());
    assertTrue(listed.json().isArray());
    assertTrue(listed.body().contains(id));
    assertFalse(listed.body().contains(PASSWORD));
    assertFalse(listed.body().contains("v1:"), "not even the ciphertext is shown");
  }

  @Test
  void nextcloudIsTheDefaultKind() {
    Map<String, Object> body = connectionBody(unique("nc"));
    body.remove("kind");
    body.put("url", "https://cloud.example.com/");
    body.remove("allowInsecureHttp");
    ApiClient.Response created = api.post("/api/v1/connections", ApiClient.json(body));
    assertEquals(201, created.status(), created.toString());
    assertEquals("nextcloud", created.json().get("kind").asText());
    assertEquals("https://cloud.example.com", created.json().get("url").asText());
    assertFalse(created.json().get("allowInsecureHttp").asBoolean());
  }

  @Test
  void aConnectionMayHaveItsOwnPacing() {
    Map<String, Object> body = connectionBody(unique("fast"));
    body.put("requestsPerSecond", 0);
    ApiClient.Response created = api.post("/api/v1/connections", ApiClient.json(body));
    assertEquals(201, created.status(), created.toString());
    assertEquals(0, created.json().get("requestsPerSecond").asInt(-1));
    assertEquals(created.json(), api.get("/api/v1/connections/" + created.json().get("id").asText()).json());
  }

  @Test
  void thePasswordIsStoredOnlyEncrypted() throws Exception {
    createConnection();
    String url = Settings.defaultSqliteUrl(dataDir);
    try (Connection c = DriverManager.getConnection(url);
        ResultSet rs = c.createStatement().executeQuery("select \"event_payload\" from \"event_journal\"")) {
      int events = 0;
      while (rs.next()) {
        events++;
        String payload = new String(rs.getBytes(1), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertFalse(payload.contains(PASSWORD), "the journal holds the app password in clear text");
      }
      assertTrue(events > 0);
    }
  }

  @Test
  void connectionValidationNamesTheField() {
    String path = "/api/v1/connections";
    Map<String, Object> body;
    body = connectionBody("x"); body.remove("name");
    assertBadRequest(path, body, "name is required");
    body = connectionBody("x"); body.remove("url");
    assertBadRequest(path, body, "url is required");
    body = connectionBody("x"); body.remove("username");
    assertBadRequest(path, body, "username is required");
    body = connectionBody("x"); body.remove("appPassword");
    assertBadRequest(path, body, "appPassword is required");
    body = connectionBody("x"); body.put("kind", "ftp");
    assertBadRequest(path, body, "kind must be");
    body = connectionBody("x"); body.put("url", "not a url");
    assertBadRequest(path, body, "url");
    body = connectionBody("x"); body.put("url", "ftp://example.com");
    assertBadRequest(path, body, "url must be an absolute http");
    body = connectionBody("x"); body.put("allowInsecureHttp", false);
    assertBadRequest(path, body, "allowInsecureHttp");
    body = connectionBody("x"); body.put("url", "http://cloud.example.com");
    assertBadRequest(path, body, "non-loopback");
    body = connectionBody("x"); body.put("allowInsecureHttp", "true");
    assertBadRequest(path, body, "field 'allowInsecureHttp' has the wrong type");
    body = connectionBody("x"); body.put("name", 5);
    assertBadRequest(path, body, "field 'name' has the wrong type");
    body = connectionBody("x"); body.put("requestsPerSecond", -1);
    assertBadRequest(path, body, "requestsPerSecond must be between 0 (unlimited) and");
    body = connectionBody("x"); body.put("requestsPerSecond", "fast");
    assertBadRequest(path, body, "field 'requestsPerSecond' has the wrong type");
    body = connectionBody("x"); body.put("passwd", "x");
    assertBadRequest(path, body, "unknown field 'passwd'");
  }

  @Test
  void badJsonIs400AndWrongContentTypeIs415() {
    assertBadRequest("/api/v1/connections", "{\"name\": ", "malformed JSON");
    assertBadRequest("/api/v1/connections", "", "malformed JSON");
    assertBadRequest("/api/v1/connections", "[1,2]", "malformed JSON");
    assertBadRequest("/api/v1/connections", "null", "malformed JSON");
    assertBadRequest("/api/v1/connections", "{} {}", "malformed JSON");
    ApiClient.Response text = api.send(api.request("/api/v1/connections").header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(ApiClient.json(connectionBody("x")))).build());
    assertEquals(415, text.status(), text.toString());
    assertTrue(text.error().contains("application/json"));
  }

  /** Sends a raw request with the given Host header (java.net.http will not send a foreign one); the status line. */
  private static String statusLineFor(String host, String path) throws Exception {
    java.net.URI base = java.net.URI.create(daemon.baseUrl());
    try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer "
          + TestDaemons.TOKEN + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          java.nio.charset.StandardCharsets.US_ASCII)).readLine();
    }
  }

  @Test
  void aPageReachingTheApiThroughAnotherHostNameGetsNothing() throws Exception {
    int port = java.net.URI.create(daemon.baseUrl()).getPort();
    for (String path : List.of("/health/live", "/health/ready", "/api/v1/libraries")) {
      assertTrue(statusLineFor("rebind.attacker.example:" + port, path).contains(" 421 "), path);
    }
    assertTrue(statusLineFor("127.0.0.1:" + port, "/health/live").contains(" 200 "));
    assertTrue(statusLineFor("localhost:" + port, "/api/v1/libraries").contains(" 200 "));
    assertTrue(statusLineFor("[::1]:" + port, "/health/live").contains(" 200 "));
    HostCheck configured = new HostCheck("sync.example.com, Proxy.Internal", null);
    assertTrue(configured.accepts("proxy.internal"));
    assertTrue(configured.accepts("SYNC.example.com"));
    assertFalse(configured.accepts("example.com"));
    assertFalse(configured.accepts("127.0.0.1.nip.io"));
  }

  @Test
  void oversizedBodyIs413() {
    ApiClient.Response response = api.post("/api/v1/connections", "{\"name\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}");
    assertEquals(413, response.status(), response.status() + " " + response.error());
    assertNotNull(response.error());
  }

  @Test
  void duplicateConnectionNameIs409() {
    String name = unique("dup");
    assertEquals(201, api.post("/api/v1/connections", ApiClient.json(connectionBody(name))).status());
    ApiClient.Response again = api.post("/api/v1/connections", ApiClient.json(connectionBody(name)));
    assertEquals(409, again.status(), again.toString());
    assertTrue(again.error().contains(name));
  }

  @Test
  void unknownConnectionIs404() {
    ApiClient.Response response = api.get("/api/v1/connections/no-such-id");
    assertEquals(404, response.status());
    assertTrue(response.error().contains("no-such-id"));
  }

  // --- libraries ----------------------------------------------------------------------------------------------

  @Test
  void createLibraryAnswers201WithTheLibrary() throws Exception {
    String connectionId = createConnection();
    String localPath = unique("team") + "/docs";
    Map<String, Object> body = libraryBody(connectionId, localPath);
    body.put("remotePath", "/Shared/Team/");
    body.put("mode", "local_to_remote");
    ApiClient.Response created = api.post("/api/v1/libraries", ApiClient.json(body));
    assertEquals(201, created.status(), created.toString());
    JsonNode json = created.json();
    assertEquals(Set.of("id", "name", "connectionId", "localPath", "localRoot", "remotePath", "mode", "createdAt",
        "conflictStrategy", "remoteDeletionPolicy", "localDeletions", "filters", "enabled", "deletionGuardPercent",
        "syncInterval", "archiveFolder", "verifyOnAdopt", "fullSyncInterval", "cleanupInterval", "retryInterval"),
        fieldNames(json));
    assertFalse(json.get("verifyOnAdopt").asBoolean(), "adopting by size and time is the default");
    Path workspaces = dataDir.resolve("workspaces").toRealPath();
    assertEquals(workspaces.resolve(localPath).toString(), json.get("localRoot").asText());
    assertTrue(Path.of(json.get("localRoot").asText()).isAbsolute());
    assertEquals(localPath, json.get("localPath").asText());
    assertEquals("Shared/Team", json.get("remotePath").asText());
    assertEquals("local_to_remote", json.get("mode").asText());
    assertEquals(connectionId, json.get("connectionId").asText());
    assertTrue(io.prepared.stream().anyMatch(c -> c.libraryId().equals(json.get("id").asText())),
        "the folders were prepared");

    String id = json.get("id").asText();
    ApiClient.Response shown = api.get("/api/v1/libraries/" + id);
    assertEquals(200, shown.status());
    assertEquals(json, shown.json());
    ApiClient.Response listed = api.get("/api/v1/libraries");
    assertEquals(200, listed.status());
    assertTrue(listed.body().contains(id));
  }

  @Test
  void bidirectionalIsTheDefaultMode() {
    assertEquals("bidirectional", createLibrary().get("mode").asText());
  }

  @Test
  void libraryValidationNamesTheField() {
    String connectionId = createConnection();
    String path = "/api/v1/libraries";
    Map<String, Object> body;
    body = libraryBody(connectionId, "../escape");
    assertBadRequest(path, body, "'..'");
    body = libraryBody(connectionId, "a/../../escape");
    assertBadRequest(path, body, "'..'");
    body = libraryBody(connectionId, "/etc");
    assertBadRequest(path, body, "relative");
    body = libraryBody(connectionId, "x"); body.put("localPath", "bad\u0001name");
    assertBadRequest(path, body, "control character");
    body = libraryBody(connectionId, "x"); body.put("localPath", "bad\u0000name");
    assertBadRequest(path, body, "NUL");
    body = libraryBody(connectionId, "x"); body.put("remotePath", "a/../b");
    assertBadRequest(path, body, "remotePath");
    // Without folders, a library gets its name as its folder on both sides.
    body = libraryBody(connectionId, "x"); body.remove("localPath"); body.remove("remotePath");
    ApiClient.Response defaulted = api.post(path, ApiClient.json(body));
    assertEquals(201, defaulted.status(), defaulted.toString());
    assertEquals(body.get("name"), defaulted.json().get("localPath").asText());
    assertEquals(body.get("name"), defaulted.json().get("remotePath").asText());
    body = libraryBody(connectionId, "x"); body.put("mode", "mirror");
    assertBadRequest(path, body, "mode must be");
    body = libraryBody(connectionId, "x"); body.remove("name");
    assertBadRequest(path, body, "name is required");
    body = libraryBody("no-such-connection", "x");
    assertBadRequest(path, body, "no-such-connection");
    body = libraryBody(connectionId, "x"); body.put("extra", 1);
    assertBadRequest(path, body, "unknown field 'extra'");
  }

  @Test
  void aSymlinkOutOfTheWorkspacesRootIs400() throws Exception {
    Path outside = Files.createDirectories(dataDir.resolve("outside-" + UUID.randomUUID()));
    String link = unique("link");
    Files.createSymbolicLink(dataDir.resolve("workspaces").resolve(link), outside);
    assertBadRequest("/api/v1/libraries", libraryBody(createConnection(), link + "/docs"), "symbolic link");
  }

  @Test
  void prepareFailureIs502WithTheReason() {
    String connectionId = createConnection();
    io.failPrepare("MKCOL 'x' failed: 403 Forbidden");
    ApiClient.Response response = api.post("/api/v1/libraries", ApiClient.json(libraryBody(connectionId, unique("p"))));
    assertEquals(502, response.status(), response.toString());
    assertTrue(response.error().contains("403 Forbidden"), response.error());
  }

  @Test
  void overlappingLibrariesAre409() {
    String connectionId = createConnection();
    String base = unique("shared");
    assertEquals(201, api.post("/api/v1/libraries", ApiClient.json(libraryBody(connectionId, base))).status());
    Map<String, Object> nested = libraryBody(createConnection(), base + "/inner");
    ApiClient.Response local = api.post("/api/v1/libraries", ApiClient.json(nested));
    assertEquals(409, local.status(), local.toString());
    assertTrue(local.error().contains("localPath overlaps"), local.error());

    Map<String, Object> sameRemote = libraryBody(connectionId, unique("other"));
    sameRemote.put("remotePath", base + "/sub");
    ApiClient.Response remote = api.post("/api/v1/libraries", ApiClient.json(sameRemote));
    assertEquals(409, remote.status(), remote.toString());
    assertTrue(remote.error().contains("remotePath overlaps"), remote.error());
  }

  @Test
  void duplicateLibraryNameIs409() {
    JsonNode first = createLibrary();
    Map<String, Object> body = libraryBody(first.get("connectionId").asText(), unique("again"));
    body.put("name", first.get("name").asText());
    ApiClient.Response again = api.post("/api/v1/libraries", ApiClient.json(body));
    assertEquals(409, again.status(), again.toString());
  }

  @Test
  void unknownLibraryIs404Everywhere() {
    assertEquals(404, api.get("/api/v1/libraries/nope").status());
    assertEquals(404, api.postEmpty("/api/v1/libraries/nope/sync").status());
    assertEquals(404, api.get("/api/v1/libraries/nope/status").status());
    ApiClient.Response conflicts = api.get("/api/v1/libraries/nope/conflicts");
    assertEquals(404, conflicts.status());
    assertEquals("unknown library: nope", conflicts.error());
  }

  // --- sync, status, conflicts --------------------------------------------------------------------------------

  @Test
  void syncIs202AndASyncDuringARunQueuesOneFollowUpRun() throws Exception {
    String id = createLibrary().get("id").asText();
    io.hold();
    ApiClient.Response started = api.postEmpty("/api/v1/libraries/" + id + "/sync");
    assertEquals(202, started.status(), started.toString());
    String runId = started.json().get("runId").asText();

    ApiClient.Response again = api.postEmpty("/api/v1/libraries/" + id + "/sync");
    assertEquals(202, again.status(), again.toString());
    assertEquals(runId, again.json().get("activeRunId").asText());
    assertTrue(again.json().get("queued").asBoolean());
    String queued = again.json().get("runId").asText();
    assertNotEquals(runId, queued);
    assertEquals(queued, api.postEmpty("/api/v1/libraries/" + id + "/sync").json().get("runId").asText(),
        "more requests during the run share the queued run");

    ApiClient.Response syncing = api.get("/api/v1/libraries/" + id + "/status");
    assertEquals(200, syncing.status());
    assertTrue(Set.of("scanning", "syncing").contains(syncing.json().get("state").asText()), syncing.body());
    assertEquals(runId, syncing.json().get("activeRun").get("runId").asText());
    assertEquals("scanning", syncing.json().get("progress").get("phase").asText(), syncing.body());
    assertFalse(syncing.json().get("name").asText().isEmpty());

    io.release();
    ApiClient.Response idle = eventually(() -> api.get("/api/v1/libraries/" + id + "/status"),
        r -> "idle".equals(r.json().get("state").asText()) && queued.equals(r.json().get("lastRun").get("runId").asText()),
        "the run and the queued one to finish");
    JsonNode status = idle.json();
    assertEquals(Set.of("state", "lastRun", "activeRun", "counts", "failures", "guard", "name", "progress", "localWatch",
        "remoteWatch", "jobs", "localDrift"),
        fieldNames(status));
    assertEquals("off", status.get("localWatch").asText(), "runs only on request here: nothing is watched");
    assertTrue(status.get("progress").isNull(), "no progress without a run");
    assertTrue(status.get("guard").isNull(), "nothing held");
    assertTrue(status.get("activeRun").isNull());
    JsonNode lastRun = status.get("lastRun");
    assertEquals("succeeded", lastRun.get("outcome").asText());
    assertEquals(Set.of("runId", "startedAt", "finishedAt", "outcome", "uploaded", "downloaded", "deletedLocal", "code",
        "deletedRemote", "conflicts", "failed", "reason", "trigger", "bytesUploaded", "bytesDownloaded"), fieldNames(lastRun));
    assertEquals("queued", lastRun.get("trigger").asText(), "the last run was the queued one");
    assertEquals(Set.of("synced", "pending", "failed", "conflict", "excluded", "orphaned"), fieldNames(status.get("counts")));

    ApiClient.Response next = api.postEmpty("/api/v1/libraries/" + id + "/sync");
    assertEquals(202, next.status(), "a new run starts once the last one finished");
  }

  // --- trash log, restore, deletion guard --------------------------------------------------------------------

  /** A library of four uploaded files of which the server lost three: its next run is held by the deletion guard. */
  private static String guardedLibrary() throws InterruptedException {
    String id = createLibrary().get("id").asText();
    Set<String> files = Set.of("a.txt", "b.txt", "c.txt", "d.txt");
    io.trees(id, files, Set.of());
    assertEquals(4, syncAndWait(id).get("lastRun").get("uploaded").asInt());
    io.trees(id, files, Set.of("a.txt"));
    JsonNode held = syncAndWait(id);
    assertEquals("failed", held.get("lastRun").get("outcome").asText(), held.toString());
    return id;
  }

  private static JsonNode syncAndWait(String id) throws InterruptedException {
    ApiClient.Response started = api.postEmpty("/api/v1/libraries/" + id + "/sync");
    assertEquals(202, started.status(), started.toString());
    String runId = started.json().get("runId").asText();
    return eventually(() -> api.get("/api/v1/libraries/" + id + "/status").json(),
        s -> s.get("activeRun").isNull() && runId.equals(s.path("lastRun").path("runId").asText()), "run " + runId).deepCopy();
  }

  @Test
  void aGuardedLibraryShowsTheNumbersAndConfirmLetsTheNextRunDeleteOnce() throws Exception {
    String id = guardedLibrary();
    JsonNode status = api.get("/api/v1/libraries/" + id + "/status").json();
    assertEquals("guarded", status.get("state").asText(), status.toString());
    JsonNode guard = status.get("guard");
    assertEquals(3, guard.get("localDeletions").asInt(), guard.toString());
    assertEquals(0, guard.get("remoteDeletions").asInt());
    assertEquals(4, guard.get("files").asInt());
    assertFalse(guard.get("confirmed").asBoolean());
    assertEquals(0, api.get("/api/v1/libraries/" + id + "/trash").json().get("total").asInt(), "nothing was deleted");

    ApiClient.Response confirmed = api.post("/api/v1/libraries/" + id + "/guard", "{\"action\": \"confirm\"}");
    assertEquals(200, confirmed.status(), confirmed.toString());
    assertEquals("confirm", confirmed.json().get("action").asText());
    assertTrue(api.get("/api/v1/libraries/" + id + "/status").json().get("guard").get("confirmed").asBoolean());

    JsonNode after = syncAndWait(id);
    assertEquals("succeeded", after.get("lastRun").get("outcome").asText(), after.toString());
    assertEquals(3, after.get("lastRun").get("deletedLocal").asInt());
    assertEquals("idle", after.get("state").asText());
    assertTrue(after.get("guard").isNull());

    ApiClient.Response notHeld = api.post("/api/v1/libraries/" + id + "/guard", "{\"action\": \"cancel\"}");
    assertEquals(409, notHeld.status(), notHeld.toString());
    assertTrue(notHeld.error().contains("not guarded"), notHeld.error());
  }

  @Test
  void cancelDropsTheHeldDeletions() throws Exception {
    String id = guardedLibrary();
    ApiClient.Response cancelled = api.post("/api/v1/libraries/" + id + "/guard", "{\"action\": \"cancel\"}");
    assertEquals(200, cancelled.status(), cancelled.toString());
    JsonNode status = api.get("/api/v1/libraries/" + id + "/status").json();
    assertTrue(status.get("guard").isNull(), status.toString());
    assertEquals(1, status.get("counts").get("synced").asInt(), "the missing side's base was forgotten: " + status);

    JsonNode merged = syncAndWait(id);
    assertEquals("succeeded", merged.get("lastRun").get("outcome").asText(), merged.toString());
    assertEquals(0, merged.get("lastRun").get("deletedLocal").asInt(), "nothing deleted: merged");
    assertEquals(4, merged.get("counts").get("synced").asInt());
  }

  @Test
  void theGuardEndpointRefusesBadActionsAndUnknownLibraries() {
    String id = createLibrary().get("id").asText();
    assertBadRequest("/api/v1/libraries/" + id + "/guard", Map.of("action", "delete-everything"), "confirm");
    assertBadRequest("/api/v1/libraries/" + id + "/guard", Map.of(), "action");
    assertEquals(404, api.post("/api/v1/libraries/nope/guard", "{\"action\": \"confirm\"}").status());
    ApiClient.Response idle = api.post("/api/v1/libraries/" + id + "/guard", "{\"action\": \"confirm\"}");
    assertEquals(409, idle.status(), idle.toString());
  }

  @Test
  void theTrashLogIsPagedNewestFirstAndItsEntriesRestoreOnce() throws Exception {
    String id = guardedLibrary();
    api.post("/api/v1/libraries/" + id + "/guard", "{\"action\": \"confirm\"}");
    syncAndWait(id);

    JsonNode all = api.get("/api/v1/libraries/" + id + "/trash").json();
    assertEquals(3, all.get("total").asInt(), all.toString());
    assertEquals(0, all.get("offset").asInt());
    assertEquals(50, all.get("limit").asInt());
    JsonNode entries = all.get("entries");
    assertEquals(3, entries.size());
    for (int i = 1; i < entries.size(); i++) {
      assertTrue(entries.get(i - 1).get("at").asText().compareTo(entries.get(i).get("at").asText()) >= 0,
          "newest first: " + entries);
    }
    JsonNode first = entries.get(0);
    assertEquals(Set.of("id", "path", "size", "sha256", "at", "runId", "reason", "action", "restorable"), fieldNames(first));
    assertEquals("trashed", first.get("action").asText());
    assertTrue(first.get("restorable").asBoolean());

    JsonNode page = api.get("/api/v1/libraries/" + id + "/trash?offset=1&limit=1").json();
    assertEquals(3, page.get("total").asInt());
    assertEquals(1, page.get("entries").size());
    assertEquals(entries.get(1).get("id"), page.get("entries").get(0).get("id"));
    assertEquals(400, api.get("/api/v1/libraries/" + id + "/trash?limit=0").status());
    assertEquals(400, api.get("/api/v1/libraries/" + id + "/trash?offset=x").status());
    assertEquals(404, api.get("/api/v1/libraries/nope/trash").status());

    String entryId = first.get("id").asText();
    ApiClient.Response restored = api.postEmpty("/api/v1/trash/" + entryId + "/restore");
    assertEquals(200, restored.status(), restored.toString());
    assertEquals("restored", restored.json().get("action").asText());
    assertEquals(first.get("path").asText(), restored.json().get("path").asText());
    assertTrue(io.restored.contains("trash/" + first.get("runId").asText() + "/" + first.get("path").asText()), io.restored.toString());

    JsonNode afterRestore = api.get("/api/v1/libraries/" + id + "/trash").json();
    assertEquals(4, afterRestore.get("total").asInt());
    assertEquals("restored", afterRestore.get("entries").get(0).get("action").asText(), "the newest line: " + afterRestore);
    ApiClient.Response again = api.postEmpty("/api/v1/trash/" + entryId + "/restore");
    assertEquals(409, again.status(), again.toString());
    assertTrue(again.error().contains("nothing to restore"), again.error());
    assertEquals(404, api.postEmpty("/api/v1/trash/no-such-entry/restore").status());
  }

  @Test
  void statusBeforeAnyRunHasNoRuns() {
    String id = createLibrary().get("id").asText();
    ApiClient.Response status = api.get("/api/v1/libraries/" + id + "/status");
    assertEquals(200, status.status());
    assertEquals("idle", status.json().get("state").asText());
    assertTrue(status.json().get("lastRun").isNull());
    assertTrue(status.json().get("activeRun").isNull());
    assertEquals(0, status.json().get("counts").get("synced").asInt());
  }

  @Test
  void conflictsOfANewLibraryAreEmpty() {
    String id = createLibrary().get("id").asText();
    ApiClient.Response conflicts = api.get("/api/v1/libraries/" + id + "/conflicts");
    assertEquals(200, conflicts.status());
    assertTrue(conflicts.json().isArray());
    assertEquals(0, conflicts.json().size());
  }

  /**
   * A library whose discovery finds doc.txt edited on both sides and whose first run records an open conflict; once
   * resolved, the next run ends it the way the operator chose. Returns the library id and the conflict.
   */
  private static Map.Entry<String, ConflictRecord> libraryWithAnOpenConflict() throws InterruptedException {
    String id = createLibrary().get("id").asText();
    LocalEntry local = new LocalEntry("doc.txt", false, 5, 1000, "sha-l");
    DavEntry remote = new DavEntry("doc.txt", false, "e2", 6, null, "f1", null, null);
    ConflictRecord open = ConflictRecord.open("doc.txt", ConflictType.BOTH_ADDED, ConflictRecord.sideOf(local, "sha-l"),
        ConflictRecord.sideOf(remote, "sha-r"), java.time.Instant.now(), "r1");
    io.scriptedDiscoveries.put(id, new Discovery(Map.of("doc.txt", local), Map.of("doc.txt", remote), Map.of()));
    io.actions.put(id, action -> action instanceof SyncAction.SettleConflict settle && settle.record() != null
        ? ActionResult.of("doc.txt", new DocumentChange.BaseRecorded(
            new BaseEntry("doc.txt", false, "f1", "e3", 5, 1000, "sha-l"), Transfer.UPLOADED))
            .withConflict(settle.record().resolved(settle.strategy(), ConflictRecord.BY_OPERATOR, java.time.Instant.now()))
        : ActionResult.conflict("doc.txt", open));
    io.sides.put(id + ":doc.txt", new SyncEngine.Sides(local, remote));
    syncAndWait(id);
    return Map.entry(id, open);
  }

  private static ApiClient.Response resolve(String conflictId, String body) {
    return api.post("/api/v1/conflicts/" + conflictId + "/resolve", body);
  }

  @Test
  void conflictsAreListedByStateAndResolvedOnceThroughTheApi() throws Exception {
    var library = libraryWithAnOpenConflict();
    String id = library.getKey();
    String conflictId = library.getValue().id();
    String conflicts = "/api/v1/libraries/" + id + "/conflicts";

    JsonNode open = api.get(conflicts + "?state=open").json();
    assertEquals(1, open.size(), open.toString());
    JsonNode c = open.get(0);
    assertEquals(Set.of("id", "path", "type", "state", "strategy", "conflictCopyPath", "local", "remote", "detectedAt",
        "runId", "resolvedBy", "resolvedAt"), fieldNames(c));
    assertEquals(List.of(conflictId, "doc.txt", "both_added", "open", "manual"), List.of(c.get("id").asText(),
        c.get("path").asText(), c.get("type").asText(), c.get("state").asText(), c.get("strategy").asText()));
    assertEquals(5, c.get("local").get("size").asInt());
    assertEquals("e2", c.get("remote").get("etag").asText());
    assertEquals(0, api.get(conflicts + "?state=resolved").json().size());
    assertEquals(1, api.get(conflicts).json().size(), "without a state: all");
    ApiClient.Response badState = api.get(conflicts + "?state=closed");
    assertEquals(400, badState.status(), badState.toString());
    assertTrue(badState.error().contains("state must be 'open' or 'resolved'"), badState.error());
    assertEquals(1, api.get("/api/v1/libraries/" + id + "/status").json().get("counts").get("conflict").asInt());

    ApiClient.Response accepted = resolve(conflictId, "{\"strategy\": \"keep_local\"}");
    assertEquals(202, accepted.status(), accepted.toString());
    assertEquals("resolving", accepted.json().get("state").asText());
    assertEquals("keep_local", accepted.json().get("strategy").asText());
    assertEquals("operator", accepted.json().get("resolvedBy").asText());
    assertEquals(0, api.get("/api/v1/libraries/" + id + "/status").json().get("counts").get("conflict").asInt(),
        "the document leaves status conflict");
    assertEquals("resolving", api.get(conflicts + "?state=open").json().get(0).get("state").asText());

    ApiClient.Response twice = resolve(conflictId, "{\"strategy\": \"keep_remote\"}");
    assertEquals(409, twice.status(), twice.toString());
    assertEquals("already_resolved", twice.json().get("reason").asText());
    assertTrue(twice.error().contains("already being resolved with keep_local"), twice.error());

    syncAndWait(id); // carries it out
    JsonNode resolved = api.get(conflicts + "?state=resolved").json();
    assertEquals(1, resolved.size(), resolved.toString());
    assertEquals(List.of(conflictId, "resolved", "keep_local", "operator"), List.of(resolved.get(0).get("id").asText(),
        resolved.get(0).get("state").asText(), resolved.get(0).get("strategy").asText(), resolved.get(0).get("resolvedBy").asText()));
    assertFalse(resolved.get(0).get("resolvedAt").isNull());
    assertEquals(0, api.get(conflicts + "?state=open").json().size());

    ApiClient.Response again = resolve(conflictId, "{\"strategy\": \"keep_local\"}");
    assertEquals(409, again.status(), again.toString());
    assertTrue(again.error().contains("already resolved"), again.error());
  }

  @Test
  void aConflictWhoseSideChangedSinceItWasRecordedIs409() throws Exception {
    var library = libraryWithAnOpenConflict();
    LocalEntry editedAgain = new LocalEntry("doc.txt", false, 9, 2000, null);
    io.sides.put(library.getKey() + ":doc.txt", new SyncEngine.Sides(editedAgain,
        new DavEntry("doc.txt", false, "e2", 6, null, "f1", null, null)));

    ApiClient.Response changed = resolve(library.getValue().id(), "{\"strategy\": \"keep_remote\"}");

    assertEquals(409, changed.status(), changed.toString());
    assertEquals("sides_changed", changed.json().get("reason").asText());
    assertTrue(changed.error().contains("'doc.txt' changed since the conflict was recorded"), changed.error());
    assertEquals("open", api.get("/api/v1/libraries/" + library.getKey() + "/conflicts").json().get(0).get("state").asText());
  }

  @Test
  void resolvingNeedsAStrategyThatEndsTheConflictAndAConflictThatExists() throws Exception {
    var library = libraryWithAnOpenConflict();
    String conflictId = library.getValue().id();
    for (String body : List.of("{\"strategy\": \"manual\"}", "{\"strategy\": \"coin_flip\"}")) {
      ApiClient.Response refused = resolve(conflictId, body);
      assertEquals(400, refused.status(), refused.toString());
      assertTrue(refused.error().contains("strategy must be one of 'keep_local', 'keep_remote', 'keep_newest', 'keep_both'"), refused.error());
    }
    assertEquals(400, resolve(conflictId, "{}").status());
    ApiClient.Response unknown = resolve("no-such-conflict", "{\"strategy\": \"keep_both\"}");
    assertEquals(404, unknown.status(), unknown.toString());
    assertEquals("unknown conflict: no-such-conflict", unknown.error());
    assertEquals(405, api.get("/api/v1/conflicts/" + conflictId + "/resolve").status(), "POST only");
  }

  @Test
  void noResponseEverCarriesThePassword() {
    JsonNode library = createLibrary();
    Map<String, String> paths = new HashMap<>();
    paths.put("connections", "/api/v1/connections");
    paths.put("connection", "/api/v1/connections/" + library.get("connectionId").asText());
    paths.put("libraries", "/api/v1/libraries");
    paths.put("status", "/api/v1/libraries/" + library.get("id").asText() + "/status");
    paths.forEach((what, path) -> assertFalse(api.get(path).body().contains(PASSWORD), what));
  }

  /** Key, value, key, value …: more pairs than Map.of takes. */
  private static Map<String, String> pairs(String... keysAndValues) {
    Map<String, String> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) map.put(keysAndValues[i], keysAndValues[i + 1]);
    return map;
  }
}
