package io.ncsync.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.pattern.StatusReply;
import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.connections.ConnectionRemoteStores;
import io.ncsync.daemon.db.JdbcDataKeys;
import io.ncsync.daemon.http.ApiClient;
import io.ncsync.daemon.http.BearerAuth;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.daemon.security.MasterKey;
import io.ncsync.daemon.security.SecretFiles;
import io.ncsync.daemon.security.TenantKeys;
import io.ncsync.persistence.tenant.ConnectionKind;
import io.ncsync.persistence.tenant.ConnectionRecord;
import io.ncsync.persistence.tenant.Tenant;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master key rotates inside a running daemon (API and {@code ncsync keys rotate}), secrets from before data keys
 * are moved under them first, and the daemon starts again on the new key and only on it.
 */
class KeyRotationDaemonTest {
  private static final Duration ASK = Duration.ofSeconds(10);

  @TempDir Path dataDir;

  @Test
  void theKeyFileIsReplacedWhileTheDaemonRunsAndOlderSecretsMoveUnderDataKeys() throws Exception {
    Map<String, String> env = TestDaemons.embeddedEnv(dataDir);
    Path keyFile = dataDir.resolve(MasterKey.FILE_NAME);
    String acmeId;
    try (TestDaemons.Running d = TestDaemons.start(env, new FakeSyncEngine().factory())) {
      ApiClient api = new ApiClient(d.baseUrl(), TestDaemons.TOKEN);
      TestDaemons.createConnection(api, "current");
      String oldKey = Files.readString(keyFile).trim();
      addConnection(d, "default", new ConnectionRecord("legacy1", "legacy", ConnectionKind.NEXTCLOUD,
          "https://old.example.com", "bob", v1(oldKey, "old-password", "connection:default/legacy1"), false,
          Instant.now()));
      StatusReply<io.ncsync.persistence.tenant.WebhookRecord> hook = ClusterSharding.get(d.daemon().system())
          .entityRefFor(Tenant.ENTITY_KEY, "default")
          .<StatusReply<io.ncsync.persistence.tenant.WebhookRecord>>ask(r -> new Tenant.AddWebhook(
              new io.ncsync.persistence.tenant.WebhookRecord("hook1", "https://hooks.example.com", List.of(),
                  v1(oldKey, "hook-secret", "webhook:default/hook1"), Instant.now()), r), ASK)
          .toCompletableFuture().get(15, TimeUnit.SECONDS);
      assertTrue(hook.isSuccess(), hook.toString());

      ApiClient.Response rotated = api.post("/api/v1/keys/rotate", "{}");

      assertEquals(200, rotated.status(), rotated.toString());
      String newKey = Files.readString(keyFile).trim();
      assertNotEquals(oldKey, newKey);
      assertEquals(1, rotated.json().get("dataKeysRewrapped").asInt(), rotated.toString());
      assertEquals(2, rotated.json().get("secretsMigrated").asInt(), rotated.toString());
      assertEquals(keyFile.toString(), rotated.json().get("keyLocation").asText());
      assertEquals(MasterKey.decode(newKey, "file").fingerprint(), rotated.json().get("fingerprint").asText());
      assertFalse(rotated.body().contains(newKey) || rotated.body().contains(oldKey), "no key in the answer");
      for (ConnectionRecord c : connections(d, "default")) {
        assertTrue(c.encryptedSecret().startsWith("v2:"), c + " is under the tenant's data key now");
      }

      // The running daemon goes on: it encrypts for its tenants and makes (new-key-wrapped) keys for new ones.
      TestDaemons.createConnection(api, "after-rotation");
      acmeId = api.post("/api/v1/tenants", ApiClient.json(Map.of("name", "Acme"))).json().get("id").asText();
      HttpRequest asAcme = api.request("/api/v1/connections").header(BearerAuth.TENANT_HEADER, acmeId)
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(ApiClient.json(Map.of(
              "name", "acme-cloud", "url", "https://acme.example.com", "username", "carol", "appPassword", "acme-pw",
              "skipTest", true)))).build();
      assertEquals(201, api.send(asAcme).status());
      assertEquals(2, new JdbcDataKeys(settings(env).dbUrl(), null, null).all().size());
    }

