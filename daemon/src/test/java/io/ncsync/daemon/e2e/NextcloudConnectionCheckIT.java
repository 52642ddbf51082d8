package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** POST /api/v1/connections/{id}/test says precisely what is wrong with a connection, and never shows its secret. */
class NextcloudConnectionCheckIT extends NextcloudE2eBase {

  @Test
  void aGoodConnectionChecksOkAndABadPasswordIsNamedAsSuch() {
    AdminApi.Response good = api.call("POST", "/api/v1/connections/" + connectionId + "/test", "");
    assertEquals(200, good.status(), good.body());
    assertTrue(good.field("ok").asBoolean(), good.body());
    assertEquals("ok", good.field("outcome").asText());
    assertTrue(good.field("serverPromises").path("ifNoneMatch").asBoolean(false), good.body());
    assertTrue(good.field("serverPromises").path("ifMatch").asBoolean(false), good.body());
    assertTrue(good.field("serverPromises").path("moveChangesFolderEtag").asBoolean(false), good.body());
    assertTrue(good.field("serverPromises").path("moveOverwriteF").asBoolean(false), good.body());
    assertFalse(good.field("serverPromises").path("fullWalks").asBoolean(true), "an honest Nextcloud is pruned");

    String wrongPassword = "not-the-app-password-" + System.nanoTime();
    // Not saved while its test fails, with the precise reason; saved when the operator says so.
    AdminApi.Response notSaved = api.call("POST", "/api/v1/connections",
        nextcloudConnection("wrong-password", server.baseUrl(), server.loginName(), wrongPassword));
    assertEquals(400, notSaved.status(), notSaved.body());
    assertEquals("connection_test_failed", notSaved.field("error").asText(), notSaved.body());
    assertEquals("bad_credentials", notSaved.field("outcome").asText(), notSaved.body());
    assertFalse(notSaved.body().contains(wrongPassword), "the secret never appears in a response");
    assertFalse(api.call("GET", "/api/v1/connections", "").body().contains("wrong-password"), "nothing was saved");
    String bad = api.createConnection(nextcloudConnection("wrong-password", server.baseUrl(), server.loginName(),
        wrongPassword).put("skipTest", true));
    AdminApi.Response refused = api.call("POST", "/api/v1/connections/" + bad + "/test", "");
    assertEquals(200, refused.status(), refused.body());
    assertFalse(refused.field("ok").asBoolean(), refused.body());
    assertEquals("bad_credentials", refused.field("outcome").asText(), refused.body());
    assertFalse(refused.body().contains(wrongPassword), "the secret never appears in a response");
    assertTrue(refused.field("serverPromises").isNull(), "no probe on a connection that does not work");

    String nowhere = api.createConnection(nextcloudConnection("nowhere", java.net.URI.create("http://127.0.0.1:1/"),
        server.loginName(), server.appPassword()).put("skipTest", true));
    AdminApi.Response unreachable = api.call("POST", "/api/v1/connections/" + nowhere + "/test", "");
    assertEquals("connect_failure", unreachable.field("outcome").asText(), unreachable.body());

    assertEquals(404, api.call("POST", "/api/v1/connections/no-such-connection/test", "").status());
  }

  @Test
  void theServersFoldersAreBrowsedOneLevelAtATime() {
    remote.mkdirs("Browse/Invoices/2026");
    remote.mkdirs("Browse/Contracts");
    remote.put("Browse/readme.txt", "not a folder");
    AdminApi.Response listed = api.call("GET", "/api/v1/connections/" + connectionId + "/folders?path=Browse", "");
    assertEquals(200, listed.status(), listed.body());
    assertEquals("[\"Contracts\",\"Invoices\"]", listed.field("folders").toString(), "folders only, one level");
    AdminApi.Response deeper = api.call("GET", "/api/v1/connections/" + connectionId
        + "/folders?path=Browse/Invoices", "");
    assertEquals("[\"2026\"]", deeper.field("folders").toString());
    assertEquals(404, api.call("GET", "/api/v1/connections/" + connectionId + "/folders?path=Nowhere", "").status());
  }
}
