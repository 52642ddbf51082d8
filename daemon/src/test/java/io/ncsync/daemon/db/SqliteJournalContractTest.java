package io.ncsync.daemon.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.ncsync.daemon.config.DbKind;
import io.ncsync.daemon.config.Settings;
import io.ncsync.persistence.CborSerializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an event journal must do (the core of Akka's persistence TCK, whose 2.8 release is not on Maven Central),
 * checked on the embedded default exactly as the daemon configures it: events of many writers at once come back
 * complete and in order, snapshots with retention delete what they cover and recovery still continues at the right
 * sequence number, and the schema refuses a second event at a taken sequence number.
 */
class SqliteJournalContractTest {
  @TempDir Path dataDir;

  /** A counter that appends every number it is given and answers with everything it holds. */
  static final class Appender extends EventSourcedBehavior<Appender.Command, Appender.Appended, Appender.State> {
    sealed interface Command extends CborSerializable {}

    record Append(int value, ActorRef<State> replyTo) implements Command {}

    record Get(ActorRef<State> replyTo) implements Command {}

    record Appended(int value) implements CborSerializable {}

    record State(List<Integer> values) implements CborSerializable {
      State with(int value) {
        List<Integer> next = new ArrayList<>(values);
        next.add(value);
        return new State(List.copyOf(next));
      }
    }

    private final int snapshotEvery;
    private final int keep;

    static Behavior<Command> create(String id, int snapshotEvery) {
      return new Appender(id, snapshotEvery, 1);
    }

    /** Snapshots every {@code snapshotEvery} events, keeping {@code keep} of them, as the libraries do with 2. */
    static Behavior<Command> create(String id, int snapshotEvery, int keep) {
      return new Appender(id, snapshotEvery, keep);
    }

    private Appender(String id, int snapshotEvery, int keep) {
      super(PersistenceId.ofUniqueId(id));
      this.snapshotEvery = snapshotEvery;
      this.keep = keep;
    }

    @Override
    public State emptyState() {
      return new State(List.of());
    }

    @Override
    public CommandHandler<Command, Appended, State> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onCommand(Append.class, (s, c) -> Effect().persist(new Appended(c.value())).thenReply(c.replyTo(), n -> n))
          .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), s))
          .build();
    }

    @Override
    public EventHandler<State, Appended> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onEvent(Appended.class, (s, e) -> s.with(e.value())).build();
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return snapshotEvery == 0 ? RetentionCriteria.disabled()
          : RetentionCriteria.snapshotEvery(snapshotEvery, keep).withDeleteEventsOnSnapshot();
    }
  }

  private Config config() throws Exception {
    return sqliteConfig(dataDir);
  }

  /** An ActorSystem's configuration on the daemon's embedded SQLite journal under {@code dataDir}, schema installed. */
  static Config sqliteConfig(Path dataDir) throws Exception {
    Files.createDirectories(dataDir.resolve("db"));
    String url = Settings.defaultSqliteUrl(dataDir);
    SchemaInstaller.apply(DbKind.SQLITE, url, "", "");
    return ConfigFactory.parseMap(Map.of(
            "ncsync.db.jdbc-url", url, "ncsync.db.jdbc-user", "", "ncsync.db.jdbc-password", "",
            "ncsync.db.max-connections", 8))
        .withFallback(ConfigFactory.parseString("""
            akka.actor.provider = local
            akka.actor.serialization-bindings { "io.ncsync.persistence.CborSerializable" = jackson-cbor }
            akka.actor.serialize-messages = off
            """))
        .withFallback(ConfigFactory.parseResources("persistence-sqlite.conf"))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> out = new ArrayList<>();
    for (int i = from; i < to; i++) out.add(i);
    return out;
  }

  @Test
  void manyWritersAtOnceReplayCompleteAndInOrderAfterARestart() throws Exception {
    Config config = config();
    int writers = 10;
    int events = 30;
    ActorTestKit first = ActorTestKit.create("journal-contract", config);
    try {
      List<ActorRef<Appender.Command>> refs = new ArrayList<>();
      for (int w = 0; w < writers; w++) refs.add(first.spawn(Appender.create("writer-" + w, 0)));
      TestProbe<Appender.State> probe = first.createTestProbe();
      for (int i = 0; i < events; i++) {
        for (ActorRef<Appender.Command> ref : refs) ref.tell(new Appender.Append(i, probe.ref()));
      }
      probe.receiveSeveralMessages(writers * events, Duration.ofSeconds(60));
    } finally {
      first.shutdownTestKit();
    }
    ActorTestKit second = ActorTestKit.create("journal-contract", config);
    try {
      TestProbe<Appender.State> probe = second.createTestProbe();
      for (int w = 0; w < writers; w++) {
        second.spawn(Appender.create("writer-" + w, 0)).tell(new Appender.Get(probe.ref()));
        assertEquals(range(0, events), probe.receiveMessage(Duration.ofSeconds(20)).values(), "writer-" + w);
      }
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void snapshotsWithRetentionDeleteWhatTheyCoverAndRecoveryContinuesWhereItWas() throws Exception {
    Config config = config();
    ActorTestKit first = ActorTestKit.create("journal-contract", config);
    try {
      TestProbe<Appender.State> probe = first.createTestProbe();
      ActorRef<Appender.Command> ref = first.spawn(Appender.create("snapshotted", 10));
      for (int i = 0; i < 35; i++) {
        ref.tell(new Appender.Append(i, probe.ref()));
        probe.receiveMessage(Duration.ofSeconds(30)); // the first waits for the plugin to start
      }
    } finally {
      first.shutdownTestKit();
    }
    try (Connection db = DriverManager.getConnection(Settings.defaultSqliteUrl(dataDir));
        Statement s = db.createStatement()) {
      var rows = s.executeQuery("SELECT count(*) FROM event_journal WHERE persistence_id = 'snapshotted'");
      rows.next();
      assertEquals(true, rows.getInt(1) < 35, "events covered by a snapshot are deleted");
    }
    ActorTestKit second = ActorTestKit.create("journal-contract", config);
    try {
      TestProbe<Appender.State> probe = second.createTestProbe();
      ActorRef<Appender.Command> ref = second.spawn(Appender.create("snapshotted", 10));
      ref.tell(new Appender.Append(35, probe.ref()));
      assertEquals(range(0, 36), probe.receiveMessage(Duration.ofSeconds(20)).values());
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void theSchemaRefusesASecondEventAtATakenSequenceNumber() throws Exception {
    config();
    try (Connection db = DriverManager.getConnection(Settings.defaultSqliteUrl(dataDir));
        Statement s = db.createStatement()) {
      String insert = "INSERT INTO event_journal (persistence_id, sequence_number, writer, event_ser_id, "
          + "event_ser_manifest, event_payload) VALUES ('p', 1, 'w', 1, '', X'00')";
      s.executeUpdate(insert);
      assertThrows(SQLException.class, () -> s.executeUpdate(insert));
    }
  }
}