    // A restart reads every secret with the new key file, and the old key opens nothing.
    try (TestDaemons.Running d = TestDaemons.start(env, new FakeSyncEngine().factory())) {
      CredentialCipher cipher = cipherFromFiles(env);
      Map<String, String> passwords = new HashMap<>();
      for (ConnectionRecord c : connections(d, "default")) passwords.put(c.name(), decrypt(cipher, "default", c));
      assertEquals(Map.of("current", "pw", "legacy", "old-password", "after-rotation", "pw"), passwords);
      assertEquals("acme-pw", decrypt(cipher, acmeId, connections(d, acmeId).get(0)));
      io.ncsync.persistence.tenant.WebhookRecord hook = ClusterSharding.get(d.daemon().system())
          .entityRefFor(Tenant.ENTITY_KEY, "default").<Tenant.Webhooks>ask(Tenant.ListWebhooks::new, ASK)
          .toCompletableFuture().get(15, TimeUnit.SECONDS).webhooks().get(0);
      assertEquals("hook-secret", cipher.decrypt("default", hook.encryptedSecret(),
          io.ncsync.daemon.webhooks.WebhookDispatcher.associatedData("default", "hook1")));
    }
  }

  @Test
  void withAConfiguredKeyTheNewKeyComesWithTheCallAndTheOldOneIsRefusedAfterwards() throws Exception {
    String oldKey = MasterKey.generate().encoded();
    String newKey = MasterKey.generate().encoded();
    Map<String, String> env = new HashMap<>(TestDaemons.embeddedEnv(dataDir));
    env.put("NCSYNC_SECRET_KEY", oldKey);
    try (TestDaemons.Running d = TestDaemons.start(env, new FakeSyncEngine().factory())) {
      ApiClient api = new ApiClient(d.baseUrl(), TestDaemons.TOKEN);
      TestDaemons.createConnection(api, "current");

      ApiClient.Response missing = api.post("/api/v1/keys/rotate", "{}");
      assertEquals(400, missing.status(), missing.toString());
      assertEquals("newKey", missing.json().get("field").asText());
      assertTrue(missing.error().contains("NCSYNC_SECRET_KEY"), missing.toString());
      assertEquals(400, api.post("/api/v1/keys/rotate", ApiClient.json(Map.of("newKey", "short"))).status());

      ApiClient.Response rotated = api.post("/api/v1/keys/rotate", ApiClient.json(Map.of("newKey", newKey)));
      assertEquals(200, rotated.status(), rotated.toString());
      assertEquals("NCSYNC_SECRET_KEY", rotated.json().get("keyLocation").asText());
      assertFalse(rotated.body().contains(newKey));
      assertFalse(Files.exists(dataDir.resolve(MasterKey.FILE_NAME)), "no key file is written");
    }

    Daemon.StartupException refused = assertThrows(Daemon.StartupException.class,
        () -> TestDaemons.start(env, new FakeSyncEngine().factory()));
    assertTrue(refused.getMessage().contains("NCSYNC_SECRET_KEY"), refused.getMessage());
    assertTrue(refused.getMessage().contains("rotat"), refused.getMessage());

    env.put("NCSYNC_SECRET_KEY", newKey);
    try (TestDaemons.Running d = TestDaemons.start(env, new FakeSyncEngine().factory())) {
      assertEquals("pw", decrypt(cipherFromFiles(env), "default", connections(d, "default").get(0)));
    }
  }

  @Test
  void theCommandLineRotatesThroughTheRunningDaemon() throws Exception {
    Map<String, String> env = TestDaemons.embeddedEnv(dataDir);
    Path tokenFile = dataDir.resolve("cli-token");
    SecretFiles.create(tokenFile, TestDaemons.TOKEN);
    String baseUrl;
    try (TestDaemons.Running d = TestDaemons.start(env, new FakeSyncEngine().factory())) {
      baseUrl = d.baseUrl();
      TestDaemons.createConnection(new ApiClient(d.baseUrl(), TestDaemons.TOKEN), "current");
      String oldKey = Files.readString(dataDir.resolve(MasterKey.FILE_NAME));

      Cli run = cli(env, baseUrl, tokenFile);

      assertEquals(0, run.exitCode(), run.err());
      assertTrue(run.out().contains("new key in: " + dataDir.resolve(MasterKey.FILE_NAME)), run.out());
      assertNotEquals(oldKey, Files.readString(dataDir.resolve(MasterKey.FILE_NAME)));

      Path wrongToken = dataDir.resolve("wrong-token");
      SecretFiles.create(wrongToken, "not-the-token-0123456789abcdef0123456789");
      Cli unauthorized = cli(env, baseUrl, wrongToken);
      assertEquals(1, unauthorized.exitCode());
      assertTrue(unauthorized.err().contains("refused the rotation (401)"), unauthorized.err());
    }
    Cli noDaemon = cli(env, baseUrl, tokenFile);
    assertEquals(1, noDaemon.exitCode());
    assertTrue(noDaemon.err().contains("no daemon answers at " + baseUrl), noDaemon.err());
  }

  private record Cli(int exitCode, String out, String err) {}

  private static Cli cli(Map<String, String> env, String baseUrl, Path tokenFile) {
    KeyCommands.Rotate rotate = new KeyCommands.Rotate();
    rotate.url = URI.create(baseUrl);
    rotate.tokenFile = tokenFile;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = rotate.rotate(env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Settings settings(Map<String, String> env) {
    return TestDaemons.load(env).settings();
  }

  private static CredentialCipher cipherFromFiles(Map<String, String> env) throws Exception {
    Settings s = settings(env);
    return new CredentialCipher(new TenantKeys(new JdbcDataKeys(s.dbUrl(), s.dbUser(), s.dbPassword()),
        MasterKey.loadExisting(s.secretKey(), s.dataDir()).orElseThrow()));
  }

  private static String decrypt(CredentialCipher cipher, String tenantId, ConnectionRecord c) {
    return cipher.decrypt(tenantId, c.encryptedSecret(), ConnectionRemoteStores.associatedData(tenantId, c.id()));
  }

  private static List<ConnectionRecord> connections(TestDaemons.Running d, String tenantId) throws Exception {
    return ClusterSharding.get(d.daemon().system()).entityRefFor(Tenant.ENTITY_KEY, tenantId)
        .<Tenant.Connections>ask(Tenant.ListConnections::new, ASK).toCompletableFuture().get(15, TimeUnit.SECONDS)
        .connections();
  }

  private static void addConnection(TestDaemons.Running d, String tenantId, ConnectionRecord c) throws Exception {
    StatusReply<ConnectionRecord> reply = ClusterSharding.get(d.daemon().system())
        .entityRefFor(Tenant.ENTITY_KEY, tenantId)
        .<StatusReply<ConnectionRecord>>ask(r -> new Tenant.AddConnection(c, r), ASK)
        .toCompletableFuture().get(15, TimeUnit.SECONDS);
    assertTrue(reply.isSuccess(), reply.toString());
  }

  private static String v1(String base64Key, String secret, String associatedData) throws Exception {
    return io.ncsync.daemon.security.LegacySecrets.v1(base64Key, secret, associatedData);
  }
}
