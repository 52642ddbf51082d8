package io.ncsync.daemon.config;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The daemon's own settings ({@code ncsync.*}), read once from the resolved configuration. Paths are absolute and
 * normalised. {@link #toString()} never shows a secret.
 *
 * @param adminToken  the configured admin token ({@code NCSYNC_ADMIN_TOKEN}); empty means the token file is used
 * @param secretKey   base64 of the credential key ({@code NCSYNC_SECRET_KEY}); empty means the key file is used
 * @param dbUrl       the effective JDBC URL (the H2 file under the data dir when none is configured)
 * @param syncInterval how often every library is synced; {@link Duration#ZERO} means never (only on request)
 * @param activityFeed follow Nextcloud's activity stream to find remote changes (where the server has it)
 * @param archiveDir   below it, {@code <tenant>/<archiveFolder>/} keeps what remote-deletion policy archive moves out
 * @param trashRetention trashed and replaced files older than this are purged by the daily cleanup
 * @param fullWalkInterval at the latest this long after a run took changes on the activity stream's word, the remote
 *                     tree is walked in full again
 * @param fullSyncInterval between a library's full syncs (every folder listed, local content checked); zero: none
 * @param cleanupInterval  between a library's cleanups (stale run, expired locks, trash, abandoned upload folders)
 */
public record Settings(
    String httpHost,
    int httpPort,
    Duration askTimeout,
    Path dataDir,
    Path workspacesRoot,
    Path trashDir,
    Path archiveDir,
    Optional<String> adminToken,
    Optional<String> secretKey,
    DbKind dbKind,
    String dbUrl,
    String dbUser,
    String dbPassword,
    int dbMaxConnections,
    boolean applySchema,
    int parallelTransfers,
    int snapshotEvery,
    Duration syncInterval,
    boolean activityFeed,
    Duration fullWalkInterval,
    Remote remote,
    Duration trashRetention,
    io.ncsync.persistence.library.DocumentRetry documentRetry,
    Duration fullSyncInterval,
    Duration cleanupInterval) {

  /**
   * Client tuning per connection.
   *
   * @param requestsPerSecond      0 = unlimited
   * @param bytesPerSecond         0 = unlimited
   * @param chunkThreshold         files above it use chunked upload where the server offers it
   * @param tenantBytesPerSecond   transfer bandwidth shared by all connections of one tenant; 0 = unlimited
   * @param transferTimeout        fixed part of a transfer's deadline
   * @param transferTimeoutPerMiB  added to a transfer's deadline per MiB it moves
   * @param maxChunkSize           largest chunk of a chunked upload
   * @param chunkTargetDuration    later chunks are sized to take about this long; zero keeps every chunk at chunkSize
   * @param maxConnections         HTTP connections kept open to one server per connection
   * @param chunkParallelism       chunk PUTs of one chunked upload in flight at once (at most the server's published
   *                               max_parallel_count)
   * @param maxListingBytes        largest PROPFIND answer (one folder's listing) accepted; a larger one fails the run
   */
  public record Remote(int requestsPerSecond, int maxConcurrentRequests, long bytesPerSecond, long chunkThreshold,
      long chunkSize, long tenantBytesPerSecond, Duration transferTimeout, Duration transferTimeoutPerMiB,
      long maxChunkSize, Duration chunkTargetDuration, int maxConnections, int chunkParallelism, long maxListingBytes) {

    public Remote(int requestsPerSecond, int maxConcurrentRequests, long bytesPerSecond, long chunkThreshold, long chunkSize) {
      this(requestsPerSecond, maxConcurrentRequests, bytesPerSecond, chunkThreshold, chunkSize, 0,
          Duration.ofSeconds(60), Duration.ofSeconds(1), 1L << 30, Duration.ofSeconds(60), 8, 2);
    }

    /** Everything but the listing limit, which keeps its default (256 MiB). */
    public Remote(int requestsPerSecond, int maxConcurrentRequests, long bytesPerSecond, long chunkThreshold,
        long chunkSize, long tenantBytesPerSecond, Duration transferTimeout, Duration transferTimeoutPerMiB,
        long maxChunkSize, Duration chunkTargetDuration, int maxConnections, int chunkParallelism) {
      this(requestsPerSecond, maxConcurrentRequests, bytesPerSecond, chunkThreshold, chunkSize, tenantBytesPerSecond,
          transferTimeout, transferTimeoutPerMiB, maxChunkSize, chunkTargetDuration, maxConnections, chunkParallelism,
          256L << 20);
    }
  }

  /** The tenant every admin token maps to until tokens carry their own tenant. */
  public static final String DEFAULT_TENANT = "default";

  /** Reads {@code ncsync.*} of a resolved config. Throws IllegalArgumentException naming the setting at fault. */
  public static Settings fromConfig(Config config) {
    Config c = config.getConfig("ncsync");
    Path dataDir = absolute(nonBlank(c, "data-dir"));
    String url = c.getString("db.url").trim();
    if (url.isEmpty()) url = defaultSqliteUrl(dataDir);
    DbKind kind = DbKind.fromUrl(url);
    if (kind == DbKind.SQLITE) url = crashSafeSqlite(url);
    if (kind == DbKind.H2 && !url.toUpperCase(java.util.Locale.ROOT).contains("DATABASE_TO_UPPER=FALSE")) {
      // The schema's lower-case quoted names are only found with this setting (shared/STACK.md pitfall 6).
      url = url + ";DATABASE_TO_UPPER=false";
    }
    String user = c.getString("db.user");
    if (kind == DbKind.H2 && user.isEmpty()) user = "sa";
    Duration interval = c.getDuration("sync.interval");
    if (interval.isNegative()) throw new IllegalArgumentException("ncsync.sync.interval must not be negative");
    Duration fullWalk = positive(c, "sync.full-walk-interval");

    return new Settings(
        nonBlank(c, "http.host"),
        range(c, "http.port", 0, 65535),
        positive(c, "http.ask-timeout"),
        dataDir,
        absolute(nonBlank(c, "workspaces-root")),
        absolute(nonBlank(c, "trash-dir")),
        absolute(nonBlank(c, "archive-dir")),
        optional(c.getString("admin-token")),
        optional(c.getString("secret-key")),
        kind,
        url,
        user,
        c.getString("db.password"),
        range(c, "db.max-connections", 1, 1000),
        c.getBoolean("db.apply-schema"),
        range(c, "sync.parallel-transfers", 1, 64),
        range(c, "sync.snapshot-every", 1, 1_000_000),
        interval,
        c.getBoolean("sync.activity-feed"),
        fullWalk,
        new Remote(
            range(c, "remote.requests-per-second", 0, 1_000_000),
            range(c, "remote.max-concurrent-requests", 1, 10_000),
            bytes(c, "remote.bytes-per-second", 0),
            bytes(c, "remote.chunk-threshold", 5L << 20),
            bytes(c, "remote.chunk-size", 5L << 20),
            bytes(c, "remote.tenant-bytes-per-second", 0),
            positive(c, "remote.transfer-timeout"),
            positive(c, "remote.transfer-timeout-per-mib"),
            bytes(c, "remote.max-chunk-size", 5L << 20),
            notNegative(c, "remote.chunk-target-duration"),
            range(c, "remote.max-connections", 1, 1_000),
            range(c, "remote.chunk-parallelism", 1, 64),
            bytes(c, "remote.max-listing-size", 64L << 10)),
        positive(c, "trash.retention"),
        documentRetry(c),
        notNegative(c, "sync.full-sync-interval"),
        positive(c, "sync.cleanup-interval"));
  }

  private static io.ncsync.persistence.library.DocumentRetry documentRetry(Config c) {
    Duration first = positive(c, "sync.document-retry.first");
    Duration max = positive(c, "sync.document-retry.max");
    if (max.compareTo(first) < 0) {
      throw new IllegalArgumentException("ncsync.sync.document-retry.max must be at least ncsync.sync.document-retry.first");
    }
    return new io.ncsync.persistence.library.DocumentRetry(first, max, range(c, "sync.document-retry.attempts", 1, 1000));
  }

  private static long bytes(Config c, String path, long min) {
    long value;
    try {
      value = c.getBytes(path);
    } catch (com.typesafe.config.ConfigException.BadValue | com.typesafe.config.ConfigException.WrongType e) {
      throw new IllegalArgumentException("ncsync." + path + " must be a size such as 10MiB: " + e.getMessage());
    }
    if (value < min) throw new IllegalArgumentException("ncsync." + path + " must be at least " + min + " bytes, got " + value);
    return value;
  }

  /**
   * SQLite pragmas every journal connection gets: write-ahead logging with a full fsync at every commit (an
   * acknowledged write survives kill -9 and power loss), and a wait of up to 30 s for the single writer's lock instead
   * of an immediate SQLITE_BUSY when the pool's connections write at once.
   */
  static final java.util.SortedMap<String, String> SQLITE_PRAGMAS = new java.util.TreeMap<>(java.util.Map.of(
      "journal_mode", "WAL", "synchronous", "FULL", "busy_timeout", "30000", "foreign_keys", "true"));

  /** The embedded default: a SQLite file under the data dir, opened crash-safe. */
  public static String defaultSqliteUrl(Path dataDir) {
    return crashSafeSqlite("jdbc:sqlite:" + sqliteFile(dataDir));
  }

  /** Where the embedded SQLite journal lives. */
  public static Path sqliteFile(Path dataDir) {
    return dataDir.resolve("db").resolve("ncsync.sqlite");
  }

  /** Adds the crash-safety pragmas a SQLite URL does not set itself; an operator's own values are kept. */
  static String crashSafeSqlite(String url) {
    StringBuilder out = new StringBuilder(url);
    String lower = url.toLowerCase(java.util.Locale.ROOT);
    char separator = url.contains("?") ? '&' : '?';
    for (var pragma : SQLITE_PRAGMAS.entrySet()) {
      if (lower.contains(pragma.getKey() + "=")) continue;
      out.append(separator).append(pragma.getKey()).append('=').append(pragma.getValue());
      separator = '&';
    }
    return out.toString();
  }

  /** An H2 file under the data dir: the embedded store of earlier versions, still usable by an explicit URL. */
  public static String defaultH2Url(Path dataDir) {
    return "jdbc:h2:file:" + dataDir.resolve("db").resolve("ncsync") + ";DATABASE_TO_UPPER=false";
  }

  public boolean periodicSync() {
    return !syncInterval.isZero();
  }

  @Override
  public String toString() {
    return "Settings[http=" + httpHost + ":" + httpPort
        + ", dataDir=" + dataDir
        + ", workspacesRoot=" + workspacesRoot
        + ", trashDir=" + trashDir
        + ", archiveDir=" + archiveDir
        + ", trashRetention=" + trashRetention
        + ", fullSyncInterval=" + fullSyncInterval
        + ", cleanupInterval=" + cleanupInterval
        + ", adminToken=" + (adminToken.isPresent() ? "(configured)" : "(file)")
        + ", secretKey=" + (secretKey.isPresent() ? "(configured)" : "(file)")
        + ", db=" + dbKind + " " + DbKind.redactUrl(dbUrl)
        + ", parallelTransfers=" + parallelTransfers
        + ", snapshotEvery=" + snapshotEvery
        + ", syncInterval=" + syncInterval
        + ", activityFeed=" + activityFeed
        + ", fullWalkInterval=" + fullWalkInterval
        + ", remote=" + remote + "]";
  }

  private static Optional<String> optional(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  private static String nonBlank(Config c, String path) {
    String value = c.getString(path).trim();
    if (value.isEmpty()) throw new IllegalArgumentException("ncsync." + path + " must not be empty");
    return value;
  }

  private static int range(Config c, String path, int min, int max) {
    int value;
    try {
      value = c.getInt(path);
    } catch (com.typesafe.config.ConfigException.WrongType e) {
      throw new IllegalArgumentException("ncsync." + path + " must be a whole number: " + e.getMessage());
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException("ncsync." + path + " must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  private static Duration notNegative(Config c, String path) {
    Duration value = c.getDuration(path);
    if (value.isNegative()) throw new IllegalArgumentException("ncsync." + path + " must not be negative");
    return value;
  }

  private static Duration positive(Config c, String path) {
    Duration value = c.getDuration(path);
    if (value.isNegative() || value.isZero()) throw new IllegalArgumentException("ncsync." + path + " must be positive");
    return value;
  }

  private static Path absolute(String path) {
    return Path.of(path).toAbsolutePath().normalize();
  }
}
