package io.ncsync.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import akka.Done;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.pattern.StatusReply;
import io.ncsync.daemon.FakeSyncEngine;
import io.ncsync.daemon.TestDaemons;
import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.persistence.sync.SyncMode;
import io.ncsync.persistence.tenant.LibraryRef;
import io.ncsync.persistence.tenant.Tenant;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: the tenant keeps a read model of its libraries, so listing them (and checking a new one for clashes) asks
 * no library. A settings change reaches it; a registration journaled before it held configurations is completed by
 * asking that library once.
 */
class LibraryReadModelTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir Path dataDir;

  @Test
  void theListComesFromTheTenantsReadModelWhichFollowsSettingsChangesAndCompletesOldRegistrations() throws Exception {
    try (var running = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), new FakeSyncEngine().factory())) {
      ApiClient api = new ApiClient(running.baseUrl(), TestDaemons.TOKEN);
      ClusterSharding sharding = ClusterSharding.get(running.daemon().system());
      String connectionId = TestDaemons.createConnection(api, "cloud");
      String docs = TestDaemons.createLibrary(api, connectionId, "docs");
      assertEquals("docs", refOf(sharding, docs).config().name(), "registered with its configuration");

      ApiClient.Response patched = api.patch("/api/v1/libraries/" + docs, "{\"conflictStrategy\": \"keep_newest\"}");
      assertEquals(200, patched.status(), patched.toString());
      assertEquals(io.ncsync.persistence.sync.ConflictStrategy.KEEP_NEWEST, refOf(sharding, docs).config().settings().conflictStrategy(),
          "the read model follows a settings change");
      assertEquals("keep_newest", listed(api, "docs").get("conflictStrategy").asText());

      // A library registered the way earlier versions did: its entity holds the configuration, the tenant only its name.
      LibraryConfig old = new LibraryConfig("default", "lib-old", "old", connectionId,
          running.daemon().settings().workspacesRoot().resolve("default/old").toString(), "R-old", SyncMode.BIDIRECTIONAL,
          Instant.now());
      sharding.entityRefFor(Library.ENTITY_KEY, Library.entityId("default", "lib-old"))
          .<LibraryConfig>askWithStatus(replyTo -> new Library.Create(old, replyTo), TIMEOUT)
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      register(sharding, "lib-old", "old", null);
      assertNull(refOf(sharding, "lib-old").config());
      assertNotNull(listed(api, "old"), "listed after asking the library once");
      assertEquals(old, refOf(sharding, "lib-old").config(), "and recorded in the read model");

      // Listed from the read model alone: a registration whose entity was never made still shows what it recorded.
      LibraryConfig recordedOnly = new LibraryConfig("default", "lib-ghost", "ghost", connectionId,
          running.daemon().settings().workspacesRoot().resolve("default/ghost").toString(), "R-ghost", SyncMode.BIDIRECTIONAL,
          Instant.now());
      register(sharding, "lib-ghost", "ghost", recordedOnly);
      assertNotNull(listed(api, "ghost"), "no library was asked for the list");

      // Creating checks clashes against the read model too.
      ApiClient.Response clash = api.post("/api/v1/libraries", ApiClient.json(java.util.Map.of("name", "ghost",
          "connectionId", connectionId, "localPath", "elsewhere", "remotePath", "R-elsewhere")));
      assertEquals(409, clash.status(), clash.toString());
    }
  }

  private static com.fasterxml.jackson.databind.JsonNode listed(ApiClient api, String name) {
    ApiClient.Response list = api.get("/api/v1/libraries");
    assertEquals(200, list.status(), list.toString());
    List<String> names = new ArrayList<>();
    for (var library : list.json()) {
      if (library.get("name").asText().equals(name)) return library;
      names.add(library.get("name").asText());
    }
    throw new AssertionError(name + " not listed; listed: " + names);
  }

  private static void register(ClusterSharding sharding, String id, String name, LibraryConfig config) throws Exception {
    sharding.entityRefFor(Tenant.ENTITY_KEY, "default")
        .<StatusReply<Done>>ask(replyTo -> new Tenant.RegisterLibrary(id, name, config, replyTo), TIMEOUT)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static LibraryRef refOf(ClusterSharding sharding, String id) throws Exception {
    Tenant.Libraries all = sharding.entityRefFor(Tenant.ENTITY_KEY, "default")
        .<Tenant.Libraries>ask(Tenant.ListLibraries::new, TIMEOUT).toCompletableFuture().get(10, TimeUnit.SECONDS);
    return all.libraries().stream().filter(r -> r.libraryId().equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError(id + " not registered"));
  }
}
