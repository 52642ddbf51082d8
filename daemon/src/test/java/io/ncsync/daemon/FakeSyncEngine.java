package io.ncsync.daemon;

import akka.Done;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.persistence.sync.ActionResult;
import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.Discovery;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.persistence.sync.SyncEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A SyncEngine for API and wiring tests: prepare succeeds (or fails with a set reason), discovery finds two empty trees,
 * optionally held back until {@link #release()} so a run stays active. A library given {@link #trees} instead finds those
 * files (same name, size 1, ETag "e" on both sides): uploads and downloads record them, a local deletion moves the file
 * to a pretended trash, and restores answer the path.
 */
public final class FakeSyncEngine implements SyncEngine {
  public final List<LibraryConfig> prepared = new ArrayList<>();
  public final AtomicInteger discoveries = new AtomicInteger();
  private volatile String prepareFailure;
  private volatile boolean holdDiscovery;
  private final List<CompletableFuture<Discovery>> held = new ArrayList<>();
  /** Per library id: what its discoveries find (else two empty trees). */
  public final Map<String, Discovery> scriptedDiscoveries = new java.util.concurrent.ConcurrentHashMap<>();
  /** Per library id: how its actions end (else skipped). */
  public final Map<String, java.util.function.Function<SyncAction, ActionResult>> actions = new java.util.concurrent.ConcurrentHashMap<>();
  /** Per library id and path: both sides as they are now (else unknown). */
  public final Map<String, Sides> sides = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, Trees> scripted = new java.util.concurrent.ConcurrentHashMap<>();
  /** Kept files restored, in order. */
  public final List<String> restored = new java.util.concurrent.CopyOnWriteArrayList<>();

  private record Trees(java.util.Set<String> local, java.util.Set<String> remote) {}

  /** From now on, discoveries of {@code libraryId} find these files locally and remotely. */
  public void trees(String libraryId, java.util.Set<String> local, java.util.Set<String> remote) {
    scripted.put(libraryId, new Trees(java.util.Set.copyOf(local), java.util.Set.copyOf(remote)));
  }

  public SyncEngineFactory factory() {
    return (system, settings, cipher, blocking) -> this;
  }

  public void failPrepare(String reason) {
    prepareFailure = reason;
  }

  /** From now on, discoveries wait until {@link #release()}. */
  public synchronized void hold() {
    holdDiscovery = true;
  }

  /** Completes every waiting discovery with empty trees and stops holding. */
  public synchronized void release() {
    holdDiscovery = false;
    held.forEach(f -> f.complete(empty()));
    held.clear();
  }

  @Override
  public synchronized CompletionStage<Done> prepare(LibraryConfig config) {
    if (prepareFailure != null) {
      // As the real engine: the local folder is made first, then the remote one fails.
      try {
        java.nio.file.Files.createDirectories(java.nio.file.Path.of(config.localRoot()));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return CompletableFuture.failedFuture(new IllegalStateException(prepareFailure));
    }
    prepared.add(config);
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  @Override
  public synchronized CompletionStage<Discovery> discover(LibraryConfig config, Map<String, BaseEntry> base) {
    discoveries.incrementAndGet();
    Trees trees = scripted.get(config.libraryId());
    if (trees != null) return CompletableFuture.completedFuture(discovery(trees));
    if (!holdDiscovery) return CompletableFuture.completedFuture(scriptedDiscoveries.getOrDefault(config.libraryId(), empty()));
    CompletableFuture<Discovery> future = new CompletableFuture<>();
    held.add(future);
    return future;
  }

  @Override
  public CompletionStage<ActionResult> execute(
      LibraryConfig config, String runId, SyncAction action, UploadSessionListener sessions) {
    var scriptedAction = actions.get(config.libraryId());
    if (scriptedAction != null) return CompletableFuture.completedFuture(scriptedAction.apply(action));

    if (!scripted.containsKey(config.libraryId())) return CompletableFuture.completedFuture(ActionResult.skipped(action.path()));
    String path = action.path();
    ActionResult result;
    if (action instanceof SyncAction.Upload || action instanceof SyncAction.Download) {
      result = ActionResult.of(path, new io.ncsync.persistence.sync.DocumentChange.BaseRecorded(
          new BaseEntry(path, false, "id-" + path, "e", 1, 1, "sha"), action instanceof SyncAction.Download
              ? io.ncsync.persistence.sync.Transfer.DOWNLOADED : io.ncsync.persistence.sync.Transfer.UPLOADED));
    } else if (action instanceof SyncAction.DeleteLocal) {
      result = ActionResult.of(path, new io.ncsync.persistence.sync.DocumentChange.BaseForgotten(path,
              io.ncsync.persistence.sync.Transfer.DELETED_LOCAL))
          .logging(new io.ncsync.persistence.sync.TrashEntry(java.util.UUID.randomUUID().toString(), path, 1, "sha",
              java.time.Instant.now(), runId, "deleted on the server", io.ncsync.persistence.sync.TrashEntry.Action.TRASHED,
              "trash/" + runId + "/" + path));
    } else {
      result = ActionResult.skipped(path);
    }
    return CompletableFuture.completedFuture(result);
  }

  @Override
  public CompletionStage<Sides> sides(LibraryConfig config, String path) {
    return CompletableFuture.completedFuture(sides.get(config.libraryId() + ":" + path));
  }

  @Override
  public CompletionStage<String> restoreFromTrash(LibraryConfig config, String kept, String path) {
    restored.add(kept);
    return CompletableFuture.completedFuture(path);
  }

  private static Discovery discovery(Trees trees) {
    Map<String, io.ncsync.persistence.sync.LocalEntry> local = new java.util.HashMap<>();
    for (String path : trees.local()) local.put(path, new io.ncsync.persistence.sync.LocalEntry(path, false, 1, 1, null));
    Map<String, io.ncsync.protocol.DavEntry> remote = new java.util.HashMap<>();
    for (String path : trees.remote()) remote.put(path, new io.ncsync.protocol.DavEntry(path, false, "e", 1, null, "id-" + path, null, null));
    return new Discovery(local, remote, Map.of());
  }

  private static Discovery empty() {
    return new Discovery(Map.of(), Map.of(), Map.of());
  }
}
