package io.ncsync.daemon.db;

import io.ncsync.daemon.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the journal of a data dir from the embedded H2 file of earlier versions ({@code db/ncsync.mv.db}) into the
 * embedded SQLite default, once: every event and snapshot row is copied as it is (orderings included) in one SQLite
 * transaction, then the H2 file is renamed to {@code ncsync.mv.db.migrated}, kept as the way back. Runs only when no
 * database URL is configured and the SQLite journal is still empty; an operator who wants to stay on H2 sets
 * {@code NCSYNC_DB_URL} to it.
 */
public final class H2JournalMigration {
  private static final Logger log = LoggerFactory.getLogger(H2JournalMigration.class);
  static final List<String> TABLES = List.of("event_journal", "event_tag", "snapshot", "ncsync_meta");

  private static final java.util.Set<Integer> BINARY = java.util.Set.of(
      java.sql.Types.BLOB, java.sql.Types.BINARY, java.sql.Types.VARBINARY, java.sql.Types.LONGVARBINARY);

  private H2JournalMigration() {}

  /** The H2 file of earlier versions in this data dir. */
  static Path h2File(Path dataDir) {
    return dataDir.resolve("db").resolve("ncsync.mv.db");
  }

  /**
   * Migrates if there is something to migrate.
   *
   * @return the number of rows copied, when a migration ran
   */
  public static Optional<Integer> migrateIfNeeded(Path dataDir, String sqliteUrl) throws SQLException, IOException {
    Path h2 = h2File(dataDir);
    if (!Files.isRegularFile(h2)) return Optional.empty();
    int copied = 0;
    try (Connection target = DriverManager.getConnection(sqliteUrl)) {
      if (!JournalIdentity.isEmpty(target)) {
        log.warn("{} is still there beside the SQLite journal, which already holds events: left alone", h2);
        return Optional.empty();
      }
      String h2Url = Settings.defaultH2Url(dataDir) + ";ACCESS_MODE_DATA=r";
      try (Connection source = DriverManager.getConnection(h2Url, "sa", "")) {
        target.setAutoCommit(false);
        for (String table : TABLES) copied += copy(source, target, table);
        target.commit();
      } catch (SQLException e) {
        target.rollback();
        throw new SQLException("moving the journal from " + h2 + " to SQLite failed: " + e.getMessage()
            + " (nothing was changed; to keep using H2, set NCSYNC_DB_URL=" + Settings.defaultH2Url(dataDir) + ")", e);
      }
    }
    Files.move(h2, h2.resolveSibling(h2.getFileName() + ".migrated"), StandardCopyOption.ATOMIC_MOVE);
    log.info("journal moved from {} to SQLite ({} rows); the H2 file is kept as {}.migrated", h2, copied, h2);
    return Optional.of(copied);
  }

  private static int copy(Connection source, Connection target, String table) throws SQLException {
    try (ResultSet exists = source.getMetaData().getTables(null, null, table, null)) {
      if (!exists.next()) return 0; // ncsync_meta is younger than some H2 journals
    }
    if (table.equals("ncsync_meta")) MetaTable.create(target);
    int rows = 0;
    try (Statement select = source.createStatement();
        ResultSet from = select.executeQuery("SELECT * FROM \"" + table + "\"")) {
      ResultSetMetaData meta = from.getMetaData();
      List<String> columns = new ArrayList<>();
      for (int i = 1; i <= meta.getColumnCount(); i++) columns.add("\"" + meta.getColumnName(i) + "\"");
      String insert = "INSERT INTO \"" + table + "\" (" + String.join(", ", columns) + ") VALUES ("
          + String.join(", ", columns.stream().map(c -> "?").toList()) + ")";
      try (PreparedStatement into = target.prepareStatement(insert)) {
        while (from.next()) {
          for (int i = 1; i <= columns.size(); i++) {
            if (BINARY.contains(meta.getColumnType(i))) {
              into.setBytes(i, from.getBytes(i));
            } else {
              into.setObject(i, from.getObject(i));
            }
          }
          into.addBatch();
          if (++rows % 1000 == 0) into.executeBatch();
        }
        into.executeBatch();
      }
    }
    return rows;
  }
}
