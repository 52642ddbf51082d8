package io.ncsync.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.ncsync.protocol.AkkaHttpRemoteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SettingsTest {

  private static DaemonConfig.Loaded load(Map<String, String> env) {
    return DaemonConfig.load(ConfigFactory.defaultApplication(), ConfigFactory.empty(), env);
  }

  @Test
  void defaultsWithoutAnyEnvironment() {
    DaemonConfig.Loaded loaded = load(Map.of());
    Settings s = loaded.settings();
    Path data = Path.of("./data").toAbsolutePath().normalize();
    assertEquals("127.0.0.1", s.httpHost());
    assertEquals(8080, s.httpPort());
    assertEquals(data, s.dataDir());
    assertEquals(data.resolve("workspaces"), s.workspacesRoot());
    assertEquals(data.resolve("trash"), s.trashDir());
    assertEquals(Optional.empty(), s.adminToken());
    assertEquals(Optional.empty(), s.secretKey());
    assertEquals(DbKind.SQLITE, s.dbKind());
    assertEquals("jdbc:sqlite:" + data.resolve("db/ncsync.sqlite") + "?busy_timeout=30000&foreign_keys=true&journal_mode=WAL&synchronous=FULL", s.dbUrl());
    assertEquals(Duration.ofMinutes(5), s.syncInterval());
    assertTrue(s.periodicSync());
    assertEquals(4, s.parallelTransfers());
    assertTrue(s.applySchema());
    assertEquals(Duration.ofHours(1), s.fullSyncInterval());
    assertEquals(Duration.ofDays(1), s.cleanupInterval());
    assertEquals(Duration.ofMinutes(15), s.documentRetry().first());
    assertEquals(new io.ncsync.persistence.library.Library.Schedule(Duration.ofMinutes(5), Duration.ofHours(1),
        Duration.ofDays(1), Duration.ofDays(30)), io.ncsync.daemon.Guardian.schedule(s));
  }

  @Test
  void theScheduleIsOverriddenByTheEnvironmentAndPeriodicSyncOffMeansNoFullSync() {
    Map<String, String> env = new HashMap<>();
    env.put("NCSYNC_SYNC_FULL_SYNC_INTERVAL", "6h");
    env.put("NCSYNC_SYNC_CLEANUP_INTERVAL", "12h");
    Settings s = load(env).settings();
    assertEquals(Duration.ofHours(6), s.fullSyncInterval());
    assertEquals(Duration.ofHours(12), s.cleanupInterval());
    env.put("NCSYNC_SYNC_INTERVAL", "0");
    var schedule = io.ncsync.daemon.Guardian.schedule(load(env).settings());
    assertEquals(Duration.ZERO, schedule.fullSyncInterval(), "runs only on request: no full syncs either");
    assertEquals(Duration.ofHours(12), schedule.cleanupInterval(), "the cleanup still runs");
    env.put("NCSYNC_SYNC_CLEANUP_INTERVAL", "0");
    assertThrows(IllegalArgumentException.class, () -> load(env).settings());
  }

  @Test
  void environmentOverridesEverySetting() {
    Map<String, String> env = new HashMap<>();
    env.put("NCSYNC_HTTP_HOST", "0.0.0.0");
    env.put("NCSYNC_HTTP_PORT", "9999");
    env.put("NCSYNC_DATA_DIR", "/var/lib/ncsync");
    env.put("NCSYNC_ADMIN_TOKEN", "a-token-from-the-environment");
    env.put("NCSYNC_SECRET_KEY", "a2V5");
    env.put("NCSYNC_SYNC_INTERVAL", "0");
    env.put("NCSYNC_SYNC_PARALLEL_TRANSFERS", "2");
    Settings s = load(env).settings();
    assertEquals("0.0.0.0", s.httpHost());
    assertEquals(9999, s.httpPort());
    assertEquals(Path.of("/var/lib/ncsync"), s.dataDir());
    assertEquals(Path.of("/var/lib/ncsync/workspaces"), s.workspacesRoot(), "workspaces root follows the data dir");
    assertEquals(Optional.of("a-token-from-the-environment"), s.adminToken());
    assertEquals(Optional.of("a2V5"), s.secretKey());
    assertEquals(Duration.ZERO, s.syncInterval());
    assertFalse(s.periodicSync());
    assertEquals(2, s.parallelTransfers());
    assertEquals("jdbc:sqlite:/var/lib/ncsync/db/ncsync.sqlite?busy_timeout=30000&foreign_keys=true&journal_mode=WAL&synchronous=FULL", s.dbUrl());
  }

  @Test
  void theActivityFeedTenantBandwidthAndTransferDeadlinesHaveTheDocumentedDefaultsAndOverrides() {
    Settings defaults = load(Map.of()).settings();
    assertTrue(defaults.activityFeed());
    assertEquals(Duration.ofHours(1), defaults.fullWalkInterval());
    assertEquals(0, defaults.remote().tenantBytesPerSecond());
    assertEquals(Duration.ofSeconds(60), defaults.remote().transferTimeout());
    assertEquals(Duration.ofSeconds(1), defaults.remote().transferTimeoutPerMiB());
    Settings tuned = load(Map.of("NCSYNC_SYNC_ACTIVITY_FEED", "off", "NCSYNC_SYNC_FULL_WALK_INTERVAL", "15m",
        "NCSYNC_REMOTE_TENANT_BYTES_PER_SECOND", "50MiB", "NCSYNC_REMOTE_TRANSFER_TIMEOUT", "2m",
        "NCSYNC_REMOTE_TRANSFER_TIMEOUT_PER_MIB", "250ms")).settings();
    assertFalse(tuned.activityFeed());
    assertEquals(Duration.ofMinutes(15), tuned.fullWalkInterval());
    assertEquals(50L << 20, tuned.remote().tenantBytesPerSecond());
    assertEquals(Duration.ofMinutes(2), tuned.remote().transferTimeout());
    assertEquals(Duration.ofMillis(250), tuned.remote().transferTimeoutPerMiB());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> load(Map.of("NCSYNC_SYNC_FULL_WALK_INTERVAL", "0s")));
    assertTrue(bad.getMessage().contains("ncsync.sync.full-walk-interval"), bad.getMessage());
  }

  @Test
  void remoteClientTuningHasTheDocumentedDefaultsAndOverrides() {
    assertEquals(new Settings.Remote(0, 16, 0, 10L << 20, 10L << 20), load(Map.of()).settings().remote(),
        "no fixed request rate by default: the adaptive window paces");
    assertEquals(2, load(Map.of()).settings().remote().chunkParallelism());
    assertEquals(256L << 20, load(Map.of()).settings().remote().maxListingBytes());
    assertEquals(AkkaHttpRemoteStore.Settings.DEFAULT_MAX_LISTING_BYTES, load(Map.of()).settings().remote().maxListingBytes(),
        "the daemon's default is the client's");
    assertEquals(1L << 30, load(Map.of("NCSYNC_REMOTE_MAX_LISTING_SIZE", "1GiB")).settings().remote().maxListingBytes());
    IllegalArgumentException tiny = assertThrows(IllegalArgumentException.class,
        () -> load(Map.of("NCSYNC_REMOTE_MAX_LISTING_SIZE", "512")));
    assertTrue(tiny.getMessage().contains("ncsync.remote.max-listing-size"), tiny.getMessage());
    Settings.Remote chunks = load(Map.of("NCSYNC_REMOTE_MAX_CHUNK_SIZE", "100MiB", "NCSYNC_REMOTE_CHUNK_TARGET_DURATION", "0",
        "NCSYNC_REMOTE_CHUNK_PARALLELISM", "4")).settings().remote();
    assertEquals(4, chunks.chunkParallelism());
    assertEquals(100L << 20, chunks.maxChunkSize());
    assertEquals(Duration.ZERO, chunks.chunkTargetDuration());
    Settings.Remote tuned = load(Map.of("NCSYNC_REMOTE_REQUESTS_PER_SECOND", "0", "NCSYNC_REMOTE_BYTES_PER_SECOND", "1MiB",
        "NCSYNC_REMOTE_CHUNK_THRESHOLD", "64MiB")).settings().remote();
    assertEquals(0, tuned.requestsPerSecond());
    assertEquals(1L << 20, tuned.bytesPerSecond());
    assertEquals(64L << 20, tuned.chunkThreshold());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> load(Map.of("NCSYNC_REMOTE_CHUNK_SIZE", "1KiB")));
    assertTrue(bad.getMessage().contains("ncsync.remote.chunk-size"), bad.getMessage());
  }

  @Test
  void workspacesRootCanBeSetSeparately() {
    Settings s = load(Map.of("NCSYNC_DATA_DIR", "/d", "NCSYNC_WORKSPACES_ROOT", "/srv/sync")).settings();
    assertEquals(Path.of("/srv/sync"), s.workspacesRoot());
    assertEquals(Path.of("/d/trash"), s.trashDir());
  }

  @Test
  void postgresUrlSelectsThePostgresProfile() {
    DaemonConfig.Loaded loaded = load(Map.of(
        "NCSYNC_DB_URL", "jdbc:postgresql://db:5432/ncsync",
        "NCSYNC_DB_USER", "ncsync",
        "NCSYNC_DB_PASSWORD", "pw"));
    Settings s = loaded.settings();
    assertEquals(DbKind.POSTGRES, s.dbKind());
    Config slick = loaded.config().getConfig("akka-persistence-jdbc.shared-databases.slick");
    assertEquals("slick.jdbc.PostgresProfile$", slick.getString("profile"));
    assertEquals("org.postgresql.Driver", slick.getString("db.driver"));
    assertEquals("jdbc:postgresql://db:5432/ncsync", slick.getString("db.url"));
    assertEquals("ncsync", slick.getString("db.user"));
    assertEquals("pw", slick.getString("db.password"));
    assertFalse(s.toString().contains("pw,"), "settings never print the password");
  }

  @Test
  void sqliteIsTheDefaultProfileAndThePersistencePluginsAreJdbc() {
    Config config = load(Map.of("NCSYNC_DATA_DIR", "/tmp/x")).config();
    assertEquals("slick.jdbc.SQLiteProfile$", config.getString("akka-persistence-jdbc.shared-databases.slick.profile"));
    assertEquals("org.sqlite.JDBC", config.getString("akka-persistence-jdbc.shared-databases.slick.db.driver"));
    assertEquals("jdbc:sqlite:/tmp/x/db/ncsync.sqlite?busy_timeout=30000&foreign_keys=true&journal_mode=WAL&synchronous=FULL",
        config.getString("akka-persistence-jdbc.shared-databases.slick.db.url"));
    assertEquals("jdbc-journal", config.getString("akka.persistence.journal.plugin"));
    assertEquals("jdbc-snapshot-store", config.getString("akka.persistence.snapshot-store.plugin"));
    assertEquals("slick", config.getString("jdbc-journal.use-shared-db"));
  }

  @Test
  void clusterAndShutdownSettings() {
    Config config = load(Map.of()).config();
    assertEquals("cluster", config.getString("akka.actor.provider"));
    assertEquals("127.0.0.1", config.getString("akka.remote.artery.canonical.hostname"));
    assertEquals(0, config.getInt("akka.remote.artery.canonical.port"));
    assertEquals("none", config.getString("akka.cluster.sharding.passivation.strategy"));
    assertEquals(Duration.ofSeconds(30), config.getDuration("akka.cluster.sharding.handoff-timeout"));
    assertFalse(config.getBoolean("akka.coordinated-shutdown.exit-jvm"), "application.conf alone never exits the JVM");
    assertTrue(DaemonConfig.load(Map.of()).config().getBoolean("akka.coordinated-shutdown.exit-jvm"),
        "ncsync serve exits the JVM after shutdown");
    assertEquals(1, config.getInt(
        "akka.coordinated-shutdown.reason-overrides.\"io.ncsync.daemon.ShutdownReasons$StartupFailed\".exit-code"));
    assertEquals("jackson-cbor", config.getString("akka.actor.serialization-bindings.\"io.ncsync.persistence.CborSerializable\""));
  }

  @Test
  void aSqliteUrlGetsTheCrashSafePragmasItDoesNotSetItself() {
    Settings s = load(Map.of("NCSYNC_DB_URL", "jdbc:sqlite:/srv/j.db?synchronous=EXTRA")).settings();
    assertEquals(DbKind.SQLITE, s.dbKind());
    assertEquals("jdbc:sqlite:/srv/j.db?synchronous=EXTRA&busy_timeout=30000&foreign_keys=true&journal_mode=WAL",
        s.dbUrl());
  }

  @Test
  void h2UrlWithoutDatabaseToUpperGetsIt() {
    Settings s = load(Map.of("NCSYNC_DB_URL", "jdbc:h2:mem:x")).settings();
    assertEquals("jdbc:h2:mem:x;DATABASE_TO_UPPER=false", s.dbUrl());
    assertEquals("sa", s.dbUser());
  }

  @Test
  void anOtherDatabaseIsRefusedWithAClearMessage() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> load(Map.of("NCSYNC_DB_URL", "jdbc:mysql://db/x?password=secret")));
    assertTrue(e.getMessage().contains("jdbc:postgresql:"), e.getMessage());
    assertFalse(e.getMessage().contains("secret"), "the URL's parameters are not echoed: " + e.getMessage());
  }

  @Test
  void invalidValuesNameTheSetting() {
    IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
        () -> load(Map.of("NCSYNC_HTTP_PORT", "70000")));
    assertTrue(port.getMessage().contains("ncsync.http.port"), port.getMessage());
    IllegalArgumentException notANumber =
        assertThrows(IllegalArgumentException.class, () -> load(Map.of("NCSYNC_HTTP_PORT", "eighty")));
    assertTrue(notANumber.getMessage().contains("ncsync.http.port"), notANumber.getMessage());
    assertTrue(notANumber.getMessage().contains("NCSYNC_HTTP_PORT"), notANumber.getMessage());
    assertThrows(ConfigException.class, () -> load(Map.of("NCSYNC_SYNC_INTERVAL", "often")));
  }

  @Test
  void secretsAreNotPrinted() {
    Settings s = load(Map.of("NCSYNC_ADMIN_TOKEN", "tok-123456789", "NCSYNC_SECRET_KEY", "c2VjcmV0")).settings();
    assertFalse(s.toString().contains("tok-123456789"));
    assertFalse(s.toString().contains("c2VjcmV0"));
  }

  @Test
  void explicitOverridesWin() {
    DaemonConfig.Loaded loaded = DaemonConfig.load(ConfigFactory.defaultApplication(),
        ConfigFactory.parseString("ncsync.http.port = 1234"), Map.of("NCSYNC_HTTP_PORT", "9999"));
    assertEquals(1234, loaded.settings().httpPort());
  }
}
