package io.ncsync.daemon.db;

import io.ncsync.daemon.config.DbKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the journal schema with plain JDBC before the ActorSystem starts. The DDL files use IF NOT EXISTS
 * throughout, so this runs at every start; the plugin never creates tables itself.
 */
public final class SchemaInstaller {
  private static final Logger log = LoggerFactory.getLogger(SchemaInstaller.class);

  private SchemaInstaller() {}

  /** Applies the schema resource of {@code kind} to the database, statement by statement, in autocommit. */
  public static void apply(DbKind kind, String url, String user, String password) throws SQLException, IOException {
    List<String> statements = statements(readResource(kind.schemaResource()));
    try (Connection connection = DriverManager.getConnection(url, user, password);
        Statement statement = connection.createStatement()) {
      connection.setAutoCommit(true);
      for (String sql : statements) {
        try {
          statement.execute(sql);
        } catch (SQLException e) {
          throw new SQLException("applying " + kind.schemaResource() + " failed at: " + firstLine(sql) + ": "
              + e.getMessage(), e.getSQLState(), e);
        }
      }
    }
    log.info("journal schema applied ({} statements, {}) to {}", statements.size(), kind.schemaResource(),
        DbKind.redactUrl(url));
  }

  /** The SHA-256 (hex) of the schema file of {@code kind}: which schema a journal was last brought to. */
  public static String schemaSha256(DbKind kind) throws IOException {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(readResource(kind.schemaResource()).getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads a classpath resource as UTF-8. */
  public static String readResource(String resource) throws IOException {
    try (InputStream in = SchemaInstaller.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) throw new IOException("classpath resource " + resource + " is missing");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Splits a DDL script into statements: {@code --} comments dropped, statements separated by ';'. Enough for our own
   * schema files, which hold no ';' inside literals and no procedural blocks.
   */
  static List<String> statements(String script) {
    StringBuilder withoutComments = new StringBuilder();
    for (String line : script.split("\n")) {
      int comment = line.indexOf("--");
      withoutComments.append(comment >= 0 ? line.substring(0, comment) : line).append('\n');
    }
    List<String> statements = new ArrayList<>();
    for (String part : withoutComments.toString().split(";")) {
      String sql = part.strip();
      if (!sql.isEmpty()) statements.add(sql);
    }
    return statements;
  }

  private static String firstLine(String sql) {
    int newline = sql.indexOf('\n');
    return newline < 0 ? sql : sql.substring(0, newline) + " …";
  }
}
