package io.ncsync.daemon.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.Config;
import io.ncsync.daemon.config.Settings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12: the events a snapshot covers are deleted, so an unreadable snapshot must not make an entity unrecoverable.
 * The daemon's snapshot store ({@link FallingBackSnapshotStore}) loads the older kept snapshot instead, and the events
 * after it are still there: the state comes back whole. With no snapshot readable, recovery still completes.
 */
class SnapshotFallbackTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ID = "fallback";

  @TempDir Path dataDir;
  private ThrowawayPostgres postgres;
  private Config config;

  /** The embedded default (SQLite) or PostgreSQL: the store's own query must work on both. */
  private void open(String journal) throws Exception {
    if (journal.equals("sqlite")) {
      config = SqliteJournalContractTest.sqliteConfig(dataDir);
      return;
    }
    postgres = new ThrowawayPostgres();
    SchemaInstaller.apply(io.ncsync.daemon.config.DbKind.POSTGRES, postgres.url, ThrowawayPostgres.USER, ThrowawayPostgres.PASSWORD);
    config = com.typesafe.config.ConfigFactory.parseMap(java.util.Map.of(
            "ncsync.db.jdbc-url", postgres.url, "ncsync.db.jdbc-user", ThrowawayPostgres.USER,
            "ncsync.db.jdbc-password", ThrowawayPostgres.PASSWORD, "ncsync.db.max-connections", 4))
        .withFallback(com.typesafe.config.ConfigFactory.parseString("""
            akka.actor.provider = local
            akka.actor.serialization-bindings { "io.ncsync.persistence.CborSerializable" = jackson-cbor }
            """))
        .withFallback(com.typesafe.config.ConfigFactory.parseResources("persistence-postgres.conf"))
        .withFallback(com.typesafe.config.ConfigFactory.load())
        .resolve();
  }

  @AfterEach
  void dropPostgres() throws Exception {
    if (postgres != null) postgres.close();
  }

  private Connection connect() throws Exception {
    return postgres != null ? postgres.connect() : DriverManager.getConnection(Settings.defaultSqliteUrl(dataDir));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void anUnreadableNewestSnapshotFallsBackToTheOlderOneAndTheStateComesBackWhole(String journal) throws Exception {
    open(journal);
    append(config, 0, 37); // snapshots at 10, 20, 30; two kept; events up to 10 deleted
    List<Long> snapshots = column("SELECT sequence_number FROM snapshot WHERE persistence_id = '" + ID
        + "' ORDER BY sequence_number");
    List<Long> events = column("SELECT sequence_number FROM event_journal WHERE persistence_id = '" + ID
        + "' ORDER BY sequence_number");
    assertEquals(30L, snapshots.get(snapshots.size() - 1), "snapshots " + snapshots);
    assertTrue(events.get(0) > 1 && events.get(0) <= 21, "events older than the older snapshot deleted: " + events);

    update("UPDATE snapshot SET snapshot_payload = ? WHERE persistence_id = '" + ID + "' AND sequence_number = 30");
    assertEquals(range(0, 38), append(config, 37, 38), "recovered from the snapshot at 20 and the events after it");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void withNoSnapshotReadableRecoveryStillCompletesFromTheEventsThatRemain(String journal) throws Exception {
    open(journal);
    append(config, 0, 37);
    update("UPDATE snapshot SET snapshot_payload = ? WHERE persistence_id = '" + ID + "'");
    List<Integer> recovered = append(config, 37, 38);
    assertEquals(range(10, 38), recovered.subList(recovered.size() - 28, recovered.size()),
        "the events that remain, and the new one: " + recovered);
  }

  /** Appends {@code from} until {@code to} in a fresh ActorSystem; answers the state after the last one. */
  private static List<Integer> append(Config config, int from, int to) {
    ActorTestKit kit = ActorTestKit.create("snapshot-fallback", config);
    try {
      TestProbe<SqliteJournalContractTest.Appender.State> probe = kit.createTestProbe();
      ActorRef<SqliteJournalContractTest.Appender.Command> ref = kit.spawn(SqliteJournalContractTest.Appender.create(ID, 10, 2));
      List<Integer> last = null;
      for (int i = from; i < to; i++) {
        ref.tell(new SqliteJournalContractTest.Appender.Append(i, probe.ref()));
        last = probe.receiveMessage(WAIT).values();
      }
      return last;
    } finally {
      kit.shutdownTestKit();
    }
  }

  private void update(String sql) throws Exception {
    try (Connection db = connect(); java.sql.PreparedStatement s = db.prepareStatement(sql)) {
      s.setBytes(1, new byte[] {0, (byte) 0xff, 0});
      assertTrue(s.executeUpdate() > 0, sql);
    }
  }

  private List<Long> column(String sql) throws Exception {
    List<Long> out = new ArrayList<>();
    try (Connection db = connect(); Statement s = db.createStatement(); ResultSet rows = s.executeQuery(sql)) {
      while (rows.next()) out.add(rows.getLong(1));
    }
    return out;
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> out = new ArrayList<>();
    for (int i = from; i < to; i++) out.add(i);
    return out;
  }
}
