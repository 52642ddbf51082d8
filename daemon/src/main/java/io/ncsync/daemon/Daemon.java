package io.ncsync.daemon;

import akka.actor.typed.ActorSystem;
import io.ncsync.daemon.config.DaemonConfig;
import io.ncsync.daemon.config.DbKind;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.db.H2JournalMigration;
import io.ncsync.daemon.db.JournalBackupSchedule;
import io.ncsync.daemon.db.JournalBackups;
import io.ncsync.daemon.db.JournalCheck;
import io.ncsync.daemon.db.SchemaInstaller;
import io.ncsync.daemon.guard.StartupGuards;
import io.ncsync.daemon.security.AdminApiTls;
import io.ncsync.daemon.security.AdminToken;
import io.ncsync.daemon.security.ClusterTls;
import io.ncsync.daemon.security.ClusterTlsSettings;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.daemon.security.SecretFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running daemon: the checks and preparations that must happen before the ActorSystem exists (Akka version,
 * the data dir lock, folders, admin token, journal schema, the cluster's hold on the journal, the credential key checked
 * against it: {@link StartupGuards}), then the ActorSystem with the {@link Guardian}. Used by
 * {@code ncsync serve} and by the tests, which start it with their own configuration and I/O.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  /** The daemon cannot start; the message says why and what to do. */
  public static final class StartupException extends Exception {
    public StartupException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final ActorSystem<Guardian.Command> system;
  private final CompletableFuture<InetSocketAddress> bound;
  private final Settings settings;
  private final StartupGuards guards;
  private volatile int exitCode;

  private Daemon(ActorSystem<Guardian.Command> system, CompletableFuture<InetSocketAddress> bound, Settings settings,
      StartupGuards guards) {
    this.system = system;
    this.bound = bound;
    this.settings = settings;
    this.guards = guards;
  }

  /** Prepares everything and starts the ActorSystem; returns once it runs (the API binds asynchronously). */
  public static Daemon start(DaemonConfig.Loaded loaded, SyncEngineFactory syncIo) throws StartupException {
    Settings settings = loaded.settings();
    try {
      AkkaVersionCheck.require(akka.Version.current());
    } catch (IllegalStateException e) {
      throw new StartupException(e.getMessage(), null);
    }
    log.info("starting {}; async continuations on a common pool of {}", DaemonVersion.summary(),
        java.util.concurrent.ForkJoinPool.getCommonPoolParallelism());
    log.info("settings: {}", settings);
    StartupGuards guards;
    try {
      guards = StartupGuards.lockDataDir(settings);
    } catch (StartupGuards.Refused e) {
      throw new StartupException(e.getMessage(), e);
    }
    try {
      return startHolding(loaded, syncIo, guards);
    } catch (StartupException | RuntimeException e) {
      guards.close();
      throw e;
    }
  }

  /** The rest of the start, with the data dir locked; the caller lets go of the guards if it fails. */
  private static Daemon startHolding(DaemonConfig.Loaded loaded, SyncEngineFactory syncIo, StartupGuards guards)
      throws StartupException {
    Settings settings = loaded.settings();
    Path workspacesRoot = prepareDirectories(settings);
    AdminToken adminToken;
    try {
      adminToken = AdminToken.resolve(settings.adminToken(), settings.dataDir()).toAdminToken();
    } catch (IOException | IllegalArgumentException e) {
      throw new StartupException("cannot set up the admin token: " + e.getMessage(), e);
    }
    JournalBackups.Policy backupPolicy = backupPolicy(loaded);
    Optional<JournalBackups> backups = settings.dbUrl().equals(Settings.defaultSqliteUrl(settings.dataDir()))
        ? Optional.of(JournalBackups.of(settings.dataDir(), settings.dbUrl(), backupPolicy))
        : Optional.empty(); // other stores are backed up by their own tools
    if (settings.applySchema()) {
      try {
        if (backups.isPresent()) backups.get().backupBeforeSchemaChange(SchemaInstaller.schemaSha256(settings.dbKind()));
        SchemaInstaller.apply(settings.dbKind(), settings.dbUrl(), settings.dbUser(), settings.dbPassword());
      } catch (SQLException | IOException e) {
        throw new StartupException("cannot apply the journal schema to " + JournalCheck.name(settings) + ": "
            + e.getMessage() + (settings.dbKind() == DbKind.POSTGRES
                ? " (check NCSYNC_DB_URL, NCSYNC_DB_USER, NCSYNC_DB_PASSWORD; ops/postgres/README.md)"
                : " (if the file is damaged, restore the last good backup: `bin/ncsync restore`)"), e);
      }
    }
    if (backups.isPresent()) {
      try {
        H2JournalMigration.migrateIfNeeded(settings.dataDir(), settings.dbUrl());
      } catch (SQLException | IOException e) {
        throw new StartupException(e.getMessage(), e);
      }
    }
    try {
      JournalCheck.verify(settings);
      if (backups.isPresent() && settings.applySchema()) {
        backups.get().recordSchema(SchemaInstaller.schemaSha256(settings.dbKind()));
      }
    } catch (JournalCheck.Failed e) {
      throw new StartupException(e.getMessage(), e);
    } catch (SQLException | IOException e) {
      throw new StartupException("cannot record the journal's schema in " + JournalCheck.name(settings) + ": "
          + e.getMessage(), e);
    }

    CredentialCipher cipher;
    try {
      guards.joinCluster(settings, loaded.config());
      cipher = guards.openCredentialKey(settings);
    } catch (StartupGuards.Refused e) {
      throw new StartupException(e.getMessage(), e);
    }

    com.typesafe.config.Config clusterTls;
    try {
      clusterTls = ClusterTls.prepare(ClusterTlsSettings.fromConfig(loaded.config()), settings.dataDir());
    } catch (ClusterTls.UnusableKeyMaterial | IllegalArgumentException e) {
      throw new StartupException("cannot secure the cluster transport: " + e.getMessage(), e);
    }

    Optional<javax.net.ssl.SSLContext> adminTls;
    try {
      adminTls = AdminApiTls.load(loaded.config().getString("ncsync.http.tls.cert"),
          loaded.config().getString("ncsync.http.tls.key"));
    } catch (AdminApiTls.Unusable e) {
      throw new StartupException("cannot serve the admin API over TLS: " + e.getMessage(), e);
    }

    CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
    Daemon[] self = new Daemon[1];
    Guardian.Listener listener = new Guardian.Listener() {
      @Override
      public void bound(InetSocketAddress address) {
        // Off the Guardian's thread (file and JDBC I/O); bound() completes once other daemons would see the address.
        CompletableFuture.runAsync(() -> guards.bound(address)).whenComplete((done, error) -> bound.complete(address));
      }

      @Override
      public void failed(Throwable cause) {
        if (self[0] != null) self[0].exitCode = 1;
        bound.completeExceptionally(cause);
      }
    };
    ActorSystem<Guardian.Command> system = ActorSystem.create(
        Guardian.create(new Guardian.Dependencies(settings, adminToken, cipher, workspacesRoot, syncIo, listener,
            adminTls)),
        "ncsync",
        clusterTls.withFallback(loaded.config()));
    if (!backupPolicy.interval().isZero()) {
      backups.ifPresent(b -> JournalBackupSchedule.start(system, b, backupPolicy.interval()));
    }
    // The guards die with the process anyway; this frees them when a test's daemon stops without close().
    system.getWhenTerminated().thenRun(guards::close);
    Daemon daemon = new Daemon(system, bound, settings, guards);
    self[0] = daemon;
    if (bound.isCompletedExceptionally()) daemon.exitCode = 1;
    return daemon;
  }

  private static JournalBackups.Policy backupPolicy(DaemonConfig.Loaded loaded) throws StartupException {
    try {
      return JournalBackups.Policy.fromConfig(loaded.config());
    } catch (IllegalArgumentException | com.typesafe.config.ConfigException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }

  /**
   * Creates the data dir (0700), the workspaces root and the trash dir, and refuses layouts where a library could sync
   * the daemon's own state: the data dir and the trash must not lie inside the workspaces root.
   *
   * @return the workspaces root as a real path
   */
  private static Path prepareDirectories(Settings settings) throws StartupException {
    try {
      SecretFiles.ensureDirectory(settings.dataDir());
      Files.createDirectories(settings.workspacesRoot());
      SecretFiles.ensureDirectory(settings.trashDir());
      SecretFiles.ensureDirectory(settings.archiveDir());
      if (settings.dbUrl().equals(Settings.defaultSqliteUrl(settings.dataDir()))
          || settings.dbUrl().equals(Settings.defaultH2Url(settings.dataDir()))) {
        // The driver would create it world-readable; the journal holds file names and encrypted credentials.
        SecretFiles.ensureDirectory(settings.dataDir().resolve("db"));
      }
      Path data = settings.dataDir().toRealPath();
      Path workspaces = settings.workspacesRoot().toRealPath();
      Path trash = settings.trashDir().toRealPath();
      if (data.startsWith(workspaces)) {
        throw new StartupException("the data dir " + data + " lies inside the workspaces root " + workspaces
            + ": a library could then sync the journal and the keys; move one of them (NCSYNC_DATA_DIR, "
            + "NCSYNC_WORKSPACES_ROOT)", null);
      }
      if (trash.startsWith(workspaces)) {
        throw new StartupException("the trash dir " + trash + " lies inside the workspaces root " + workspaces
            + "; move it (NCSYNC_TRASH_DIR)", null);
      }
      Path archive = settings.archiveDir().toRealPath();
      if (archive.startsWith(workspaces)) {
        throw new StartupException("the archive dir " + archive + " lies inside the workspaces root " + workspaces
            + "; move it (NCSYNC_ARCHIVE_DIR)", null);
      }
      return workspaces;
    } catch (IOException e) {
      throw new StartupException("cannot create the daemon's folders: " + e, e);
    }
  }

  public ActorSystem<Guardian.Command> system() {
    return system;
  }

  public Settings settings() {
    return settings;
  }

  /** Completes with the admin API's address once bound; fails if it cannot bind. */
  public CompletionStage<InetSocketAddress> bound() {
    return bound;
  }

  /** 0, or 1 when the daemon shut down because it could not start. */
  public int exitCode() {
    return exitCode;
  }

  /** Blocks until the ActorSystem has terminated. */
  public void awaitTermination() {
    system.getWhenTerminated().toCompletableFuture().join();
  }

  /** Shuts down through CoordinatedShutdown (as SIGTERM does) and waits for it. */
  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(Duration.ofMinutes(1).toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("ActorSystem did not terminate within a minute: {}", e.toString());
    }
    guards.close();
  }
}
