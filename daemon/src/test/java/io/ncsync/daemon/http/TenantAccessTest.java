package io.ncsync.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.daemon.FakeSyncEngine;
import io.ncsync.daemon.TestDaemons;
import io.ncsync.daemon.config.Settings;
import io.ncsync.persistence.tenant.Role;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants, tokens and roles over HTTP against a real daemon (fake engine): every endpoint of {@link Endpoint} is called
 * with each role (allowed: never 401 or 403; denied: 403 naming the role it needs) and with tokens of another tenant
 * (404 exactly like an unknown id, nothing changed).
 */
class TenantAccessTest {
  @TempDir static Path dataDir;
  static final FakeSyncEngine io = new FakeSyncEngine();
  static TestDaemons.Running daemon;
  static ApiClient system;

  /** Two tenants, their tokens by role, and what tenant B owns. */
  static Tenant a;
  static Tenant b;

  record Tenant(String id, Map<Role, ApiClient> clients, Map<Role, String> tokens, String connectionId,
      String libraryId, String tokenId) {}

  @BeforeAll
  static void start() throws Exception {
    daemon = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), io.factory());
    system = new ApiClient(daemon.baseUrl(), TestDaemons.TOKEN);
    a = tenant("acme");
    b = tenant("beta");
  }

  @AfterAll
  static void stop() {
    if (daemon != null) daemon.close();
  }

  private static Tenant tenant(String name) {
    ApiClient.Response created = system.post("/api/v1/tenants", ApiClient.json(Map.of("name", name)));
    assertEquals(201, created.status(), created.toString());
    String id = created.json().get("id").asText();
    Map<Role, ApiClient> clients = new EnumMap<>(Role.class);
    Map<Role, String> tokens = new EnumMap<>(Role.class);
    String adminTokenId = null;
    for (Role role : List.of(Role.VIEWER, Role.MANAGER, Role.ADMIN)) {
      ApiClient.Response token = system.post("/api/v1/tenants/" + id + "/tokens",
          ApiClient.json(Map.of("name", role.wireName(), "role", role.wireName())));
      assertEquals(201, token.status(), token.toString());
      assertEquals(role.wireName(), token.json().get("role").asText());
      tokens.put(role, token.json().get("token").asText());
      clients.put(role, new ApiClient(daemon.baseUrl(), token.json().get("token").asText()));
      if (role == Role.ADMIN) adminTokenId = token.json().get("id").asText();
    }
    ApiClient manager = clients.get(Role.MANAGER);
    String connectionId = TestDaemons.createConnection(manager, "conn-" + name);
    String libraryId = TestDaemons.createLibrary(manager, connectionId, "lib-" + name);
    return new Tenant(id, clients, tokens, connectionId, libraryId, adminTokenId);
  }

  private static ApiClient.Response call(ApiClient client, Endpoint endpoint, String path, String body) {
    HttpRequest.Builder request = client.request("/api/v1" + path);
    HttpRequest.BodyPublisher publisher = body == null
        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
    if (body != null) request.header("Content-Type", "application/json");
    return client.send(request.method(endpoint.method(), publisher).build());
  }

  /** The path values of {@code tenant}'s own resources, or ids nobody has where it has none of that kind. */
  private static String[] values(Endpoint endpoint, Tenant tenant) {
    return endpoint.pathParameters().stream().map(name -> switch (name) {
      case "tenantId" -> tenant.id();
      case "tokenId" -> tenant.tokenId();
      case "connectionId" -> tenant.connectionId();
      case "libraryId" -> tenant.libraryId();
      case "documentId" -> "f42";
      default -> "no-such-" + name;
    }).toArray(String[]::new);
  }

  /** A body that fails validation where one is expected (a number where no number belongs), so allowed calls change nothing. */
  private static String invalidBody(Endpoint endpoint) {
    return endpoint.requestBody() == null ? null : "{\"name\": 5}";
  }

  private static boolean destroys(Endpoint endpoint) {
    return endpoint.method().equals("DELETE");
  }

  @Test
  void everyEndpointChecksTheRoleOfTheToken() {
    for (Endpoint endpoint : Endpoint.values()) {
      for (Role role : List.of(Role.VIEWER, Role.MANAGER, Role.ADMIN)) {
        // Deletions allowed to this role are aimed at ids nobody has; the rest at the tenant's own things.
        String[] values = role.includes(endpoint.role()) && destroys(endpoint)
            ? endpoint.pathParameters().stream().map(n -> n.equals("tenantId") ? a.id() : "no-such-" + n).toArray(String[]::new)
            : values(endpoint, a);
        ApiClient.Response response = call(a.clients().get(role), endpoint, endpoint.pathWith(values), invalidBody(endpoint));
        String what = role.wireName() + " " + endpoint + ": " + response;
        if (role.includes(endpoint.role())) {
          assertNotEquals(401, response.status(), what);
          assertNotEquals(403, response.status(), what);
          assertFalse(String.valueOf(response.error()).startsWith("no such endpoint"), what);
          assertNotEquals(405, response.status(), what);
          if (endpoint.requestBody() != null) {
            // Bad input is refused as such, naming the problem, before anything is done.
            assertEquals(400, response.status(), what);
            assertEquals("bad_request", response.errorCode(), what);
          }
        } else {
          assertEquals(403, response.status(), what);
          assertEquals("forbidden", response.errorCode(), what);
          assertEquals(endpoint.role().wireName(), response.json().get("requiredRole").asText(), what);
        }
      }
    }
    assertEquals(200, a.clients().get(Role.VIEWER).get("/api/v1/libraries/" + a.libraryId()).status(),
        "nothing of tenant a was deleted");
  }

  @Test
  void anotherTenantsIdsAnswer404LikeUnknownOnesAndNothingChanges() {
    String before = snapshotOf(b);
    for (Endpoint endpoint : Endpoint.values()) {
      if (endpoint.pathParameters().isEmpty()) continue;
      for (Role role : List.of(Role.VIEWER, Role.MANAGER, Role.ADMIN)) {
        if (!role.includes(endpoint.role())) continue;
        String body = endpoint.requestBody() == null ? null : validBody(endpoint);
        String query = endpoint == Endpoint.LIBRARY_DELETE ? "?detach=keep" : "";
        ApiClient.Response foreign = call(a.clients().get(role), endpoint, endpoint.pathWith(values(endpoint, b)) + query,
            body);
        String what = role.wireName() + " of a on " + endpoint + " of b: " + foreign;
        assertEquals(404, foreign.status(), what);
        assertEquals("not_found", foreign.errorCode(), what);
        String[] unknownValues = endpoint.pathParameters().stream().map(n -> n.equals("documentId") ? "f42"
            : List.of("tenantId", "tokenId", "connectionId", "libraryId").contains(n)
                ? "00000000-0000-0000-0000-00000000000" + n.length() % 10 : "no-such-" + n).toArray(String[]::new);
        ApiClient.Response unknown = call(a.clients().get(role), endpoint, endpoint.pathWith(unknownValues) + query, body);
        assertEquals(404, unknown.status(), what);
        String foreignMessage = foreign.error();
        for (String value : List.of(b.id(), b.tokenId(), b.connectionId(), b.libraryId())) {
          foreignMessage = foreignMessage.replace(value, "ID");
        }
        assertEquals(unknown.error().replaceAll("0{8}-0{4}-0{4}-0{4}-0{11}\\d", "ID"), foreignMessage, what);
      }
    }
    assertEquals(before, snapshotOf(b), "tenant b is unchanged");
  }

  /** A body that passes validation, so a foreign id is the only thing wrong with the request. */
  private static String validBody(Endpoint endpoint) {
    return switch (endpoint) {
      case TOKEN_CREATE -> "{\"name\": \"intruder\", \"role\": \"viewer\"}";
      case TENANT_UPDATE -> "{\"remoteBaseFolder\": \"taken-over\"}";
      case CONNECTION_UPDATE -> "{\"name\": \"renamed-by-a\"}";
      case LIBRARY_UPDATE -> "{\"enabled\": false}";
      case DOCUMENT_LOCK -> "{\"owner\": \"intruder\"}";
      case GUARD_RESOLVE -> "{\"action\": \"confirm\"}";
      case FAILURES_RETRY -> "{}";
      case CONFLICT_RESOLVE -> "{\"strategy\": \"keep_local\"}";
      default -> "{}";
    };
  }

  private static String snapshotOf(Tenant tenant) {
    ApiClient admin = tenant.clients().get(Role.ADMIN);
    return String.join("\n", admin.get("/api/v1/connections").body(), admin.get("/api/v1/libraries").body(),
        admin.get("/api/v1/tenants/" + tenant.id() + "/tokens").body());
  }

  @Test
  void listsShowOnlyTheTokensOwnTenant() {
    for (Role role : List.of(Role.VIEWER, Role.MANAGER, Role.ADMIN)) {
      ApiClient client = a.clients().get(role);
      for (String path : List.of("/api/v1/connections", "/api/v1/libraries", "/api/v1/tenants")) {
        ApiClient.Response listed = client.get(path);
        assertEquals(200, listed.status(), path);
        for (String foreign : List.of(b.id(), b.connectionId(), b.libraryId())) {
          assertFalse(listed.body().contains(foreign), role + " " + path + " shows " + foreign + ": " + listed.body());
        }
      }
      JsonNode tenants = client.get("/api/v1/tenants").json();
      assertEquals(1, tenants.size());
      assertEquals(a.id(), tenants.get(0).get("id").asText());
    }
    JsonNode all = system.get("/api/v1/tenants").json();
    List<String> ids = new ArrayList<>();
    all.forEach(t -> ids.add(t.get("id").asText()));
    assertTrue(ids.containsAll(List.of("default", a.id(), b.id())), ids.toString());
  }

  @Test
  void eachTenantHasItsOwnWorkspacesFolder() {
    JsonNode library = a.clients().get(Role.VIEWER).get("/api/v1/libraries/" + a.libraryId()).json();
    assertEquals("lib-acme", library.get("localPath").asText());
    String localRoot = io.prepared.stream().filter(c -> c.libraryId().equals(a.libraryId())).findFirst().orElseThrow()
        .localRoot();
    assertTrue(localRoot.endsWith("/tenants/" + a.id() + "/lib-acme"), localRoot);
    assertTrue(Files.isDirectory(Path.of(localRoot).getParent()), "the tenant's folder was made with its first library");
    ApiClient.Response reserved = system.post("/api/v1/libraries", ApiClient.json(Map.of("name", "sneaky",
        "connectionId", TestDaemons.createConnection(system, "conn-" + UUID.randomUUID()),
        "localPath", "tenants/" + a.id() + "/lib-acme/inner", "remotePath", "sneaky")));
    assertEquals(400, reserved.status(), reserved.toString());
    assertEquals("localPath", reserved.json().get("field").asText());
  }

  @Test
  void aSystemTokenActsForTheTenantItNamesAndOthersMayNot() {
    HttpRequest asB = system.request("/api/v1/libraries").header(BearerAuth.TENANT_HEADER, b.id()).GET().build();
    ApiClient.Response libraries = system.send(asB);
    assertEquals(200, libraries.status(), libraries.toString());
    assertTrue(libraries.body().contains(b.libraryId()), libraries.body());

    ApiClient admin = a.clients().get(Role.ADMIN);
    ApiClient.Response refused = admin.send(admin.request("/api/v1/libraries")
        .header(BearerAuth.TENANT_HEADER, b.id()).GET().build());
    assertEquals(403, refused.status(), refused.toString());
    assertFalse(refused.body().contains(b.libraryId()));
    ApiClient.Response unknownTenant = admin.send(admin.request("/api/v1/libraries")
        .header(BearerAuth.TENANT_HEADER, "no-such-tenant").GET().build());
    assertEquals(403, unknownTenant.status(), "the same answer whether the tenant exists or not");

    ApiClient.Response missing = system.send(system.request("/api/v1/libraries")
        .header(BearerAuth.TENANT_HEADER, "no-such-tenant").GET().build());
    assertEquals(404, missing.status(), missing.toString());
  }

  @Test
  void tokensAreShownOnceNeverRiseAboveTheirIssuerAndStopWorkingWhenRevoked() throws Exception {
    ApiClient admin = a.clients().get(Role.ADMIN);
    ApiClient.Response issued = admin.post("/api/v1/tenants/" + a.id() + "/tokens",
        ApiClient.json(Map.of("name", "ci", "role", "viewer")));
    assertEquals(201, issued.status(), issued.toString());
    String secret = issued.json().get("token").asText();
    String id = issued.json().get("id").asText();
    assertTrue(secret.startsWith("ncs_" + id + "_"), "the token names its id");

    ApiClient.Response listed = admin.get("/api/v1/tenants/" + a.id() + "/tokens");
    assertFalse(listed.body().contains(secret), "a listing never shows a secret");
    assertTrue(listed.body().contains(id));
    for (JsonNode token : listed.json()) assertNull(token.get("token"));

    ApiClient.Response escalation = admin.post("/api/v1/tenants/" + a.id() + "/tokens",
        ApiClient.json(Map.of("name", "root", "role", "system")));
    assertEquals(403, escalation.status(), escalation.toString());
    ApiClient.Response badRole = admin.post("/api/v1/tenants/" + a.id() + "/tokens",
        ApiClient.json(Map.of("name", "x", "role", "owner")));
    assertEquals(400, badRole.status());
    assertEquals("role", badRole.json().get("field").asText());
    ApiClient.Response systemElsewhere = system.post("/api/v1/tenants/" + a.id() + "/tokens",
        ApiClient.json(Map.of("name", "root", "role", "system")));
    assertEquals(400, systemElsewhere.status(), systemElsewhere.toString());

    ApiClient ci = new ApiClient(daemon.baseUrl(), secret);
    assertEquals(200, ci.get("/api/v1/libraries").status());
    ApiClient forged = new ApiClient(daemon.baseUrl(), secret.substring(0, secret.length() - 1)
        + (secret.endsWith("A") ? "B" : "A"));
    assertEquals(401, forged.get("/api/v1/libraries").status(), "a token is matched on all of its secret");
    assertEquals(200, admin.delete("/api/v1/tokens/" + id).status());
    assertEquals(401, ci.get("/api/v1/libraries").status(), "a revoked token no longer works");
    assertEquals(404, admin.delete("/api/v1/tokens/" + id).status());

    assertSecretNotStored(secret);
  }

  private static void assertSecretNotStored(String secret) throws Exception {
    try (Connection c = DriverManager.getConnection(Settings.defaultSqliteUrl(dataDir));
        ResultSet rs = c.createStatement().executeQuery("select \"event_payload\" from \"event_journal\"")) {
      while (rs.next()) {
        String payload = new String(rs.getBytes(1), StandardCharsets.ISO_8859_1);
        assertFalse(payload.contains(secret.substring(21)), "the journal holds a token's secret");
      }
    }
  }

  @Test
  void aTenantIsDeletedOnlyWithoutLibrariesAndItsTokensGoWithIt() {
    ApiClient.Response created = system.post("/api/v1/tenants", ApiClient.json(Map.of("name", "short-lived")));
    String id = created.json().get("id").asText();
    assertEquals(409, system.post("/api/v1/tenants", ApiClient.json(Map.of("name", "short-lived"))).status(),
        "names are unique");
    ApiClient.Response token = system.post("/api/v1/tenants/" + id + "/tokens",
        ApiClient.json(Map.of("name", "m", "role", "admin")));
    ApiClient admin = new ApiClient(daemon.baseUrl(), token.json().get("token").asText());
    String connectionId = TestDaemons.createConnection(admin, "c");
    String libraryId = TestDaemons.createLibrary(admin, connectionId, "only");

    ApiClient.Response refused = system.delete("/api/v1/tenants/" + id);
    assertEquals(409, refused.status(), refused.toString());
    assertTrue(refused.error().contains("1 libraries"), refused.error());
    assertEquals(409, admin.delete("/api/v1/connections/" + connectionId).status(), "a connection in use stays");
    assertEquals(200, admin.delete("/api/v1/libraries/" + libraryId + "?detach=keep").status());
    assertEquals(200, admin.delete("/api/v1/connections/" + connectionId).status());
    assertEquals(404, admin.get("/api/v1/connections/" + connectionId).status());
    assertEquals(200, system.delete("/api/v1/tenants/" + id).status());
    assertEquals(401, admin.get("/api/v1/libraries").status(), "the tenant's tokens went with it");
    assertEquals(404, system.get("/api/v1/tenants/" + id).status());
    assertEquals(409, system.delete("/api/v1/tenants/default").status());
  }

  @Test
  void aConnectionCanBeChangedAndTheChangeIsValidatedWhole() {
    ApiClient manager = a.clients().get(Role.MANAGER);
    String id = TestDaemons.createConnection(manager, "to-change-" + UUID.randomUUID());
    Map<String, Object> patch = new LinkedHashMap<>();
    patch.put("name", "changed-" + id);
    patch.put("requestsPerSecond", 7);
    patch.put("skipTest", true);
    ApiClient.Response changed = manager.patch("/api/v1/connections/" + id, ApiClient.json(patch));
    assertEquals(200, changed.status(), changed.toString());
    assertEquals(7, changed.json().get("requestsPerSecond").asInt());
    assertEquals("changed-" + id, manager.get("/api/v1/connections/" + id).json().get("name").asText());

    ApiClient.Response bad = manager.patch("/api/v1/connections/" + id,
        "{\"name\": \"never-stored\", \"requestsPerSecond\": -4}");
    assertEquals(400, bad.status());
    assertEquals("requestsPerSecond", bad.json().get("field").asText());
    assertEquals("changed-" + id, manager.get("/api/v1/connections/" + id).json().get("name").asText(),
        "nothing changes on a failed request");

    ApiClient.Response backToDefault = manager.patch("/api/v1/connections/" + id, "{\"requestsPerSecond\": null}");
    assertEquals(200, backToDefault.status(), backToDefault.toString());
    assertTrue(backToDefault.json().get("requestsPerSecond").isNull());

    ApiClient.Response untested = manager.patch("/api/v1/connections/" + id,
        "{\"url\": \"https://127.0.0.1:1/nothing-listens\"}");
    assertEquals(400, untested.status(), untested.toString());
    assertEquals("connection_test_failed", untested.errorCode());
    assertEquals("https://cloud.example.com", manager.get("/api/v1/connections/" + id).json().get("url").asText());
  }
}
