package io.ncsync.persistence.sync;

import akka.Done;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.protocol.ForbiddenNames;
import io.ncsync.protocol.RemoteStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The engine over its two ports: discovery reads the {@link Workspace} and the {@link RemoteStore} concurrently (the
 * remote side through {@link RemoteDiscovery}); each planned action runs through {@link Propagator} on the blocking
 * executor (file I/O and the propagator's waits never occupy an actor's thread).
 */
public final class PortSyncEngine implements SyncEngine {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PortSyncEngine.class);
  private final LibraryPorts ports;
  private final Executor blocking;
  private final RemoteDiscovery.Settings discovery;
  private final Clock clock;

  public PortSyncEngine(LibraryPorts ports, Executor blocking) {
    this(ports, blocking, RemoteDiscovery.Settings.defaults(), Clock.systemUTC());
  }

  public PortSyncEngine(LibraryPorts ports, Executor blocking, RemoteDiscovery.Settings discovery, Clock clock) {
    this.ports = ports;
    this.blocking = blocking;
    this.discovery = discovery;
    this.clock = clock;
  }

  @Override
  public CompletionStage<Done> prepare(LibraryConfig config) {
    CompletableFuture<Done> local = CompletableFuture.supplyAsync(() -> {
      try {
        ports.workspace(config).create();
        return Done.getInstance();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the workspace folder " + config.localRoot() + ": " + e.getMessage(), e);
      }
    }, blocking);
    return local.thenCompose(done -> ports.connection(config))
        .thenCompose(store -> store.mkdirs(config.remotePath()))
        .thenApply(v -> Done.getInstance());
  }

  @Override
  public CompletionStage<Boolean> serverLock(LibraryConfig config, String path, boolean lock) {
    return ports.remote(config).thenCompose(store -> {
      io.ncsync.protocol.nextcloud.FilesLock locks = store instanceof io.ncsync.protocol.AkkaHttpRemoteStore files
          ? io.ncsync.protocol.nextcloud.FilesLock.of(files) : null;
      if (locks == null) return CompletableFuture.completedFuture(false);
      return (lock ? locks.lock(path) : locks.unlock(path)).thenApply(done -> true);
    });
  }

  /** How long an upload folder must have been left unchanged before it counts as abandoned (as Nextcloud expires them). */
  static final java.time.Duration UPLOADS_ABANDONED_AFTER = java.time.Duration.ofDays(1);

  /** Plain WebDAV has no upload folders: nothing to remove (0). */
  @Override
  public CompletionStage<Integer> removeAbandonedUploads(LibraryConfig config, java.util.Set<String> keep) {
    return ports.connection(config).thenCompose(store -> {
      if (!(store instanceof io.ncsync.protocol.AkkaHttpRemoteStore files) || !files.features().nextcloud()) {
        return CompletableFuture.completedFuture(0);
      }
      return io.ncsync.protocol.nextcloud.UploadFolders.create(files).deleteAbandoned(UPLOADS_ABANDONED_AFTER, keep)
          .thenApply(List::size);
    });
  }

  @Override
  public ChangeWatch watchRemote(LibraryConfig config, ChangeWatch.Listener listener) {
    return ports.watchRemote(config, listener);
  }

  @Override
  public ChangeWatch watchWorkspace(LibraryConfig config, ChangeWatch.Listener listener) {
    return ports.watch(config, listener);
  }

  /** Remembers whether the remote folder was there before; only a folder this call made, still empty, is removed. */
  @Override
  public CompletionStage<Prepared> prepareUndoably(LibraryConfig config) {
    String folder = config.remotePath();
    if (folder.isEmpty()) return prepare(config).thenApply(done -> Prepared.NOTHING_TO_UNDO);
    return ports.connection(config)
        .thenCompose(store -> store.stat(folder).handle((entry, error) -> error == null || !notFound(error)))
        .thenCompose(existed -> prepare(config).thenApply(done -> existed ? Prepared.NOTHING_TO_UNDO
            : () -> removeIfEmpty(config)));
  }

  private CompletionStage<Done> removeIfEmpty(LibraryConfig config) {
    String folder = config.remotePath();
    return ports.connection(config)
        .thenCompose(store -> store.list(folder).thenCompose(listing -> listing.children().isEmpty()
            && listing.excluded().isEmpty()
            ? store.delete(folder, java.util.Optional.empty()).thenApply(v -> true)
            : CompletableFuture.completedFuture(false)))
        .handle((removed, error) -> {
          if (error != null) {
            log.warn("library {} was not made; its remote folder '{}' could not be removed: {}", config.libraryId(),
                folder, error.toString());
          } else if (!removed) {
            log.warn("library {} was not made; its remote folder '{}' is kept: it is not empty", config.libraryId(),
                folder);
          }
          return Done.getInstance();
        });
  }

  private static boolean notFound(Throwable error) {
    Throwable cause = error;
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) cause = cause.getCause();
    return cause instanceof io.ncsync.protocol.DavException dav && dav.error() == io.ncsync.protocol.DavError.NOT_FOUND;
  }

  @Override
  public CompletionStage<Discovery> discover(LibraryConfig config, Map<String, BaseEntry> base) {
    return discover(config, DiscoveryInput.of(base));
  }

  @Override
  public CompletionStage<Discovery> discover(LibraryConfig config, DiscoveryInput input) {
    CompletableFuture<LocalSide> scan = CompletableFuture.supplyAsync(() -> {
      try {
        Workspace workspace = ports.workspace(config);
        workspace.prepareRun();
        Workspace.Scan found = workspace.scan(input.base());
        if (input.full()) found = verified(config, workspace, found, input.base());
        return new LocalSide(found, workspace.caseInsensitive());
      } catch (IOException e) {
        throw new UncheckedIOException("workspace scan failed: " + e.getMessage(), e);
      }
    }, blocking);
    CompletionStage<RemoteSide> remote = ports.remote(config).thenCompose(store ->
        RemoteDiscovery.run(store, input, discovery, clock).thenApply(r -> new RemoteSide(r, store.forbiddenNames())));
    return scan.thenCombine(remote, (local, listed) -> {
      RemoteDiscovery.Result listing = listed.listing();
      Map<String, String> excluded = NameExclusions.of(local.scan().entries(), listing.entries(), local.scan().skipped(),
          listing.excluded(), listed.forbidden(), local.caseInsensitive());
      return new Discovery(local.scan().entries(), listing.entries(), excluded, listing.root(), listing.feed());
    });
  }

  /**
   * A full sync's check of local content: every file whose size and mtime match the base (so the scan took it as
   * unchanged without reading it) is hashed and compared with the base's hash. One that differs (an edit that kept
   * size and mtime, or a disk that changed it) then counts as changed ({@link Reconciler#localChanged}).
   */
  private static Workspace.Scan verified(LibraryConfig config, Workspace workspace, Workspace.Scan scan,
      Map<String, BaseEntry> base) throws IOException {
    Map<String, LocalEntry> entries = new java.util.HashMap<>(scan.entries());
    int checked = 0;
    List<String> differing = new java.util.ArrayList<>();
    for (LocalEntry local : scan.entries().values()) {
      BaseEntry known = base.get(local.path());
      if (local.folder() || local.sha256() != null || known == null || known.folder() || known.sha256() == null
          || !local.matchesStat(known)) {
        continue;
      }
      String hash;
      try {
        hash = workspace.sha256(local.path());
      } catch (java.nio.file.NoSuchFileException gone) {
        continue; // removed since the scan: the next run sees it gone
      }
      checked++;
      entries.put(local.path(), local.withSha256(hash));
      if (!hash.equals(known.sha256())) differing.add(local.path());
    }
    if (!differing.isEmpty()) {
      log.warn("library {}: full sync: {} of {} file(s) differ from what was last synced though size and modification "
          + "time match; they count as changed: {}", config.libraryId(), differing.size(), checked,
          differing.size() > 10 ? differing.subList(0, 10) + " …" : differing);
    } else {
      log.info("library {}: full sync: the content of {} file(s) checked against the last sync, all equal",
          config.libraryId(), checked);
    }
    return new Workspace.Scan(entries, scan.skipped());
  }

  /** What the scan found, and whether the workspace tells names apart by case. */
  private record LocalSide(Workspace.Scan scan, boolean caseInsensitive) {}

  /** What the server lists, and what names it refuses. */
  private record RemoteSide(RemoteDiscovery.Result listing, ForbiddenNames forbidden) {}

  @Override
  public CompletionStage<String> restoreFromTrash(LibraryConfig config, String kept, String path) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return ports.workspace(config).restoreFromTrash(kept, path);
      } catch (IOException e) {
        throw new UncheckedIOException("could not restore " + path + ": " + e.getMessage(), e);
      }
    }, blocking);
  }

  @Override
  public CompletionStage<java.util.Set<String>> purgeTrash(LibraryConfig config, java.util.Collection<String> kept) {
    return CompletableFuture.supplyAsync(() -> {
      java.util.Set<String> purged = new java.util.HashSet<>();
      try {
        Workspace workspace = ports.workspace(config);
        for (String file : kept) {
          try {
            workspace.purgeTrash(file);
            purged.add(file);
          } catch (IOException e) {
            log.warn("library {}: trash file {} not purged, the next cleanup tries again: {}", config.libraryId(), file, e.getMessage());
          }
        }
      } catch (IOException e) {
        log.warn("library {}: trash not purged: {}", config.libraryId(), e.getMessage());
      }
      return purged;
    }, blocking);
  }

  @Override
  public CompletionStage<ActionResult> execute(
      LibraryConfig config, String runId, SyncAction action, UploadSessionListener sessions) {
    return ports.remote(config).thenApplyAsync(store -> {
      Workspace workspace;
      try {
        workspace = ports.workspace(config);
      } catch (IOException e) {
        return ActionResult.failed(action.path(), FailureCode.WORKSPACE_UNAVAILABLE,
            "the workspace cannot be opened: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      }
      return new Propagator(workspace, store, config.mode(), runId, sessions, config.settings().conflictStrategy(),
          config.settings().archiveFolder()).execute(action);
    }, blocking);
  }

  @Override
  public CompletionStage<Sides> sides(LibraryConfig config, String path) {
    CompletableFuture<LocalEntry> local = CompletableFuture.supplyAsync(() -> {
      try {
        Workspace workspace = ports.workspace(config);
        LocalEntry file = workspace.stat(path);
        return file != null || !workspace.exists(path) ? file : LocalEntry.folder(path);
      } catch (IOException e) {
        throw new UncheckedIOException(e.getMessage(), e);
      }
    }, blocking);
    CompletionStage<io.ncsync.protocol.DavEntry> remote = ports.remote(config)
        .thenCompose(store -> store.stat(path))
        .exceptionally(error -> {
          Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
          if (cause instanceof io.ncsync.protocol.DavException dav && dav.error() == io.ncsync.protocol.DavError.NOT_FOUND) return null;
          throw error instanceof RuntimeException runtime ? runtime : new java.util.concurrent.CompletionException(error);
        });
    return local.thenCombine(remote, Sides::new);
  }

  @Override
  public CompletionStage<List<ActionResult>> executeBatch(
      LibraryConfig config, String runId, SyncAction.UploadBatch batch, UploadSessionListener sessions) {
    return ports.remote(config).thenApplyAsync(store -> {
      Workspace workspace;
      try {
        workspace = ports.workspace(config);
      } catch (IOException e) {
        return batch.uploads().stream()
            .map(u -> ActionResult.failed(u.path(), FailureCode.WORKSPACE_UNAVAILABLE,
                "the workspace cannot be opened: " + (e.getMessage() == null ? e.toString() : e.getMessage()))).toList();
      }
      return new Propagator(workspace, store, config.mode(), runId, sessions, config.settings().conflictStrategy(),
          config.settings().archiveFolder()).executeBatch(batch);
    }, blocking);
  }
}
