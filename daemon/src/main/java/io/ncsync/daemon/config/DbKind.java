package io.ncsync.daemon.config;

/** Which database holds the journal; decides the Slick profile, the driver and the schema file. */
public enum DbKind {
  SQLITE("persistence-sqlite.conf", "db/sqlite-schema.sql"),
  H2("persistence-h2.conf", "db/h2-schema.sql"),
  POSTGRES("persistence-postgres.conf", "db/postgres-schema.sql");

  private final String configResource;
  private final String schemaResource;

  DbKind(String configResource, String schemaResource) {
    this.configResource = configResource;
    this.schemaResource = schemaResource;
  }

  /** The HOCON file (classpath resource) configuring akka-persistence-jdbc for this database. */
  public String configResource() {
    return configResource;
  }

  /** The idempotent DDL (classpath resource) applied at start. */
  public String schemaResource() {
    return schemaResource;
  }

  /** Picks the database from a JDBC URL; throws with a clear message for anything else. */
  public static DbKind fromUrl(String jdbcUrl) {
    if (jdbcUrl.startsWith("jdbc:sqlite:")) return SQLITE;
    if (jdbcUrl.startsWith("jdbc:h2:")) return H2;
    if (jdbcUrl.startsWith("jdbc:postgresql:")) return POSTGRES;
    throw new IllegalArgumentException(
        "ncsync.db.url (NCSYNC_DB_URL) must be a jdbc:postgresql:, jdbc:sqlite: or jdbc:h2: URL, or unset for the embedded SQLite journal; got '"
            + redactUrl(jdbcUrl) + "'");
  }

  /** A JDBC URL as it may be logged: query parameters (which may carry a password) cut off. */
  public static String redactUrl(String jdbcUrl) {
    int query = jdbcUrl.indexOf('?');
    String base = query < 0 ? jdbcUrl : jdbcUrl.substring(0, query) + "?…";
    // H2 and others take ;key=value settings, PASSWORD among them.
    int semicolon = base.indexOf(';');
    if (semicolon >= 0 && base.toLowerCase(java.util.Locale.ROOT).contains("password")) {
      base = base.substring(0, semicolon) + ";…";
    }
    return base;
  }
}
