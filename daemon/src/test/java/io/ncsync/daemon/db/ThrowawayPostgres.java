package io.ncsync.daemon.db;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A database {@code ncsync_test_<random>} on the PostgreSQL the tests use (as PostgresPersistenceTest: never skipped;
 * {@code NCSYNC_TEST_PG_URL}, {@code _USER}, {@code _PASSWORD}), dropped on close.
 */
final class ThrowawayPostgres implements AutoCloseable {
  static final String ADMIN_URL = env("NCSYNC_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
  static final String USER = env("NCSYNC_TEST_PG_USER", "postgres");
  static final String PASSWORD = env("NCSYNC_TEST_PG_PASSWORD", "");

  final String url;
  private final String name;

  ThrowawayPostgres() throws SQLException {
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    name = "ncsync_test_" + HexFormat.of().formatHex(random);
    try (Connection admin = DriverManager.getConnection(ADMIN_URL, USER, PASSWORD); Statement s = admin.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new SQLException("PostgreSQL is not reachable at " + ADMIN_URL + " as user " + USER + ": run the tests"
          + " through ops/test.sh, which uses or starts one, or set NCSYNC_TEST_PG_URL/_USER/_PASSWORD", e);
    }
    URI uri = URI.create(ADMIN_URL.substring("jdbc:".length()));
    url = "jdbc:postgresql://" + uri.getRawAuthority() + "/" + name + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(url, USER, PASSWORD);
  }

  @Override
  public void close() throws SQLException {
    try (Connection admin = DriverManager.getConnection(ADMIN_URL, USER, PASSWORD); Statement s = admin.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
