package io.ncsync.daemon.sync;

import akka.Done;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.persistence.sync.ActionResult;
import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.Discovery;
import io.ncsync.persistence.sync.DiscoveryInput;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.persistence.sync.SyncIo;
import io.ncsync.protocol.RemoteStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The real {@link SyncIo}: the workspace on disk and the library's folder on its WebDAV server. Discovery reads both
 * sides concurrently (the remote side through {@link RemoteDiscovery}); each action runs on the blocking executor
 * through {@link ActionExecutor}.
 */
public final class DavSyncIo implements SyncIo {
  private final RemoteStores stores;
  private final Path workspacesRoot;
  private final Path trashRoot;
  private final Executor blocking;
  private final RemoteDiscovery.Settings discovery;
  private final Clock clock;

  /** @param workspacesRoot every library folder lies below it; the daemon's staging folder is made in it */
  public DavSyncIo(RemoteStores stores, Path workspacesRoot, Path trashRoot, Executor blocking) {
    this(stores, workspacesRoot, trashRoot, blocking, true, Duration.ofHours(1));
  }

  /**
   * @param useChangeFeed    follow the server's change feed (Nextcloud's activity stream) where it has one
   * @param fullWalkInterval at the latest this long after a run took changes on the feed's word, walk in full again
   */
  public DavSyncIo(RemoteStores stores, Path workspacesRoot, Path trashRoot, Executor blocking, boolean useChangeFeed,
      Duration fullWalkInterval) {
    this(stores, workspacesRoot, trashRoot, blocking,
        new RemoteDiscovery.Settings(useChangeFeed, fullWalkInterval, RemoteDiscovery.Settings.defaults().maxActivities()),
        Clock.systemUTC());
  }

  DavSyncIo(RemoteStores stores, Path workspacesRoot, Path trashRoot, Executor blocking, RemoteDiscovery.Settings discovery,
      Clock clock) {
    this.stores = stores;
    this.workspacesRoot = workspacesRoot.toAbsolutePath().normalize();
    this.trashRoot = trashRoot.toAbsolutePath().normalize();
    this.blocking = blocking;
    this.discovery = discovery;
    this.clock = clock;
  }

  @Override
  public CompletionStage<Done> prepare(LibraryConfig config) {
    CompletableFuture<Done> local = CompletableFuture.supplyAsync(() -> {
      try {
        workspace(config).createLibraryFolder();
        return Done.getInstance();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot create the workspace folder " + config.localRoot() + ": " + e.getMessage(), e);
      }
    }, blocking);
    return local.thenCompose(done -> stores.forConnection(config.tenantId(), config.connectionId()))
        .thenCompose(store -> store.mkdirs(config.remotePath()))
        .thenApply(v -> Done.getInstance());
  }

  @Override
  public CompletionStage<Discovery> discover(LibraryConfig config, Map<String, BaseEntry> base) {
    return discover(config, DiscoveryInput.of(base));
  }

  @Override
  public CompletionStage<Discovery> discover(LibraryConfig config, DiscoveryInput input) {
    CompletableFuture<DiskWorkspace.Scan> scan = CompletableFuture.supplyAsync(() -> {
      try {
        DiskWorkspace workspace = workspace(config);
        workspace.prepareStaging();
        return workspace.scan(input.base());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("workspace scan failed: " + e.getMessage(), e);
      }
    }, blocking);
    CompletionStage<RemoteDiscovery.Result> remote =
        remoteStore(config).thenCompose(store -> RemoteDiscovery.run(store, input, discovery, clock));
    return scan.thenCombine(remote, (local, listing) ->
        new Discovery(local.entries(), listing.entries(), local.skipped(), listing.root(), listing.feed()));
  }

  @Override
  public CompletionStage<ActionResult> execute(
      LibraryConfig config, String runId, SyncAction action, UploadSessionListener sessions) {
    return remoteStore(config).thenApplyAsync(store -> {
      DiskWorkspace workspace;
      try {
        workspace = workspace(config);
      } catch (java.io.IOException e) {
        return ActionResult.failed(action.path(), e.getMessage(), true);
      }
      return new ActionExecutor(workspace, store, trashFor(config, runId), config.mode(), runId, sessions).execute(action);
    }, blocking);
  }

  @Override
  public CompletionStage<java.util.List<ActionResult>> executeBatch(
      LibraryConfig config, String runId, SyncAction.UploadBatch batch, UploadSessionListener sessions) {
    return remoteStore(config).thenApplyAsync(store -> {
      DiskWorkspace workspace;
      try {
        workspace = workspace(config);
      } catch (java.io.IOException e) {
        return batch.uploads().stream().map(u -> ActionResult.failed(u.path(), e.getMessage(), true)).toList();
      }
      return new ActionExecutor(workspace, store, trashFor(config, runId), config.mode(), runId, sessions).executeBatch(batch);
    }, blocking);
  }

  private DiskWorkspace workspace(LibraryConfig config) throws java.io.IOException {
    return new DiskWorkspace(workspacesRoot, Path.of(config.localRoot()), config.tenantId(), config.libraryId());
  }

  private CompletionStage<RemoteStore> remoteStore(LibraryConfig config) {
    return stores.forConnection(config.tenantId(), config.connectionId()).thenApply(store -> store.scoped(config.remotePath()));
  }

  /** Per library and run, outside every workspace: data/trash/tenant/library/run/. */
  private Path trashFor(LibraryConfig config, String runId) {
    return trashRoot.resolve(config.tenantId()).resolve(config.libraryId()).resolve(runId);
  }
}
