package io.ncsync.daemon.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/** The daemon's own key/value facts about its journal database (table {@code ncsync_meta}), over plain JDBC. */
final class MetaTable {
  private MetaTable() {}

  static void create(Connection db) throws SQLException {
    try (Statement s = db.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS ncsync_meta "
          + "(meta_key VARCHAR(64) PRIMARY KEY, meta_value VARCHAR(255) NOT NULL)");
    }
  }

  /** The value, or empty when the key or the table does not exist. */
  static Optional<String> read(Connection db, String key) throws SQLException {
    if (!exists(db)) return Optional.empty();
    try (PreparedStatement s = db.prepareStatement("SELECT meta_value FROM ncsync_meta WHERE meta_key = ?")) {
      s.setString(1, key);
      try (ResultSet rows = s.executeQuery()) {
        return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
      }
    }
  }

  static void write(Connection db, String key, String value) throws SQLException {
    create(db);
    try (PreparedStatement update = db.prepareStatement("UPDATE ncsync_meta SET meta_value = ? WHERE meta_key = ?")) {
      update.setString(1, value);
      update.setString(2, key);
      if (update.executeUpdate() > 0) return;
    }
    try (PreparedStatement insert = db.prepareStatement("INSERT INTO ncsync_meta (meta_key, meta_value) VALUES (?, ?)")) {
      insert.setString(1, key);
      insert.setString(2, value);
      insert.executeUpdate();
    }
  }

  private static boolean exists(Connection db) throws SQLException {
    for (String name : new String[] {"ncsync_meta", "NCSYNC_META"}) {
      try (ResultSet tables = db.getMetaData().getTables(null, null, name, new String[] {"TABLE"})) {
        if (tables.next()) return true;
      }
    }
    return false;
  }
}
