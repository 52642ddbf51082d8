package io.ncsync.daemon.db;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online backups of the embedded SQLite journal into {@code <data dir>/backups}: a consistent copy taken while the
 * daemon runs ({@code VACUUM INTO} reads one snapshot of the database; writers go on meanwhile), checked with
 * {@code quick_check} before it gets its final name, so a backup that is listed is one that opens. The newest
 * {@code keep} are kept. Restoring is {@link #restore}, run with the daemon stopped.
 */
public final class JournalBackups {
  private static final Logger log = LoggerFactory.getLogger(JournalBackups.class);
  static final String PREFIX = "ncsync-";
  static final String SUFFIX = ".sqlite";
  static final String SCHEMA_KEY = "schema_sha256";
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final Path journal;
  private final String url;
  private final Path dir;
  private final int keep;
  private final Clock clock;

  /**
   * @param journal the SQLite file
   * @param url     the JDBC URL the journal is opened with
   * @param dir     where backups go
   * @param keep    how many backups to keep (the newest)
   */
  public JournalBackups(Path journal, String url, Path dir, int keep, Clock clock) {
    this.journal = journal;
    this.url = url;
    this.dir = dir;
    this.keep = keep;
    this.clock = clock;
  }

  /** How often and how many: {@code ncsync.db.backup-interval} (zero: no scheduled backups) and {@code .backup-keep}. */
  public record Policy(java.time.Duration interval, int keep) {
    public static Policy fromConfig(com.typesafe.config.Config config) {
      java.time.Duration interval = config.getDuration("ncsync.db.backup-interval");
      int keep = config.getInt("ncsync.db.backup-keep");
      if (interval.isNegative()) throw new IllegalArgumentException("ncsync.db.backup-interval must not be negative");
      if (keep < 1) throw new IllegalArgumentException("ncsync.db.backup-keep must be at least 1, got " + keep);
      return new Policy(interval, keep);
    }
  }

  /** Backups of the embedded default journal of a data dir. */
  public static JournalBackups of(Path dataDir, String url, Policy policy) {
    return new JournalBackups(io.ncsync.daemon.config.Settings.sqliteFile(dataDir), url, dataDir.resolve("backups"),
        policy.keep(), Clock.systemUTC());
  }

  public Path dir() {
    return dir;
  }

  /**
   * Before a schema other than the one last applied touches an existing journal, keeps a copy of it: the schema
   * a release ships is recorded (its SHA-256, in {@code ncsync_meta}) once it has been applied.
   *
   * @return the backup, if one was needed
   */
  public Optional<Path> backupBeforeSchemaChange(String schemaSha256) throws IOException, SQLException {
    if (!Files.exists(journal)) return Optional.empty();
    Optional<String> applied;
    try (Connection db = DriverManager.getConnection(url)) {
      applied = MetaTable.read(db, SCHEMA_KEY);
    }
    if (applied.equals(Optional.of(schemaSha256))) return Optional.empty();
    return Optional.of(backup("before-schema"));
  }

  /** Records that this schema has been applied. */
  public void recordSchema(String schemaSha256) throws SQLException {
    try (Connection db = DriverManager.getConnection(url)) {
      MetaTable.write(db, SCHEMA_KEY, schemaSha256);
    }
  }

  /** Existing backups, newest first. */
  public List<Path> list() throws IOException {
    if (!Files.isDirectory(dir)) return List.of();
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(JournalBackups::isBackup)
          .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
          .toList();
    }
  }

  /** When the newest backup was taken, if there is one. */
  public Optional<Instant> newest() throws IOException {
    List<Path> all = list();
    return all.isEmpty() ? Optional.empty() : Optional.of(Files.getLastModifiedTime(all.get(0)).toInstant());
  }

  /**
   * Takes a backup now and prunes the old ones.
   *
   * @param reason a word for the file name (daily, before-schema, before-restore)
   * @return the backup file
   */
  public Path backup(String reason) throws IOException, SQLException {
    Files.createDirectories(dir);
    String name = PREFIX + STAMP.format(clock.instant()) + "-" + reason + SUFFIX;
    Path partial = dir.resolve(name + ".partial");
    try (Stream<Path> stale = Files.list(dir)) {
      // A backup cut short by a crash: the copy and the rollback journal SQLite kept beside it.
      for (Path p : stale.filter(p -> p.getFileName().toString().contains(SUFFIX + ".partial")).toList()) {
        Files.deleteIfExists(p);
      }
    }
    try (Connection db = DriverManager.getConnection(url); Statement s = db.createStatement()) {
      s.execute("VACUUM INTO '" + partial.toString().replace("'", "''") + "'");
    }
    String verdict = quickCheck(partial);
    if (!"ok".equals(verdict)) {
      Files.deleteIfExists(partial);
      throw new IOException("the backup of " + journal + " did not pass quick_check (" + verdict + ")");
    }
    fsync(partial);
    Path done = Files.move(partial, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    fsync(dir);
    prune();
    log.info("journal backed up to {} ({} bytes)", done, Files.size(done));
    return done;
  }

  /**
   * Puts a backup in the journal's place. The current journal and its WAL are moved aside (never deleted) to
   * {@code <backups>/replaced-<time>/}, then the backup is copied in under a temporary name and renamed over the
   * journal. Run it only while no daemon uses the data dir.
   *
   * @return where the replaced journal files went
   */
  public Path restore(Path backup) throws IOException {
    String verdict;
    try {
      verdict = quickCheck(backup);
    } catch (SQLException e) {
      throw new IOException(backup + " does not open as a SQLite database: " + e.getMessage(), e);
    }
    if (!"ok".equals(verdict)) throw new IOException(backup + " is damaged (quick_check: " + verdict + ")");
    Path aside = dir.resolve("replaced-" + STAMP.format(clock.instant()));
    Files.createDirectories(aside);
    for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
      Path file = journal.resolveSibling(journal.getFileName() + suffix);
      if (Files.exists(file)) Files.move(file, aside.resolve(file.getFileName()));
    }
    Path incoming = journal.resolveSibling(journal.getFileName() + ".restoring");
    Files.copy(backup, incoming, StandardCopyOption.REPLACE_EXISTING);
    fsync(incoming);
    Files.move(incoming, journal, StandardCopyOption.ATOMIC_MOVE);
    fsync(journal.getParent());
    log.info("journal {} restored from {}; the replaced files are in {}", journal, backup, aside);
    return aside;
  }

  private void prune() throws IOException {
    List<Path> all = list();
    for (Path old : all.subList(Math.min(keep, all.size()), all.size())) {
      Files.deleteIfExists(old);
      log.info("old journal backup {} removed (keeping {})", old, keep);
    }
  }

  private static boolean isBackup(Path p) {
    String n = p.getFileName().toString();
    return n.startsWith(PREFIX) && n.endsWith(SUFFIX) && Files.isRegularFile(p);
  }

  static String quickCheck(Path file) throws SQLException {
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = db.createStatement();
        ResultSet rows = s.executeQuery("PRAGMA quick_check")) {
      return rows.next() ? rows.getString(1) : "no answer";
    }
  }

  private static void fsync(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
