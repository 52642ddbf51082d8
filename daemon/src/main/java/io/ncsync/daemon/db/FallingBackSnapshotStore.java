package io.ncsync.daemon.db;

import akka.persistence.SelectedSnapshot;
import akka.persistence.SnapshotSelectionCriteria;
import akka.persistence.jdbc.config.SnapshotTableConfiguration;
import akka.persistence.jdbc.snapshot.JdbcSnapshotStore;
import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * akka-persistence-jdbc's snapshot store, with one thing added: a snapshot that cannot be read (a damaged row, a payload
 * this version cannot decode) does not make its entity unrecoverable. The next older snapshot is loaded instead, and
 * recovery replays the events after it, which retention keeps: libraries delete only the events older than the older
 * of their two kept snapshots (issue 12). When no snapshot is readable, recovery replays the events that remain and
 * says so at ERROR.
 *
 * <p>A failure the snapshot table cannot explain (the database is gone) is passed on, so the entity's recovery fails
 * and is tried again, as before.
 */
public final class FallingBackSnapshotStore extends JdbcSnapshotStore {
  private static final Logger log = LoggerFactory.getLogger(FallingBackSnapshotStore.class);
  /** Older snapshots tried after the newest one failed: retention keeps two, older rows may linger. */
  private static final int MAX_FALLBACKS = 4;

  private final Executor blocking;
  private final String newestAtMostSql;

  public FallingBackSnapshotStore(Config config) {
    super(config);
    this.blocking = system().dispatchers().lookup("akka.actor.default-blocking-io-dispatcher");
    SnapshotTableConfiguration table = snapshotConfig().snapshotTableConfiguration();
    String name = table.schemaName().isDefined()
        ? quoted(table.schemaName().get()) + "." + quoted(table.tableName()) : quoted(table.tableName());
    this.newestAtMostSql = "SELECT max(" + quoted(table.columnNames().sequenceNumber()) + ") FROM " + name + " WHERE "
        + quoted(table.columnNames().persistenceId()) + " = ? AND " + quoted(table.columnNames().sequenceNumber()) + " <= ?";
  }

  @Override
  public Future<Option<SelectedSnapshot>> loadAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    return FutureConverters.asScala(load(persistenceId, criteria, 0).toCompletableFuture());
  }

  private CompletionStage<Option<SelectedSnapshot>> load(String persistenceId, SnapshotSelectionCriteria criteria,
      int fallbacks) {
    return FutureConverters.asJava(loadFromJdbc(persistenceId, criteria)).handle((found, error) -> {
      if (error == null) return CompletableFuture.completedFuture(found);
      return CompletableFuture.supplyAsync(() -> candidates(persistenceId, criteria.maxSequenceNr()), blocking)
          .handle((candidates, lookupFailed) -> {
            if (lookupFailed != null || candidates.unreadable().isEmpty()) {
              throw new CompletionException(error); // not a snapshot's fault: the database, most likely
            }
            return candidates;
          })
          .thenCompose(candidates -> fallBack(persistenceId, criteria, fallbacks, candidates, error));
    }).thenCompose(next -> next);
  }

  /** The newest snapshot within the criteria (the one that failed) and the one before it, by sequence number. */
  private record Candidates(OptionalLong unreadable, OptionalLong older) {}

  private Candidates candidates(String persistenceId, long max) {
    OptionalLong unreadable = newestAtMost(persistenceId, max);
    OptionalLong older = unreadable.isPresent() && unreadable.getAsLong() > 1
        ? newestAtMost(persistenceId, unreadable.getAsLong() - 1) : OptionalLong.empty();
    return new Candidates(unreadable, older);
  }

  private CompletionStage<Option<SelectedSnapshot>> fallBack(String persistenceId, SnapshotSelectionCriteria criteria,
      int fallbacks, Candidates candidates, Throwable error) {
    Throwable cause = error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error;
    long unreadable = candidates.unreadable().getAsLong();
    if (fallbacks >= MAX_FALLBACKS || candidates.older().isEmpty()) {
      log.error("{}: no readable snapshot (the one at event {} failed: {}); recovering from the events that remain."
          + " What only the snapshots held is not in the base: the next run compares both sides of those files",
          persistenceId, unreadable, cause.toString());
      return CompletableFuture.completedFuture(Option.empty());
    }
    log.warn("{}: the snapshot at event {} cannot be read ({}); recovering from the one at event {} and the events"
        + " after it", persistenceId, unreadable, cause.toString(), candidates.older().getAsLong());
    SnapshotSelectionCriteria older = new SnapshotSelectionCriteria(candidates.older().getAsLong(),
        criteria.maxTimestamp(), criteria.minSequenceNr(), criteria.minTimestamp());
    return load(persistenceId, older, fallbacks + 1);
  }

  private Future<Option<SelectedSnapshot>> loadFromJdbc(String persistenceId, SnapshotSelectionCriteria criteria) {
    return super.loadAsync(persistenceId, criteria);
  }

  /** The sequence number of the newest snapshot at or below {@code max}, read without decoding any payload. */
  private OptionalLong newestAtMost(String persistenceId, long max) {
    try (Connection connection = db().source().createConnection();
        PreparedStatement query = connection.prepareStatement(newestAtMostSql)) {
      query.setString(1, persistenceId);
      query.setLong(2, max);
      try (ResultSet rows = query.executeQuery()) {
        if (!rows.next()) return OptionalLong.empty();
        long newest = rows.getLong(1);
        return rows.wasNull() ? OptionalLong.empty() : OptionalLong.of(newest);
      }
    } catch (SQLException e) {
      throw new CompletionException(e);
    }
  }

  private static String quoted(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
