package io.ncsync.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.daemon.connections.ConnectionRemoteStores;
import io.ncsync.daemon.http.ApiClient;
import io.ncsync.daemon.db.JdbcDataKeys;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.daemon.security.MasterKey;
import io.ncsync.daemon.security.TenantKeys;
import io.ncsync.protocol.DavEndpoint;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The same scenario on every journal database: create a connection and a library, run a sync, stop the daemon, start
 * a new one on the same database and data dir, and find everything again: the connection (whose password still
 * decrypts), the library, and the finished run.
 */
final class PersistenceRoundTrip {
  private PersistenceRoundTrip() {}

  static void run(Map<String, String> env, Path dataDir) throws Exception {
    String connectionId;
    String libraryId;
    String runId;
    JsonNode connection;
    JsonNode library;

    FakeSyncEngine io = new FakeSyncEngine();
    try (TestDaemons.Running first = TestDaemons.start(env, io.factory())) {
      ApiClient api = new ApiClient(first.baseUrl(), TestDaemons.TOKEN);
      ApiClient.Response created = api.post("/api/v1/connections", ApiClient.json(Map.of(
          "name", "cloud", "url", "https://cloud.example.com", "username", "alice", "appPassword", "s3cret", "skipTest", true)));
      assertEquals(201, created.status(), created.toString());
      connection = created.json();
      connectionId = connection.get("id").asText();
      ApiClient.Response lib = api.post("/api/v1/libraries", ApiClient.json(Map.of(
          "name", "docs", "connectionId", connectionId, "localPath", "docs", "remotePath", "Documents")));
      assertEquals(201, lib.status(), lib.toString());
      library = lib.json();
      libraryId = library.get("id").asText();
      ApiClient.Response sync = api.postEmpty("/api/v1/libraries/" + libraryId + "/sync");
      assertEquals(202, sync.status(), sync.toString());
      runId = sync.json().get("runId").asText();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!api.get("/api/v1/libraries/" + libraryId + "/status").json().get("state").asText().equals("idle")) {
        if (System.nanoTime() > deadline) throw new AssertionError("the run did not finish");
        Thread.sleep(100);
      }
    }

    FakeSyncEngine io2 = new FakeSyncEngine();
    try (TestDaemons.Running second = TestDaemons.start(env, io2.factory())) {
      ApiClient api = new ApiClient(second.baseUrl(), TestDaemons.TOKEN);
      assertEquals(connection, api.get("/api/v1/connections/" + connectionId).json());
      assertEquals(library, api.get("/api/v1/libraries/" + libraryId).json());
      JsonNode status = api.get("/api/v1/libraries/" + libraryId + "/status").json();
      assertEquals(runId, status.get("lastRun").get("runId").asText(), status.toString());
      assertEquals("succeeded", status.get("lastRun").get("outcome").asText());

      // The stored password decrypts with the key file the first daemon created, into the right endpoint.
      // Under the tenant's data key, kept in the journal database, wrapped by the key file the first daemon made.
      io.ncsync.daemon.config.Settings settings = TestDaemons.load(env).settings();
      CredentialCipher cipher = new CredentialCipher(new TenantKeys(
          new JdbcDataKeys(settings.dbUrl(), settings.dbUser(), settings.dbPassword()),
          MasterKey.loadExisting(settings.secretKey(), dataDir).orElseThrow()));
      assertEquals(1, cipher.keys().unwrapAll());
      AtomicReference<DavEndpoint> opened = new AtomicReference<>();
      ConnectionRemoteStores stores = new ConnectionRemoteStores(
          ClusterSharding.get(second.daemon().system()), Duration.ofSeconds(10), cipher,
          request -> {
            opened.set(request.endpoint());
            return java.util.concurrent.CompletableFuture.completedFuture(null);
          });
      stores.forConnection("default", connectionId).toCompletableFuture().get(15, TimeUnit.SECONDS);
      assertEquals("s3cret", opened.get().password());
      assertEquals("alice", opened.get().username());
      assertEquals(URI.create("https://cloud.example.com/remote.php/dav/files/alice/"), opened.get().root());
      assertTrue(stores.forConnection("default", "no-such-connection").toCompletableFuture()
          .handle((store, error) -> error != null).get(15, TimeUnit.SECONDS), "an unknown connection fails");
    }
  }
}
