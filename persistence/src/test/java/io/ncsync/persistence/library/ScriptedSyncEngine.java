package io.ncsync.persistence.library;

import akka.Done;
import io.ncsync.persistence.sync.ActionResult;
import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.Discovery;
import io.ncsync.persistence.sync.DiscoveryInput;
import io.ncsync.persistence.sync.DocumentChange;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.persistence.sync.SyncEngine;
import io.ncsync.persistence.sync.Transfer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * A SyncEngine whose answers the test sets: the next discovery (possibly held open), and how actions end (by default they
 * succeed the obvious way). Records every executed action.
 */
class ScriptedSyncEngine implements SyncEngine {
  volatile CompletableFuture<Discovery> nextDiscovery = new CompletableFuture<>();
  volatile Function<SyncAction, CompletionStage<ActionResult>> actions = a -> CompletableFuture.completedFuture(succeed(a));
  final ConcurrentLinkedQueue<SyncAction> executed = new ConcurrentLinkedQueue<>();

  /** How the server answers locks (default: it has none), and what was asked of it: "lock path" / "unlock path". */
  volatile java.util.function.Function<String, CompletionStage<Boolean>> serverLocks =
      path -> CompletableFuture.completedFuture(false);
  final ConcurrentLinkedQueue<String> serverLockCalls = new ConcurrentLinkedQueue<>();

  @Override
  public CompletionStage<Boolean> serverLock(LibraryConfig config, String path, boolean lock) {
    serverLockCalls.add((lock ? "lock " : "unlock ") + path);
    return lock ? serverLocks.apply(path) : CompletableFuture.completedFuture(true);
  }

  /** The listener of the open workspace watch (null when none is open), and how many watches were closed. */
  volatile io.ncsync.persistence.sync.ChangeWatch.Listener watchListener;
  final java.util.concurrent.atomic.AtomicInteger watchesClosed = new java.util.concurrent.atomic.AtomicInteger();

  /** The listener of the open server-folder watch (null when none is open). */
  volatile io.ncsync.persistence.sync.ChangeWatch.Listener remoteListener;

  @Override
  public io.ncsync.persistence.sync.ChangeWatch watchRemote(LibraryConfig config,
      io.ncsync.persistence.sync.ChangeWatch.Listener listener) {
    remoteListener = listener;
    return new io.ncsync.persistence.sync.ChangeWatch() {
      @Override
      public String unavailable() {
        return null;
      }

      @Override
      public String how() {
        return "notify_push";
      }

      @Override
      public void close() {
        remoteListener = null;
      }
    };
  }

  @Override
  public io.ncsync.persistence.sync.ChangeWatch watchWorkspace(LibraryConfig config,
      io.ncsync.persistence.sync.ChangeWatch.Listener listener) {
    watchListener = listener;
    return new io.ncsync.persistence.sync.ChangeWatch() {
      @Override
      public String unavailable() {
        return null;
      }

      @Override
      public void close() {
        watchListener = null;
        watchesClosed.incrementAndGet();
      }
    };
  }

  @Override
  public CompletionStage<Done> prepare(LibraryConfig config) {
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  /** How many abandoned upload folders the server has for the next cleanup, and the sessions each cleanup kept. */
  volatile int abandonedUploads;
  final ConcurrentLinkedQueue<java.util.Set<String>> uploadCleanups = new ConcurrentLinkedQueue<>();

  @Override
  public CompletionStage<Integer> removeAbandonedUploads(LibraryConfig config, java.util.Set<String> keep) {
    uploadCleanups.add(keep);
    int removed = abandonedUploads;
    abandonedUploads = 0;
    return CompletableFuture.completedFuture(removed);
  }

  /** What the library passed to the last discovery. */
  volatile DiscoveryInput lastInput;

  @Override
  public CompletionStage<Discovery> discover(LibraryConfig config, Map<String, BaseEntry> base) {
    return nextDiscovery;
  }

  /** How many discoveries were asked for: one per run. */
  final java.util.concurrent.atomic.AtomicInteger discoveries = new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public CompletionStage<Discovery> discover(LibraryConfig config, DiscoveryInput input) {
    lastInput = input;
    discoveries.incrementAndGet();
    return nextDiscovery;
  }

  @Override
  public CompletionStage<ActionResult> execute(
      LibraryConfig config, String runId, SyncAction action, UploadSessionListener sessions) {
    lastConfig = config;
    sessionListener = sessions;
    // Recorded once its outcome exists: a test that sees the action executed can then reach what it returns.
    CompletionStage<ActionResult> outcome = actions.apply(action);
    executed.add(action);
    return outcome;
  }

  volatile UploadSessionListener sessionListener;
  /** The configuration the last action ran with. */
  volatile LibraryConfig lastConfig;

  List<String> executedPaths() {
    return executed.stream().map(SyncAction::path).toList();
  }

  static ActionResult succeed(SyncAction action) {
    if (action instanceof SyncAction.Upload u) {
      return ActionResult.of(u.path(), new DocumentChange.BaseRecorded(
          new BaseEntry(u.path(), false, "id-" + u.path(), "etag-" + u.path(), u.local().size(), u.local().mtimeMillis(), u.local().sha256()), Transfer.UPLOADED));
    }
    if (action instanceof SyncAction.Download d) {
      return ActionResult.of(d.path(), new DocumentChange.BaseRecorded(
          new BaseEntry(d.path(), false, d.remote().fileId(), d.remote().etag(), d.remote().size(), 1, "sha-" + d.path()), Transfer.DOWNLOADED));
    }
    if (action instanceof SyncAction.DeleteRemote r) return ActionResult.of(r.path(), new DocumentChange.BaseForgotten(r.path(), Transfer.DELETED_REMOTE));
    if (action instanceof SyncAction.DeleteLocal r) return ActionResult.of(r.path(), new DocumentChange.BaseForgotten(r.path(), Transfer.DELETED_LOCAL));
    if (action instanceof SyncAction.CreateRemoteFolder f) return ActionResult.of(f.path(), new DocumentChange.BaseRecorded(BaseEntry.folder(f.path(), null, null), Transfer.NONE));
    if (action instanceof SyncAction.CreateLocalFolder f) return ActionResult.of(f.path(), new DocumentChange.BaseRecorded(BaseEntry.folder(f.path(), f.remote().fileId(), null), Transfer.NONE));
    if (action instanceof SyncAction.MoveLocal m) return ActionResult.of(m.path(), new DocumentChange.BaseMoved(m.baseFrom(), m.to()));
    if (action instanceof SyncAction.MoveRemote m) return ActionResult.of(m.path(), new DocumentChange.BaseMoved(m.baseFrom(), m.to()));
    return ActionResult.skipped(action.path());
  }
}
