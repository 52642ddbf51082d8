package io.ncsync.daemon.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Readiness probe of the journal database: a {@code select 1} over a fresh JDBC connection to the same URL the
 * journal uses. Runs on the blocking executor, never on an actor thread.
 */
public final class JournalProbe {
  private final String url;
  private final String user;
  private final String password;
  private final int timeoutSeconds;
  private final Executor blocking;

  public JournalProbe(String url, String user, String password, int timeoutSeconds, Executor blocking) {
    this.url = url;
    this.user = user;
    this.password = password;
    this.timeoutSeconds = timeoutSeconds;
    this.blocking = blocking;
  }

  /** Completes with true when the database answered, false (never exceptionally) when it did not. */
  public CompletionStage<Boolean> check() {
    return CompletableFuture.supplyAsync(this::checkNow, blocking);
  }

  private boolean checkNow() {
    try {
      DriverManager.setLoginTimeout(timeoutSeconds);
      try (Connection connection = DriverManager.getConnection(url, user, password);
          Statement statement = connection.createStatement()) {
        statement.setQueryTimeout(timeoutSeconds);
        try (ResultSet rows = statement.executeQuery("select 1")) {
          return rows.next();
        }
      }
    } catch (SQLException e) {
      return false;
    }
  }
}
