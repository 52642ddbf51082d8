package io.ncsync.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ncsync.daemon.config.DbKind;
import io.ncsync.daemon.db.SchemaInstaller;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal on a real PostgreSQL: a throwaway database {@code ncsync_test_<random>} gets the shipped schema (twice,
 * to prove it idempotent), then the daemon persists and recovers on it. Never skipped: without a reachable server this
 * fails and says how to get one ({@code ops/test.sh} provides it).
 *
 * <p>{@code NCSYNC_TEST_PG_URL} (default {@code jdbc:postgresql://127.0.0.1:5432/postgres}) names a database to connect
 * to for creating and dropping the test database; {@code NCSYNC_TEST_PG_USER} (default postgres) and
 * {@code NCSYNC_TEST_PG_PASSWORD} (default empty) log in.
 */
class PostgresPersistenceTest {
  static final String ADMIN_URL = env("NCSYNC_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
  static final String USER = env("NCSYNC_TEST_PG_USER", "postgres");
  static final String PASSWORD = env("NCSYNC_TEST_PG_PASSWORD", "");

  static String database;
  static String url;

  @TempDir Path dataDir;

  @BeforeAll
  static void createDatabase() {
    database = "ncsync_test_" + HexFormat.of().formatHex(randomBytes());
    try (Connection admin = DriverManager.getConnection(ADMIN_URL, USER, PASSWORD);
        Statement statement = admin.createStatement()) {
      statement.execute("CREATE DATABASE " + database);
    } catch (SQLException e) {
      fail("PostgreSQL is not reachable at " + ADMIN_URL + " as user " + USER + " (" + e.getMessage() + "). "
          + "Run the tests through ops/test.sh, which uses or starts a PostgreSQL server, or set NCSYNC_TEST_PG_URL, "
          + "NCSYNC_TEST_PG_USER and NCSYNC_TEST_PG_PASSWORD.", e);
    }
    url = withDatabase(ADMIN_URL, database);
  }

  @AfterAll
  static void dropDatabase() throws SQLException {
    if (database == null) return;
    try (Connection admin = DriverManager.getConnection(ADMIN_URL, USER, PASSWORD);
        Statement statement = admin.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }

  @Test
  void schemaAppliesTwice() throws Exception {
    SchemaInstaller.apply(DbKind.POSTGRES, url, USER, PASSWORD);
    SchemaInstaller.apply(DbKind.POSTGRES, url, USER, PASSWORD);
    try (Connection c = DriverManager.getConnection(url, USER, PASSWORD);
        ResultSet rs = c.createStatement().executeQuery(
            "select tablename from pg_tables where schemaname = 'public'")) {
      Set<String> tables = new TreeSet<>();
      while (rs.next()) tables.add(rs.getString(1));
      assertTrue(tables.containsAll(Set.of("event_journal", "event_tag", "snapshot", "durable_state")), tables.toString());
    }
  }

  @Test
  void everythingSurvivesARestart() throws Exception {
    Map<String, String> env = new java.util.HashMap<>(TestDaemons.embeddedEnv(dataDir));
    env.put("NCSYNC_DB_URL", url);
    env.put("NCSYNC_DB_USER", USER);
    env.put("NCSYNC_DB_PASSWORD", PASSWORD);
    PersistenceRoundTrip.run(env, dataDir);
  }

  /** Replaces the database name of a jdbc:postgresql://host:port/name?params URL. */
  static String withDatabase(String jdbcUrl, String name) {
    URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return "jdbc:postgresql://" + uri.getRawAuthority() + "/" + name + query;
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[6];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
