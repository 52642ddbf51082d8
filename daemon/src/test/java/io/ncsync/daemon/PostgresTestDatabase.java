package io.ncsync.daemon;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A throwaway database {@code ncsync_test_<random>} on the test PostgreSQL (NCSYNC_TEST_PG_URL, default
 * jdbc:postgresql://127.0.0.1:5432/postgres; NCSYNC_TEST_PG_USER, default postgres; NCSYNC_TEST_PG_PASSWORD), dropped
 * on close. Never skipped: without a server it fails and says what to run.
 */
public final class PostgresTestDatabase implements AutoCloseable {
  public static final String ADMIN_URL = setting("NCSYNC_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
  public static final String USER = setting("NCSYNC_TEST_PG_USER", "postgres");
  public static final String PASSWORD = setting("NCSYNC_TEST_PG_PASSWORD", "");

  private final String name;

  private PostgresTestDatabase(String name) {
    this.name = name;
  }

  public static PostgresTestDatabase create() throws SQLException {
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    String name = "ncsync_test_" + HexFormat.of().formatHex(random);
    try (Connection admin = DriverManager.getConnection(ADMIN_URL, USER, PASSWORD);
        Statement statement = admin.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new SQLException("PostgreSQL is not reachable at " + ADMIN_URL + " as user " + USER + " (" + e.getMessage()
          + "): run the tests through ops/test.sh, which uses or starts one, or set NCSYNC_TEST_PG_URL", e);
    }
    return new PostgresTestDatabase(name);
  }

  public String url() {
    URI uri = URI.create(ADMIN_URL.substring("jdbc:".length()));
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return "jdbc:postgresql://" + uri.getRawAuthority() + "/" + name + query;
  }

  /** NCSYNC_DB_URL, NCSYNC_DB_USER, NCSYNC_DB_PASSWORD for a daemon on this database. */
  public Map<String, String> daemonEnv() {
    return Map.of("NCSYNC_DB_URL", url(), "NCSYNC_DB_USER", USER, "NCSYNC_DB_PASSWORD", PASSWORD);
  }

  @Override
  public void close() throws SQLException {
    try (Connection admin = DriverManager.getConnection(ADMIN_URL, USER, PASSWORD);
        Statement statement = admin.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }

  private static String setting(String name, String fallback) {
    String value = System.getenv(name);
    if (value == null || value.isBlank()) value = System.getProperty(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
