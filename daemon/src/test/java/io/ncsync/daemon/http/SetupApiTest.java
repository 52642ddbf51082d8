package io.ncsync.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.daemon.TestDaemons;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** POST /api/v1/setup, default folders, and creations that fail leaving nothing behind. */
class SetupApiTest extends InProcessDaemonTest {

  @AfterEach
  void prepareAgain() {
    io.failPrepare(null);
  }

  private static Map<String, Object> connection(String name) {
    Map<String, Object> connection = new LinkedHashMap<>();
    connection.put("name", name);
    connection.put("url", "https://cloud.example.com");
    connection.put("username", "alice");
    connection.put("appPassword", "pw");
    connection.put("skipTest", true);
    return connection;
  }

  @Test
  void oneCallMakesTheConnectionAndTheLibraryWithDefaultFolders() {
    ApiClient.Response made = api.post("/api/v1/setup", ApiClient.json(Map.of(
        "connection", connection("acme cloud"), "library", Map.of("name", "Team: Docs/2026", "mode", "remote_to_local"))));
    assertEquals(201, made.status(), made.toString());
    JsonNode library = made.json().get("library");
    assertEquals(made.json().get("connection").get("id").asText(), library.get("connectionId").asText());
    assertEquals("Team- Docs-2026", library.get("localPath").asText(), "the name as one folder name");
    assertEquals("Team- Docs-2026", library.get("remotePath").asText());
    assertEquals("remote_to_local", library.get("mode").asText());
    assertEquals(200, api.get("/api/v1/libraries/" + library.get("id").asText()).status());
  }

  @Test
  void aTenantsRemoteBaseFolderHoldsItsNewLibraries() {
    String tenant = api.post("/api/v1/tenants", ApiClient.json(Map.of("name", "based"))).json().get("id").asText();
    ApiClient admin = new ApiClient(daemon.baseUrl(), api.post("/api/v1/tenants/" + tenant + "/tokens",
        ApiClient.json(Map.of("name", "a", "role", "admin"))).json().get("token").asText());
    ApiClient.Response based = admin.patch("/api/v1/tenants/" + tenant, "{\"remoteBaseFolder\": \"/Customers/Based/\"}");
    assertEquals(200, based.status(), based.toString());
    assertEquals("Customers/Based", based.json().get("remoteBaseFolder").asText());
    assertEquals(403, admin.patch("/api/v1/tenants/" + tenant, "{\"name\": \"renamed\"}").status(),
        "only system renames a tenant");
    assertEquals(400, admin.patch("/api/v1/tenants/" + tenant, "{\"remoteBaseFolder\": \"a/../b\"}").status());

    JsonNode library = admin.post("/api/v1/setup", ApiClient.json(Map.of("connection", connection("based-c"),
        "library", Map.of("name", "Invoices")))).json().get("library");
    assertEquals("Customers/Based/Invoices", library.get("remotePath").asText(), library.toString());

    assertEquals(200, admin.patch("/api/v1/tenants/" + tenant, "{\"remoteBaseFolder\": null}").status());
    assertTrue(api.get("/api/v1/tenants/" + tenant).json().get("remoteBaseFolder").isNull(), "back to the default");
    assertEquals(200, api.patch("/api/v1/tenants/" + tenant, "{\"name\": \"renamed\"}").status());
  }

  @Test
  void aSetupWhoseLibraryFailsLeavesNeitherConnectionNorFolder() {
    io.failPrepare("MKCOL 'Shared' failed: 403 Forbidden");
    String before = api.get("/api/v1/connections").body();
    ApiClient.Response refused = api.post("/api/v1/setup", ApiClient.json(Map.of(
        "connection", connection("doomed"), "library", Map.of("name", "doomed-lib"))));
    assertEquals(502, refused.status(), refused.toString());
    assertTrue(refused.error().contains("403 Forbidden"), refused.toString());
    assertEquals(before, api.get("/api/v1/connections").body(), "the connection was removed again");
    assertFalse(Files.exists(dataDir.resolve("workspaces").resolve("doomed-lib")), "the local folder was removed");
  }

  @Test
  void aFailedLibraryCreationRemovesTheFolderItMadeButNeverAUsersFolder() throws Exception {
    String connectionId = TestDaemons.createConnection(api, "c-" + System.nanoTime());
    io.failPrepare("MKCOL failed: 507 Insufficient Storage");
    ApiClient.Response made = api.post("/api/v1/libraries", ApiClient.json(Map.of("name", "fresh", "connectionId",
        connectionId, "localPath", "fresh", "remotePath", "fresh")));
    assertEquals(502, made.status(), made.toString());
    assertFalse(Files.exists(dataDir.resolve("workspaces").resolve("fresh")));

    Path users = Files.createDirectories(dataDir.resolve("workspaces").resolve("users-own"));
    ApiClient.Response again = api.post("/api/v1/libraries", ApiClient.json(Map.of("name", "own", "connectionId",
        connectionId, "localPath", "users-own", "remotePath", "own")));
    assertEquals(502, again.status());
    assertTrue(Files.isDirectory(users), "a folder that existed before is never removed");
  }

  @Test
  void aSetupIsValidatedWholeBeforeAnythingIsMade() {
    String before = api.get("/api/v1/connections").body();
    ApiClient.Response badLibrary = api.post("/api/v1/setup", ApiClient.json(Map.of(
        "connection", connection("never"), "library", Map.of("name", "x", "mode", "sideways"))));
    assertEquals(400, badLibrary.status(), badLibrary.toString());
    ApiClient.Response withConnectionId = api.post("/api/v1/setup", ApiClient.json(Map.of(
        "connection", connection("never"), "library", Map.of("name", "x", "connectionId", "c"))));
    assertEquals("library.connectionId", withConnectionId.json().get("field").asText());
    Map<String, Object> untested = connection("never");
    untested.remove("skipTest");
    ApiClient.Response failedTest = api.post("/api/v1/setup", ApiClient.json(Map.of(
        "connection", untested, "library", Map.of("name", "x"))));
    assertEquals(400, failedTest.status());
    assertEquals("connection_test_failed", failedTest.errorCode());
    assertEquals(before, api.get("/api/v1/connections").body(), "nothing was made");
  }

  @Test
  void remoteFoldersOfAnUnreachableServerAreA502NamingTheReason() {
    String connectionId = TestDaemons.createConnection(api, "browse-" + System.nanoTime());
    ApiClient.Response listed = api.get("/api/v1/connections/" + connectionId + "/folders?path=Documents");
    assertEquals(502, listed.status(), listed.toString());
    assertTrue(listed.error().contains("could not list 'Documents'"), listed.toString());
    assertEquals(400, api.get("/api/v1/connections/" + connectionId + "/folders?path=a/../b").status());
    assertEquals(404, api.get("/api/v1/connections/nope/folders").status());
  }
}
