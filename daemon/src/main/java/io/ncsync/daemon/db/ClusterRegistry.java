package io.ncsync.daemon.db;

import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PostgreSQL's side of "one cluster per journal": session-level advisory locks on one connection, and the table
 * {@code ncsync_cluster} naming the nodes that hold them. A member of cluster C holds a shared lock on C's key for as
 * long as its connection lives, so the server frees it when the daemon dies, even by {@code kill -9}. Whether cluster
 * C is alive is asked by trying C's key exclusively. Start-ups are serialised by a second key held for milliseconds.
 */
public final class ClusterRegistry {
  /** Also in db/postgres-schema.sql and ops/postgres/schema.sql, for installs that apply the schema by hand. */
  public static final String DDL = "CREATE TABLE IF NOT EXISTS ncsync_cluster ("
      + "cluster_id VARCHAR(100) NOT NULL, node VARCHAR(500) NOT NULL, started_at TIMESTAMP WITH TIME ZONE NOT NULL, "
      + "PRIMARY KEY (cluster_id, node))";

  /** The key serialising start-ups ("ncsyncST"); cluster keys are hashes and will not meet it. */
  static final long START_KEY = 0x6e6373796e635354L;

  private final Connection connection;

  public ClusterRegistry(Connection connection) {
    this.connection = connection;
  }

  /** A node as recorded in the table. */
  public record Node(String clusterId, String node, Instant startedAt) {}

  public void createTable() throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(DDL);
    }
  }

  public boolean tryStartLock() throws SQLException {
    return bool("SELECT pg_try_advisory_lock(?)", START_KEY);
  }

  public void releaseStartLock() throws SQLException {
    bool("SELECT pg_advisory_unlock(?)", START_KEY);
  }

  /** Takes this session's membership of {@code clusterId}; false only while someone probes that cluster. */
  public boolean tryJoin(String clusterId) throws SQLException {
    return bool("SELECT pg_try_advisory_lock_shared(?)", key(clusterId));
  }

  public void leave(String clusterId) throws SQLException {
    bool("SELECT pg_advisory_unlock_shared(?)", key(clusterId));
  }

  /** Whether some session still holds a membership of {@code clusterId}. */
  public boolean isAlive(String clusterId) throws SQLException {
    if (bool("SELECT pg_try_advisory_lock(?)", key(clusterId))) {
      bool("SELECT pg_advisory_unlock(?)", key(clusterId));
      return false;
    }
    return true;
  }

  /** Recorded nodes of other clusters than {@code clusterId}, by cluster. */
  public Map<String, List<Node>> otherClusters(String clusterId) throws SQLException {
    Map<String, List<Node>> byCluster = new LinkedHashMap<>();
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT cluster_id, node, started_at FROM ncsync_cluster WHERE cluster_id <> ? ORDER BY started_at")) {
      select.setString(1, clusterId);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          byCluster.computeIfAbsent(rows.getString(1), id -> new ArrayList<>())
              .add(new Node(rows.getString(1), rows.getString(2), rows.getTimestamp(3).toInstant()));
        }
      }
    }
    return byCluster;
  }

  /** Removes the rows of a cluster none of whose nodes is alive any more. */
  public void forget(String clusterId) throws SQLException {
    try (PreparedStatement delete = connection.prepareStatement("DELETE FROM ncsync_cluster WHERE cluster_id = ?")) {
      delete.setString(1, clusterId);
      delete.executeUpdate();
    }
  }

  public void record(Node node) throws SQLException {
    remove(node);
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO ncsync_cluster (cluster_id, node, started_at) VALUES (?, ?, ?)")) {
      insert.setString(1, node.clusterId());
      insert.setString(2, node.node());
      insert.setTimestamp(3, Timestamp.from(node.startedAt()));
      insert.executeUpdate();
    }
  }

  public void remove(Node node) throws SQLException {
    try (PreparedStatement delete = connection.prepareStatement(
        "DELETE FROM ncsync_cluster WHERE cluster_id = ? AND node = ?")) {
      delete.setString(1, node.clusterId());
      delete.setString(2, node.node());
      delete.executeUpdate();
    }
  }

  private boolean bool(String sql, long key) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setLong(1, key);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getBoolean(1);
      }
    }
  }

  /** The advisory lock key of a cluster id: the first 8 bytes of its SHA-256. */
  static long key(String clusterId) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256")
          .digest(("ncsync-cluster:" + clusterId).getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(hash, 0, 8).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
