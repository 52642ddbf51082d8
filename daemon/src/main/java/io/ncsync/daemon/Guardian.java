package io.ncsync.daemon;

import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.connections.ConnectionChecker;
import io.ncsync.daemon.connections.ServerPromisesBook;
import io.ncsync.daemon.db.JdbcDocumentHistory;
import io.ncsync.daemon.db.JdbcSyncLog;
import io.ncsync.daemon.db.JdbcWebhookOutbox;
import io.ncsync.daemon.db.JournalProbe;
import io.ncsync.daemon.http.AdminHttpServer;
import io.ncsync.daemon.http.AdminRoutes;
import io.ncsync.daemon.http.ApiErrors;
import io.ncsync.daemon.http.BearerAuth;
import io.ncsync.daemon.http.ConnectionRoutes;
import io.ncsync.daemon.http.HealthRoutes;
import io.ncsync.daemon.http.HostCheck;
import io.ncsync.daemon.http.JsonSupport;
import io.ncsync.daemon.http.KeyRoutes;
import io.ncsync.daemon.http.ServerHistoryRoutes;
import io.ncsync.daemon.http.LibraryRoutes;
import io.ncsync.daemon.http.LogRoutes;
import io.ncsync.daemon.http.EventRoutes;
import io.ncsync.daemon.http.MetricsRoutes;
import io.ncsync.daemon.http.WebhookRoutes;
import io.ncsync.daemon.webhooks.WebhookDispatcher;
import io.ncsync.daemon.metrics.DaemonMetrics;
import io.ncsync.daemon.events.LiveEvent;
import io.ncsync.daemon.events.LiveEventPublisher;
import io.ncsync.daemon.events.LibraryObservers;
import io.ncsync.persistence.library.LibraryObserver;
import akka.actor.typed.ActorRef;
import akka.actor.typed.pubsub.Topic;
import io.ncsync.daemon.http.TenantRoutes;
import io.ncsync.daemon.security.AdminToken;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.daemon.security.KeyRotation;
import io.ncsync.daemon.security.LegacySecretMigration;
import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.sync.SyncEngine;
import io.ncsync.persistence.tenant.Tenant;
import io.ncsync.persistence.tenant.TenantDirectory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The root actor: wires the daemon. It joins the one-node cluster, starts sharding for tenants and libraries, builds
 * the libraries' I/O, binds the admin API and spawns the {@link SyncScheduler}. If the API cannot bind, the daemon
 * shuts down with {@link ShutdownReasons.StartupFailed} (exit code 1).
 */
public final class Guardian {

  public sealed interface Command {}

  private record Bound(ServerBinding binding) implements Command {}

  private record BindFailed(Throwable cause) implements Command {}

  /** Told when the admin API is bound or the start failed (Main and tests wait on it). */
  public interface Listener {
    void bound(InetSocketAddress address);

    void failed(Throwable cause);
  }

  /**
   * What the Guardian wires.
   *
   * @param workspacesRoot the workspaces root as a real path (created before the ActorSystem starts)
   */
  public record Dependencies(
      Settings settings,
      AdminToken adminToken,
      CredentialCipher cipher,
      Path workspacesRoot,
      SyncEngineFactory syncIoFactory,
      Listener listener,
      java.util.Optional<javax.net.ssl.SSLContext> adminTls) {
    public Dependencies(Settings settings, AdminToken adminToken, CredentialCipher cipher, Path workspacesRoot,
        SyncEngineFactory syncIoFactory, Listener listener) {
      this(settings, adminToken, cipher, workspacesRoot, syncIoFactory, listener, java.util.Optional.empty());
    }
  }

