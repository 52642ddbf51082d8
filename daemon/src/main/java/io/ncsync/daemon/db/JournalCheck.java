package io.ncsync.daemon.db;

import io.ncsync.daemon.config.DbKind;
import io.ncsync.daemon.config.Settings;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What the daemon checks of its journal before the ActorSystem may read it: that the database opens, that the
 * embedded file is intact (SQLite's {@code quick_check}), and that it is the journal this data dir ran with
 * ({@link JournalIdentity}). Each failure is one message naming the journal and the way out.
 */
public final class JournalCheck {
  private JournalCheck() {}

  /** The journal must not be used; the message says why and what to do. */
  public static final class Failed extends Exception {
    Failed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** How to name the journal to a person: the embedded file, or the URL without its parameters. */
  public static String name(Settings settings) {
    return settings.dbUrl().equals(Settings.defaultSqliteUrl(settings.dataDir()))
        ? Settings.sqliteFile(settings.dataDir()).toString() : DbKind.redactUrl(settings.dbUrl());
  }

  public static void verify(Settings settings) throws Failed {
    String journal = name(settings);
    String restore = settings.dbKind() == DbKind.POSTGRES
        ? " Restore the database from your PostgreSQL backup."
        : " Stop here and restore the last good backup: `bin/ncsync restore` lists them (README.md, 'Backup and "
            + "restore').";
    try (Connection db = DriverManager.getConnection(settings.dbUrl(), settings.dbUser(), settings.dbPassword())) {
      if (settings.dbKind() == DbKind.SQLITE) {
        String verdict = quickCheck(db);
        if (!"ok".equals(verdict)) {
          throw new Failed("the journal " + journal + " is damaged (SQLite quick_check: " + verdict + ")." + restore, null);
        }
      }
      JournalIdentity.verify(db, settings.dataDir(), settings.workspacesRoot(), settings.trashDir(), journal);
    } catch (JournalIdentity.Refused e) {
      throw new Failed(e.getMessage(), e);
    } catch (SQLException e) {
      throw new Failed("the journal " + journal + " cannot be opened or read: " + e.getMessage() + "." + restore, e);
    } catch (IOException e) {
      throw new Failed("cannot record the journal's id in " + settings.dataDir() + ": " + e.getMessage(), e);
    }
  }

  private static String quickCheck(Connection db) throws SQLException {
    try (Statement s = db.createStatement(); ResultSet rows = s.executeQuery("PRAGMA quick_check")) {
      StringBuilder verdict = new StringBuilder();
      while (rows.next() && verdict.length() < 500) {
        if (verdict.length() > 0) verdict.append("; ");
        verdict.append(rows.getString(1));
      }
      return verdict.toString();
    }
  }
}
