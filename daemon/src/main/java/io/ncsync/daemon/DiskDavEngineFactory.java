package io.ncsync.daemon;

import akka.actor.typed.ActorSystem;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.connections.ConnectionRemoteStores;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.daemon.sync.DiskDavPorts;
import io.ncsync.daemon.sync.RemoteWatchers;
import io.ncsync.daemon.sync.WorkspaceWatchers;
import io.ncsync.persistence.sync.PortSyncEngine;
import io.ncsync.persistence.sync.RemoteDiscovery;
import java.time.Clock;
import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.TransferSettings;
import io.ncsync.protocol.http.TransportSettings;
import io.ncsync.persistence.sync.SyncEngine;
import java.util.concurrent.Executor;

/** The real I/O: workspaces on disk, remotes over WebDAV with each connection's decrypted credentials. */
public final class DiskDavEngineFactory implements SyncEngineFactory {
  private volatile ConnectionRemoteStores stores;

  @Override
  public java.util.Optional<io.ncsync.daemon.sync.RemoteStores> remoteStores() {
    return java.util.Optional.ofNullable(stores);
  }

  @Override
  public SyncEngine create(ActorSystem<?> system, Settings settings, CredentialCipher cipher, Executor blocking) {
    var stores = ConnectionRemoteStores.create(system, settings.askTimeout(), cipher, clientSettings(settings.remote()),
        settings.remote().tenantBytesPerSecond(), probeDir(settings));
    var discovery = new RemoteDiscovery.Settings(settings.activityFeed(), settings.fullWalkInterval(),
        RemoteDiscovery.Settings.defaults().maxActivities());
    this.stores = stores;
    WorkspaceWatchers watchers = WorkspaceWatchers.start();
    if (watchers != null) system.getWhenTerminated().thenRun(watchers::close);
    RemoteWatchers remoteWatchers = new RemoteWatchers(system, stores,
        system.settings().config().getDuration("ncsync.sync.remote-poll-interval"));
    system.getWhenTerminated().thenRun(remoteWatchers::close);
    return new PortSyncEngine(new DiskDavPorts(stores, settings.workspacesRoot(), settings.trashDir(),
        settings.archiveDir(), watchers).watchingRemotes(remoteWatchers), blocking, discovery,
        Clock.systemUTC());
  }

  /** The daemon's own folder for the server promise probe's small local file (never inside a workspace). */
  public static java.nio.file.Path probeDir(Settings settings) {
    return settings.dataDir().resolve("promise-probe");
  }

  /** The WebDAV/Nextcloud client tuned by {@code ncsync.remote}. */
  static AkkaHttpRemoteStore.Settings clientSettings(Settings.Remote remote) {
    AkkaHttpRemoteStore.Settings defaults = AkkaHttpRemoteStore.Settings.defaults();
    TransportSettings transport = defaults.effectiveTransport()
        .withRateLimit(remote.requestsPerSecond(), Math.max(1, remote.requestsPerSecond()))
        .withConcurrency(remote.maxConcurrentRequests(), defaults.effectiveTransport().maxQueuedRequests())
        .withBytesPerSecond(remote.bytesPerSecond());
    TransferSettings transfers = defaults.transfers();
    transfers = transfers.withChunking(remote.chunkThreshold(), remote.chunkSize(), transfers.minChunkSize())
        .withChunkSizing(remote.chunkTargetDuration(), remote.maxChunkSize())
        .withChunkParallelism(remote.chunkParallelism());
    return defaults.withMaxConnections(remote.maxConnections()).withTransport(transport).withTransfers(transfers)
        .withTransferTimeoutPerMiB(remote.transferTimeout(), remote.transferTimeoutPerMiB())
        .withMaxListingBytes(remote.maxListingBytes());
  }
}
