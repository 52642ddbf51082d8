package io.ncsync.daemon.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.config.DbKind;
import io.ncsync.daemon.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaInstallerTest {
  @TempDir Path dataDir;

  @Test
  void h2SchemaAppliesTwiceAndCreatesEveryTable() throws Exception {
    String url = Settings.defaultH2Url(dataDir);
    SchemaInstaller.apply(DbKind.H2, url, "sa", "");
    SchemaInstaller.apply(DbKind.H2, url, "sa", "");
    try (Connection c = DriverManager.getConnection(url, "sa", "");
        ResultSet rs = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
      Set<String> tables = new TreeSet<>();
      while (rs.next()) tables.add(rs.getString("TABLE_NAME"));
      assertTrue(tables.containsAll(List.of("event_journal", "event_tag", "snapshot", "durable_state")), tables.toString());
    }
  }

  @Test
  void sqliteSchemaAppliesTwiceAndCreatesEveryTable() throws Exception {
    String url = Settings.defaultSqliteUrl(dataDir);
    Files.createDirectories(dataDir.resolve("db"));
    SchemaInstaller.apply(DbKind.SQLITE, url, "", "");
    SchemaInstaller.apply(DbKind.SQLITE, url, "", "");
    try (Connection c = DriverManager.getConnection(url, "", "");
        ResultSet rs = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
      Set<String> tables = new TreeSet<>();
      while (rs.next()) tables.add(rs.getString("TABLE_NAME"));
      assertTrue(tables.containsAll(List.of("event_journal", "event_tag", "snapshot", "durable_state")), tables.toString());
    }
    try (Connection c = DriverManager.getConnection(url, "", "");
        ResultSet mode = c.createStatement().executeQuery("PRAGMA journal_mode");
        ResultSet sync = c.createStatement().executeQuery("PRAGMA synchronous")) {
      assertTrue(mode.next() && sync.next());
      assertEquals("wal", mode.getString(1), "write-ahead logging");
      assertEquals(2, sync.getInt(1), "synchronous=FULL");
    }
  }

  @Test
  void scriptsSplitIntoStatementsWithoutComments() {
    List<String> statements = SchemaInstaller.statements("""
        -- a comment; with a semicolon
        CREATE TABLE a (x INT); -- trailing
        CREATE INDEX IF NOT EXISTS i ON a (x);

        """);
    assertEquals(List.of("CREATE TABLE a (x INT)", "CREATE INDEX IF NOT EXISTS i ON a (x)"), statements);
  }

  @Test
  void everyStatementOfBothSchemasIsIdempotent() throws Exception {
    for (DbKind kind : DbKind.values()) {
      for (String sql : SchemaInstaller.statements(SchemaInstaller.readResource(kind.schemaResource()))) {
        assertTrue(sql.contains("IF NOT EXISTS"), kind + " statement without IF NOT EXISTS: " + sql);
      }
    }
  }

  @Test
  void opsCopyOfThePostgresSchemaIsIdenticalToTheShippedOne() throws Exception {
    // Surefire runs in the module directory (daemon/); ops/ is beside it.
    Path ops = Path.of("..", "ops", "postgres", "schema.sql");
    assertEquals(SchemaInstaller.readResource("db/postgres-schema.sql"), Files.readString(ops),
        "ops/postgres/schema.sql must stay identical to persistence/src/main/resources/db/postgres-schema.sql");
  }
}
