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
 * optionally held back until {@link #release()} so a run stays active.
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
      return CompletableFuture.failedFuture(new IllegalStateException(prepareFailure));
    }
    prepared.add(config);
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  @Override
  public synchronized CompletionStage<Discovery> discover(LibraryConfig config, Map<String, BaseEntry> base) {
    discoveries.incrementAndGet();
    if (!holdDiscovery) return CompletableFuture.completedFuture(scriptedDiscoveries.getOrDefault(config.libraryId(), empty()));
    CompletableFuture<Discovery> future = new CompletableFuture<>();
    held.add(future);
    return future;
  }

  @Override
  public CompletionStage<ActionResult> execute(
      LibraryConfig config, String runId, SyncAction action, UploadSessionListener sessions) {
    var scripted = actions.get(config.libraryId());
    return CompletableFuture.completedFuture(scripted == null ? ActionResult.skipped(action.path()) : scripted.apply(action));
  }

  @Override
  public CompletionStage<Sides> sides(LibraryConfig config, String path) {
    return CompletableFuture.completedFuture(sides.get(config.libraryId() + ":" + path));
  }

  private static Discovery empty() {
    return new Discovery(Map.of(), Map.of(), Map.of());
  }
}