  public static Behavior<Command> create(Dependencies deps) {
    return Behaviors.setup(context -> {
      ActorSystem<?> system = context.getSystem();
      Settings settings = deps.settings();

      Cluster cluster = Cluster.get(system);
      cluster.manager().tell(Join.create(cluster.selfMember().address()));

      Tenant.init(system);
      TenantDirectory.init(system);
      Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("ncsync.blocking-io-dispatcher"));
      SyncEngine syncIo = deps.syncIoFactory().create(system, settings, deps.cipher(), blocking);
      com.typesafe.config.Config config = system.settings().config();
      JdbcSyncLog syncLog = new JdbcSyncLog(settings.dbUrl(), settings.dbUser(), settings.dbPassword(),
          java.time.Duration.ofMillis(500), config.getDuration("ncsync.logs.retention"),
          config.getDuration("ncsync.logs.run-retention"));
      JdbcWebhookOutbox outbox = new JdbcWebhookOutbox(settings.dbUrl(), settings.dbUser(), settings.dbPassword());
      JdbcDocumentHistory documentHistory = new JdbcDocumentHistory(settings.dbUrl(), settings.dbUser(),
          settings.dbPassword(), java.time.Duration.ofMillis(500));
      // Written after the libraries stopped (their last steps are in), before the process ends.
      CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "document-history",
          () -> CompletableFuture.supplyAsync(() -> {
            documentHistory.close();
            syncLog.close();
            outbox.close();
            return akka.Done.getInstance();
          }));
      ActorRef<Topic.Command<LiveEvent>> liveEvents =
          context.spawn(Topic.create(LiveEvent.class, LiveEventPublisher.TOPIC), "live-events");
      DaemonMetrics metrics = new DaemonMetrics();
      io.ncsync.protocol.http.RequestTimings.get(system).listen(metrics);
      ActorRef<WebhookDispatcher.Command> webhooks = context.spawn(WebhookDispatcher.create(ClusterSharding.get(system),
          outbox, deps.cipher(), settings.askTimeout(), java.time.Duration.ofSeconds(1)), "webhooks");
      LibraryObserver observers = new LibraryObservers(List.of(syncLog,
          new LiveEventPublisher(liveEvents, JsonSupport.newMapper(),
              event -> webhooks.tell(new WebhookDispatcher.Notify(event))), metrics));
      Library.init(system, syncIo, new Library.Settings(settings.parallelTransfers(), settings.snapshotEvery(),
          100, 1L << 20, deps.workspacesRoot(), settings.documentRetry())
          // With periodic sync off (NCSYNC_SYNC_INTERVAL=0) runs happen only on request: no first run, no resume.
          .withRunsUnasked(settings.periodicSync())
          .withStaleRunAfter(config.getDuration("ncsync.sync.stale-run-after")), syncLog.logging(documentHistory),
          observers);
      // The WebDAV clients' pools close after the libraries have handed off (and finished their transfers), not
      // under them when the ActorSystem terminates.
      CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
          "webdav-connection-pools", () -> Http.get(system).shutdownAllConnectionPools()
              .thenApply(done -> akka.Done.getInstance()));

      ClusterSharding sharding = ClusterSharding.get(system);
      JsonSupport json = new JsonSupport(JsonSupport.newMapper());
      ApiErrors errors = new ApiErrors(json.mapper());
      JournalProbe journal = new JournalProbe(settings.dbUrl(), settings.dbUser(), settings.dbPassword(),
          (int) Math.max(1, Math.min(5, settings.askTimeout().toSeconds())), blocking);
      RecoveryGate gate = new RecoveryGate(reason -> failStart(system, deps, settings, reason));
      BearerAuth auth = new BearerAuth(deps.adminToken(), sharding, settings.askTimeout(), errors);
      LegacySecretMigration legacySecrets = new LegacySecretMigration(sharding,
          SyncScheduler.TenantIds.fromDirectory(sharding, settings.askTimeout()), deps.cipher(), settings.askTimeout(),
          blocking);
      legacySecrets.run();
      KeyRotation keyRotation = new KeyRotation(deps.cipher().keys(), legacySecrets::run,
          settings.secretKey().isEmpty() ? java.util.Optional.of(settings.dataDir()) : java.util.Optional.empty(),
          blocking);
      ConnectionRoutes connectionRoutes = new ConnectionRoutes(sharding, settings.askTimeout(), json, errors,
          deps.cipher(), new ConnectionChecker(system, DiskDavEngineFactory.probeDir(settings)),
          ServerPromisesBook.get(system));
      LibraryRoutes libraryRoutes = new LibraryRoutes(sharding, settings.askTimeout(), json, errors, syncIo,
          deps.workspacesRoot(), documentHistory, syncLog, config.getString("ncsync.libraries.remote-base-folder"));
      AdminRoutes routes = new AdminRoutes(
          new HealthRoutes(system, journal, Settings.DEFAULT_TENANT, settings.askTimeout(), errors, gate),
          connectionRoutes,
          libraryRoutes,
          new TenantRoutes(sharding, settings.askTimeout(), json, errors),
          new LogRoutes(sharding, settings.askTimeout(), errors, syncLog),
          new EventRoutes(liveEvents, errors),
          new MetricsRoutes(metrics, auth, errors),
          new WebhookRoutes(sharding, settings.askTimeout(), json, errors, deps.cipher()),
          new KeyRoutes(keyRotation, json, errors),
          new ServerHistoryRoutes(libraryRoutes, connectionRoutes, deps.syncIoFactory().remoteStores(), documentHistory,
              settings.dataDir().resolve("downloads"), errors, java.time.Clock.systemUTC()),
          auth,
          errors,
          new HostCheck(system.settings().config().getString("ncsync.http.allowed-hosts"), errors));

