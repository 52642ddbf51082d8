package io.ncsync.daemon.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * The credential key's fingerprint as recorded in the journal database ({@code ncsync_credential_key}, one row), and
 * whether the journal already holds events. Plain JDBC in SQL that PostgreSQL and the embedded stores all accept.
 */
public final class CredentialKeyRecord {
  /** Also in db/postgres-schema.sql and ops/postgres/schema.sql, for installs that apply the schema by hand. */
  public static final String DDL = "CREATE TABLE IF NOT EXISTS ncsync_credential_key ("
      + "id INTEGER NOT NULL PRIMARY KEY, fingerprint VARCHAR(64) NOT NULL, recorded_at BIGINT NOT NULL)";

  private final Connection connection;

  public CredentialKeyRecord(Connection connection) {
    this.connection = connection;
  }

  public void createTable() throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(DDL);
    }
  }

  public Optional<String> fingerprint() throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rows = s.executeQuery("SELECT fingerprint FROM ncsync_credential_key WHERE id = 1")) {
      return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
    }
  }

  /**
   * Records the fingerprint unless one is there already (another node of the cluster may have won the race).
   *
   * @return the fingerprint now recorded
   */
  public String recordIfAbsent(String fingerprint) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO ncsync_credential_key (id, fingerprint, recorded_at) VALUES (1, ?, ?)")) {
      insert.setString(1, fingerprint);
      insert.setLong(2, System.currentTimeMillis());
      insert.executeUpdate();
      return fingerprint;
    } catch (SQLException raced) {
      return fingerprint().orElseThrow(() -> raced);
    }
  }

  /** Records a new fingerprint in place of the old one (a rotation; the caller holds the transaction). */
  public void replace(String fingerprint) throws SQLException {
    try (PreparedStatement update = connection.prepareStatement(
        "UPDATE ncsync_credential_key SET fingerprint = ?, recorded_at = ? WHERE id = 1")) {
      update.setString(1, fingerprint);
      update.setLong(2, System.currentTimeMillis());
      if (update.executeUpdate() == 1) return;
    }
    recordIfAbsent(fingerprint);
  }

  /** Whether anything was ever journaled: an install from before the fingerprint existed has events but no row. */
  public boolean journalHasEvents() throws SQLException {
    return !JournalIdentity.isEmpty(connection);
  }
}
