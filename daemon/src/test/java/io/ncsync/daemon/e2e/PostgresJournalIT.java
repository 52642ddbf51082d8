package io.ncsync.daemon.e2e;

import static io.ncsync.daemon.e2e.E2eFiles.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The daemon on PostgreSQL instead of the embedded H2 (NCSYNC_DB_URL): the schema is applied at every start without
 * harm, and a library's configuration and synced base survive a graceful stop and a kill -9.
 *
 * <p>Uses NCSYNC_TEST_PG_URL (default jdbc:postgresql://127.0.0.1:5432/postgres) (and NCSYNC_TEST_PG_USER, optionally NCSYNC_TEST_PG_PASSWORD), which ops/test.sh
 * provides; the test creates its own database and drops it afterwards.
 */
class PostgresJournalIT extends E2eTestBase {

  private String adminUrl;
  private String user;
  private String password;
  private String database;

  private static String setting(String name) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? System.getProperty(name) : v;
  }

  @Override
  protected Map<String, String> daemonEnv() throws SQLException {
    // Same default as PostgresPersistenceTest: never skipped; without a server it fails and says what to run.
    adminUrl = setting("NCSYNC_TEST_PG_URL") == null ? "jdbc:postgresql://127.0.0.1:5432/postgres" : setting("NCSYNC_TEST_PG_URL");
    user = setting("NCSYNC_TEST_PG_USER") == null ? "postgres" : setting("NCSYNC_TEST_PG_USER");
    password = setting("NCSYNC_TEST_PG_PASSWORD") == null ? "" : setting("NCSYNC_TEST_PG_PASSWORD");
    database = "ncsync_e2e_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection c = DriverManager.getConnection(adminUrl, user, password); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + database);
    } catch (SQLException e) {
      throw new SQLException("no PostgreSQL at " + adminUrl + " (" + e.getMessage() + "): run the tests through ops/test.sh,"
          + " which uses or starts one, or set NCSYNC_TEST_PG_URL", e);
    }
    return Map.of(
        "NCSYNC_DB_URL", databaseUrl(),
        "NCSYNC_DB_USER", user,
        "NCSYNC_DB_PASSWORD", password);
  }

  /** The admin URL with its database name replaced by ours (query parameters kept). */
  private String databaseUrl() {
    int query = adminUrl.indexOf('?');
    String base = query < 0 ? adminUrl : adminUrl.substring(0, query);
    String params = query < 0 ? "" : adminUrl.substring(query);
    return base.substring(0, base.lastIndexOf('/') + 1) + database + params;
  }

  @Override
  protected void afterDaemonStopped() throws SQLException {
    if (database == null) {
      return;
    }
    try (Connection c = DriverManager.getConnection(adminUrl, user, password); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }

  private long journalRows() throws SQLException {
    try (Connection c = DriverManager.getConnection(databaseUrl(), user, password);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM event_journal")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void libraryStateSurvivesRestartsOnPostgres() throws SQLException {
    Library lib = newLibrary("pg");
    writeLocal(lib, "local.txt", "local");
    writeLocal(lib, "to-delete.txt", "deleted after the restart");
    writeRemote(lib, "remote/r.txt", "remote");
    JsonNode first = api.syncOk(lib.id());
    assertConverged("first sync on PostgreSQL", lib);
    assertTrue(journalRows() > 0, "the daemon journals into PostgreSQL database " + database);

    // Graceful stop and start: the schema is applied again, the library and its base are still there.
    daemon.stop();
    daemon.restart();
    AdminApi.expectStatus(200, api.get("/api/v1/libraries/" + lib.id()), "GET library after a restart");
    assertEquals(first.path("runId").asText(), api.status(lib.id()).path("lastRun").path("runId").asText(),
        "the last run survives a restart");
    // Only a persisted base tells a local delete from a first-run merge (which would download the file again).
    E2eFiles.delete(lib.localRoot(), "to-delete.txt");
    AdminApi.assertCounters(api.syncOk(lib.id()), 0, 0, 0, 1, 0);

    // kill -9 and start again: still consistent, nothing to do.
    daemon.kill9();
    daemon.restart();
    AdminApi.assertCounters(api.syncOk(lib.id()), 0, 0, 0, 0, 0);
    Tree.assertFiles("after restarts on PostgreSQL", assertConverged("after restarts on PostgreSQL", lib),
        Map.of("local.txt", sha256("local"), "remote/r.txt", sha256("remote")));
  }
}