      context.pipeToSelf(
          AdminHttpServer.start(system, routes.route(), settings.httpHost(), settings.httpPort(), deps.adminTls()),
          (binding, error) -> error == null ? new Bound(binding) : new BindFailed(error));

      context.spawn(
          SyncScheduler.create(sharding, SyncScheduler.TenantIds.fromDirectory(sharding, settings.askTimeout()),
              schedule(settings), settings.askTimeout(),
              system.settings().config().getDuration("ncsync.startup.recovery-timeout"), gate),
          "sync-scheduler");

      return Behaviors.receive(Command.class)
          .onMessage(Bound.class, bound -> onBound(context, deps, bound))
          .onMessage(BindFailed.class, failed -> onBindFailed(context, deps, failed))
          .build();
    });
  }

  /** The daemon's intervals; with periodic sync off (interval 0) no full syncs either, only the cleanup. */
  public static Library.Schedule schedule(Settings settings) {
    return new Library.Schedule(settings.syncInterval(),
        settings.periodicSync() ? settings.fullSyncInterval() : java.time.Duration.ZERO, settings.cleanupInterval(),
        settings.trashRetention());
  }

  /** Recovery failed for good: a start-up error (exit code 1) that names the journal and the way out. */
  private static void failStart(ActorSystem<?> system, Dependencies deps, Settings settings, String reason) {
    String journal = io.ncsync.daemon.db.JournalCheck.name(settings);
    String message = "the journal " + journal + " could not be recovered: " + reason + ". Nothing was synced. "
        + (settings.dbKind() == io.ncsync.daemon.config.DbKind.POSTGRES
            ? "Check the database, or restore it from your PostgreSQL backup."
            : "Stop the daemon and restore the last good backup (`bin/ncsync restore` lists them; README.md, "
                + "'Backup and restore').") + " Shutting down.";
    org.slf4j.LoggerFactory.getLogger(Guardian.class).error(message);
    deps.listener().failed(new IllegalStateException(message));
    CoordinatedShutdown.get(system).runAll(ShutdownReasons.StartupFailed.INSTANCE);
  }

  private static Behavior<Command> onBound(ActorContext<Command> context, Dependencies deps, Bound bound) {
    InetSocketAddress address = bound.binding().localAddress();
    context.getLog().info("ncsync admin API listening on {}://{}:{}", deps.adminTls().isPresent() ? "https" : "http",
        address.getHostString(), address.getPort());
    deps.listener().bound(address);
    return Behaviors.same();
  }

  private static Behavior<Command> onBindFailed(ActorContext<Command> context, Dependencies deps, BindFailed failed) {
    Settings settings = deps.settings();
    context.getLog().error("cannot listen on {}:{} ({}); set NCSYNC_HTTP_HOST / NCSYNC_HTTP_PORT. Shutting down.",
        settings.httpHost(), settings.httpPort(), failed.cause().getMessage());
    deps.listener().failed(failed.cause());
    CoordinatedShutdown.get(context.getSystem()).runAll(ShutdownReasons.StartupFailed.INSTANCE);
    return Behaviors.same();
  }
}
