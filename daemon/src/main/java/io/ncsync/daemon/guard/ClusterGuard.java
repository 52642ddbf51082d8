package io.ncsync.daemon.guard;

import io.ncsync.daemon.config.DbKind;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.db.ClusterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster per journal. Two daemons on one PostgreSQL database, each its own one-node cluster, would both run the
 * same libraries and write the same event streams. A node therefore joins its cluster in the database
 * ({@link ClusterRegistry}) on a connection it keeps open for its lifetime, and refuses to start while a node of
 * another cluster is alive there, naming it. The embedded stores live inside the data dir, which {@link DataDirLock}
 * already keeps to one daemon, so there this is a no-op.
 */
public final class ClusterGuard implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterGuard.class);
  private static final Duration START_LOCK_WAIT = Duration.ofSeconds(30);

  private final Connection connection;
  private ClusterRegistry.Node self;

  private ClusterGuard(Connection connection, ClusterRegistry.Node self) {
    this.connection = connection;
    this.self = self;
  }

  /** A live node of another cluster writes to the same journal; the message names it. */
  public static final class OtherClusterException extends Exception {
    OtherClusterException(String message) {
      super(message);
    }
  }

  /** Joins {@code clusterId} in the journal database, or refuses; a no-op guard for an embedded journal. */
  public static ClusterGuard join(Settings settings, String clusterId, NodeDescription node)
      throws SQLException, OtherClusterException {
    if (settings.dbKind() != DbKind.POSTGRES) return new ClusterGuard(null, null);
    Connection connection = DriverManager.getConnection(settings.dbUrl(), settings.dbUser(), settings.dbPassword());
    try {
      connection.setAutoCommit(true);
      ClusterRegistry registry = new ClusterRegistry(connection);
      if (settings.applySchema()) registry.createTable();
      ClusterRegistry.Node self = new ClusterRegistry.Node(clusterId, node.toString(), node.startedAt());
      awaitStartLock(registry);
      try {
        // No member of our own cluster alive: its rows are left from nodes killed earlier.
        if (!registry.isAlive(clusterId)) registry.forget(clusterId);
        if (!registry.tryJoin(clusterId)) {
          throw new SQLException("cannot take the advisory lock of cluster " + clusterId + " although start-ups are "
              + "serialised; is another program using PostgreSQL advisory locks on this database?");
        }
        Map<String, List<ClusterRegistry.Node>> others = registry.otherClusters(clusterId);
        for (Map.Entry<String, List<ClusterRegistry.Node>> other : others.entrySet()) {
          if (registry.isAlive(other.getKey())) {
            registry.leave(clusterId);
            throw new OtherClusterException("the journal database " + DbKind.redactUrl(settings.dbUrl())
                + " is already used by another ncsync cluster, '" + other.getKey() + "' (" + describe(other.getValue())
                + "); this daemon belongs to cluster '" + clusterId + "'. Two clusters writing one journal would run "
                + "the same libraries twice: give this daemon a database of its own (NCSYNC_DB_URL), or stop the "
                + "other one first");
          }
          registry.forget(other.getKey());
        }
        registry.record(self);
      } finally {
        registry.releaseStartLock();
      }
      log.info("cluster '{}' holds the journal database {}", clusterId, DbKind.redactUrl(settings.dbUrl()));
      return new ClusterGuard(connection, self);
    } catch (SQLException | OtherClusterException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  private static void awaitStartLock(ClusterRegistry registry) throws SQLException {
    Instant deadline = Instant.now().plus(START_LOCK_WAIT);
    while (!registry.tryStartLock()) {
      if (Instant.now().isAfter(deadline)) {
        throw new SQLException("another ncsync node has been starting on this database for " + START_LOCK_WAIT
            .toSeconds() + " s (it holds the start-up advisory lock); stop it or try again");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException("interrupted while waiting for another node's start-up", e);
      }
    }
  }

  private static String describe(List<ClusterRegistry.Node> nodes) {
    return nodes.stream().map(n -> "node " + n.node()).collect(Collectors.joining("; "));
  }

  /** Replaces this node's description in the table (e.g. once the admin API's port is known). */
  public synchronized void describe(NodeDescription node) throws SQLException {
    if (connection == null || connection.isClosed()) return;
    ClusterRegistry registry = new ClusterRegistry(connection);
    registry.remove(self);
    self = new ClusterRegistry.Node(self.clusterId(), node.toString(), node.startedAt());
    registry.record(self);
  }

  /** Leaves the cluster: the row goes, and closing the connection frees the advisory lock. Idempotent. */
  @Override
  public synchronized void close() {
    if (connection == null) return;
    try {
      if (connection.isClosed()) return;
      new ClusterRegistry(connection).remove(self);
    } catch (SQLException e) {
      log.debug("cannot remove this node from ncsync_cluster: {}", e.toString());
    } finally {
      try {
        connection.close();
      } catch (SQLException e) {
        log.debug("closing the cluster guard's connection: {}", e.toString());
      }
    }
  }
}
