package io.ncsync.daemon.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The tenants' wrapped data keys ({@code ncsync_data_keys}, beside the journal): one row per tenant holding its Tink
 * keyset encrypted under the master key, with the fingerprint of the master key that wrapped it. Rare, small
 * operations, so each opens its own connection. Plain JDBC in SQL that PostgreSQL and the embedded stores all accept.
 */
public final class JdbcDataKeys {
  /** Also in the schema files (db/*-schema.sql, ops/postgres/schema.sql), for installs that apply the schema by hand. */
  public static final String DDL = "CREATE TABLE IF NOT EXISTS ncsync_data_keys (tenant_id VARCHAR(255) NOT NULL "
      + "PRIMARY KEY, master_fingerprint VARCHAR(64) NOT NULL, keyset TEXT NOT NULL, created_millis BIGINT NOT NULL, "
      + "wrapped_millis BIGINT NOT NULL)";

  /** A tenant's keyset as stored: base64 of the encrypted keyset, and which master key wrapped it. */
  public record Wrapped(String tenantId, String masterFingerprint, String keyset) {
    @Override
    public String toString() {
      return "Wrapped[tenant=" + tenantId + ", master=" + masterFingerprint.substring(0, 8) + "…]";
    }
  }

  /** The journal records another master key than the caller holds: a rotation happened elsewhere. */
  public static final class MasterKeyChanged extends SQLException {
    MasterKeyChanged(String message) {
      super(message);
    }
  }

  private final String url;
  private final String user;
  private final String password;

  public JdbcDataKeys(String url, String user, String password) {
    this.url = url;
    this.user = user;
    this.password = password;
  }

  public static void createTable(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(DDL);
    }
  }

  public Optional<Wrapped> find(String tenantId) throws SQLException {
    try (Connection db = open()) {
      return find(db, tenantId);
    }
  }

  public List<Wrapped> all() throws SQLException {
    try (Connection db = open()) {
      return all(db);
    }
  }

  /**
   * Stores a new tenant's keyset unless the tenant has one (another node may have made it at the same moment), and
   * only while the journal's master key is the one that wrapped it: a key wrapped under a retired master key would be
   * unreadable everywhere else.
   *
   * @return the keyset now stored for the tenant
   */
  public Wrapped insertIfAbsent(Wrapped wrapped) throws SQLException {
    try (Connection db = open()) {
      db.setAutoCommit(false);
      try {
        String recorded = new CredentialKeyRecord(db).fingerprint().orElse(wrapped.masterFingerprint());
        if (!recorded.equals(wrapped.masterFingerprint())) {
          throw new MasterKeyChanged("the journal's master key was rotated (by another node, or by a restore): this "
              + "node still holds the previous one; give it the new key and restart it");
        }
        Optional<Wrapped> existing = find(db, wrapped.tenantId());
        if (existing.isPresent()) {
          db.rollback();
          return existing.get();
        }
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO ncsync_data_keys (tenant_id, "
            + "master_fingerprint, keyset, created_millis, wrapped_millis) VALUES (?, ?, ?, ?, ?)")) {
          long now = System.currentTimeMillis();
          insert.setString(1, wrapped.tenantId());
          insert.setString(2, wrapped.masterFingerprint());
          insert.setString(3, wrapped.keyset());
          insert.setLong(4, now);
          insert.setLong(5, now);
          insert.executeUpdate();
        }
        db.commit();
        return wrapped;
      } catch (SQLException e) {
        db.rollback();
        Optional<Wrapped> raced = e instanceof MasterKeyChanged ? Optional.empty() : find(wrapped.tenantId());
        if (raced.isPresent()) return raced.get();
        throw e;
      }
    }
  }

  /**
   * Replaces every keyset with its re-wrapped form and records the new master key's fingerprint, in one transaction:
   * either the journal switches to the new master key whole, or not at all.
   *
   * @param expectedFingerprint the master key the caller holds; refused when the journal records another
   */
  public void rewrapAll(String expectedFingerprint, List<Wrapped> rewrapped, String newFingerprint)
      throws SQLException {
    try (Connection db = open()) {
      db.setAutoCommit(false);
      try {
        Optional<String> recorded = new CredentialKeyRecord(db).fingerprint();
        if (recorded.isPresent() && !recorded.get().equals(expectedFingerprint)) {
          throw new MasterKeyChanged("the journal's master key is not the one this node holds: it was rotated "
              + "elsewhere; restart this node with the journal's key before rotating again");
        }
        try (PreparedStatement update = db.prepareStatement("UPDATE ncsync_data_keys SET master_fingerprint = ?, "
            + "keyset = ?, wrapped_millis = ? WHERE tenant_id = ? AND master_fingerprint = ?")) {
          long now = System.currentTimeMillis();
          for (Wrapped w : rewrapped) {
            update.setString(1, newFingerprint);
            update.setString(2, w.keyset());
            update.setLong(3, now);
            update.setString(4, w.tenantId());
            update.setString(5, expectedFingerprint);
            if (update.executeUpdate() != 1) {
              throw new SQLException("the data key of tenant " + w.tenantId() + " changed during the rotation");
            }
          }
        }
        for (Wrapped w : all(db)) {
          if (!w.masterFingerprint().equals(newFingerprint)) {
            throw new SQLException("the data key of tenant " + w.tenantId() + " was added during the rotation");
          }
        }
        new CredentialKeyRecord(db).replace(newFingerprint);
        db.commit();
      } catch (SQLException | RuntimeException e) {
        db.rollback();
        throw e;
      }
    }
  }

  private static List<Wrapped> all(Connection db) throws SQLException {
    List<Wrapped> all = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet rows = s.executeQuery(
            "SELECT tenant_id, master_fingerprint, keyset FROM ncsync_data_keys ORDER BY tenant_id")) {
      while (rows.next()) all.add(read(rows));
    }
    return all;
  }

  private static Optional<Wrapped> find(Connection db, String tenantId) throws SQLException {
    try (PreparedStatement select = db.prepareStatement(
        "SELECT tenant_id, master_fingerprint, keyset FROM ncsync_data_keys WHERE tenant_id = ?")) {
      select.setString(1, tenantId);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? Optional.of(read(rows)) : Optional.empty();
      }
    }
  }

  private static Wrapped read(ResultSet rows) throws SQLException {
    return new Wrapped(rows.getString(1), rows.getString(2), rows.getString(3));
  }

  private Connection open() throws SQLException {
    return DriverManager.getConnection(url, user, password);
  }
}
