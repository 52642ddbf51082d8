package io.ncsync.daemon.sync;

import akka.Done;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.persistence.sync.ActionResult;
import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.Discovery;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.persistence.sync.SyncIo;
import io.ncsync.protocol.RemoteStore;
import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.PrunedWalker;
import java.util.HashMap;
import io.ncsync.protocol.TreeWalker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The real {@link SyncIo}: the workspace on disk and the library's folder on its WebDAV server. Discovery reads both
 * sides concurrently; each action runs on the blocking executor through {@link ActionExecutor}.
 */
public final class DavSyncIo implements SyncIo {
  private final RemoteStores stores;
  private final Path trashRoot;
  private final Executor blocking;

  public DavSyncIo(RemoteStores stores, Path trashRoot, Executor blocking) {
    this.stores = stores;
    this.trashRoot = trashRoot.toAbsolutePath().normalize();
    this.blocking = blocking;
  }

  @Override
  public CompletionStage<Done> prepare(LibraryConfig config) {
    CompletableFuture<Done> local = CompletableFuture.supplyAsync(() -> {
      try {
        Files.createDirectories(Path.of(config.localRoot()));
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
    DiskWorkspace workspace = new DiskWorkspace(Path.of(config.localRoot()));
    CompletableFuture<DiskWorkspace.Scan> scan = CompletableFuture.supplyAsync(() -> {
      try {
        return workspace.scan(base);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("workspace scan failed: " + e.getMessage(), e);
      }
    }, blocking);
    CompletionStage<RemoteListing> remote = remoteStore(config).thenCompose(store -> listRemote(store, base));
    return scan.thenCombine(remote, (local, listing) -> new Discovery(local.entries(), listing.entries(), local.skipped(), listing.root()));
  }

  private record RemoteListing(DavEntry root, Map<String, DavEntry> entries) {}

  /**
   * On servers whose folder ETags propagate (Nextcloud) only folders whose ETag differs from the base are listed, and
   * the subtrees left out are taken from the base: an unchanged tree of any size costs one request. Elsewhere the
   * whole tree is walked.
   */
  private static CompletionStage<RemoteListing> listRemote(RemoteStore store, Map<String, BaseEntry> base) {
    if (!store.etagsPropagate()) {
      return TreeWalker.walk(store).thenApply(tree -> new RemoteListing(tree.root(), tree.entries()));
    }
    return PrunedWalker.walk(store, path -> {
      BaseEntry entry = base.get(path);
      return entry != null && entry.folder() ? entry.etag() : null;
    }).thenApply(tree -> {
      Map<String, DavEntry> entries = new HashMap<>(tree.entries());
      for (BaseEntry known : base.values()) {
        if (!known.path().isEmpty() && tree.insidePrunedFolder(known.path())) entries.put(known.path(), asListed(known));
      }
      return new RemoteListing(tree.root(), entries);
    });
  }

  /** A base entry standing in for the listing of an unchanged subtree. */
  private static DavEntry asListed(BaseEntry known) {
    return new DavEntry(known.path(), known.folder(), known.etag(), known.folder() ? -1 : known.size(), null, known.fileId(), null, null);
  }

  @Override
  public CompletionStage<ActionResult> execute(
      LibraryConfig config, String runId, SyncAction action, UploadSessionListener sessions) {
    return remoteStore(config).thenApplyAsync(store -> {
      ActionExecutor executor = new ActionExecutor(
          new DiskWorkspace(Path.of(config.localRoot())), store, trashFor(config, runId), config.mode(), runId, sessions);
      return executor.execute(action);
    }, blocking);
  }

  @Override
  public CompletionStage<java.util.List<ActionResult>> executeBatch(
      LibraryConfig config, String runId, SyncAction.UploadBatch batch, UploadSessionListener sessions) {
    return remoteStore(config).thenApplyAsync(store -> new ActionExecutor(
        new DiskWorkspace(Path.of(config.localRoot())), store, trashFor(config, runId), config.mode(), runId, sessions)
        .executeBatch(batch), blocking);
  }

  private CompletionStage<RemoteStore> remoteStore(LibraryConfig config) {
    return stores.forConnection(config.tenantId(), config.connectionId()).thenApply(store -> store.scoped(config.remotePath()));
  }

  /** Per library and run, outside every workspace: data/trash/tenant/library/run/. */
  private Path trashFor(LibraryConfig config, String runId) {
    return trashRoot.resolve(config.tenantId()).resolve(config.libraryId()).resolve(runId);
  }
}
