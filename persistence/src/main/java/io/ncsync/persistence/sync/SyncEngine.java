package io.ncsync.persistence.sync;

import akka.Done;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.protocol.UploadSession;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Everything a library does outside its own state: the workspace on disk and the remote server. Injected into the
 * library entity so the domain is tested without either; the daemon provides the real one.
 */
public interface SyncEngine {

  /** Creates the local workspace folder and the remote folder when missing; fails with the reason otherwise. */
  CompletionStage<Done> prepare(LibraryConfig config);

  /** What {@link #prepareUndoably} made on the server, and how to take it back if the library is not made after all. */
  @FunctionalInterface
  interface Prepared {
    Prepared NOTHING_TO_UNDO = () -> java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());

    /** Removes what the preparation made, if it is still empty; never fails (a leftover is logged). */
    CompletionStage<Done> undo();
  }

  /**
   * Takes ({@code lock}) or releases the server's lock on a file of the library (Nextcloud's files_lock), for a
   * document locked through the API. Completes with whether the server holds such locks at all; fails when someone
   * else holds the file (the message names them). The default: no server locks.
   */
  default CompletionStage<Boolean> serverLock(LibraryConfig config, String path, boolean lock) {
    return java.util.concurrent.CompletableFuture.completedFuture(false);
  }

  /** Starts watching the library's workspace for changes (see {@link ChangeWatch}); the default cannot. */
  default ChangeWatch watchWorkspace(LibraryConfig config, ChangeWatch.Listener listener) {
    return ChangeWatch.unavailable("this engine does not watch workspaces");
  }

  /** Starts watching the library's server folder for changes (push or polling); the default cannot. */
  default ChangeWatch watchRemote(LibraryConfig config, ChangeWatch.Listener listener) {
    return ChangeWatch.unavailable("this engine does not watch servers");
  }

  /** Like {@link #prepare}, for a library that may still fail to be made. The default has nothing to undo. */
  default CompletionStage<Prepared> prepareUndoably(LibraryConfig config) {
    return prepare(config).thenApply(done -> Prepared.NOTHING_TO_UNDO);
  }

  /**
   * Scans the workspace (hashing only what size and mtime do not settle against {@code base}) and lists the remote tree.
   * Fails as a whole when either side cannot be read completely: a partial view must never look like deletions.
   */
  CompletionStage<Discovery> discover(LibraryConfig config, Map<String, BaseEntry> base);

  /**
   * The same, with what else the library knows (its change-feed position, its failed paths); the default uses the
   * base alone.
   */
  default CompletionStage<Discovery> discover(LibraryConfig config, DiscoveryInput input) {
    return discover(config, input.base());
  }

  /**
   * Executes one planned action; expected failures complete normally with {@link ActionResult#failed}. A chunked
   * upload reports its session to {@code sessions} as it progresses, so that a restarted daemon resumes it.
   */
  CompletionStage<ActionResult> execute(LibraryConfig config, String runId, SyncAction action, UploadSessionListener sessions);

  /** Executes a batch of new-file uploads: one result per file, in order. The default uploads them one by one. */
  default CompletionStage<java.util.List<ActionResult>> executeBatch(
      LibraryConfig config, String runId, SyncAction.UploadBatch batch, UploadSessionListener sessions) {
    CompletionStage<java.util.List<ActionResult>> chain = java.util.concurrent.CompletableFuture.completedFuture(new java.util.ArrayList<>());
    for (SyncAction.Upload upload : batch.uploads()) {
      chain = chain.thenCompose(results -> execute(config, runId, upload, sessions).thenApply(result -> {
        results.add(result);
        return results;
      }));
    }
    return chain;
  }

  /**
   * Puts a file the library kept ({@link TrashEntry#kept()}) back in its workspace at {@code path}, or beside it with a
   * suffix when the path is taken; completes with the path it was restored to.
   */
  default CompletionStage<String> restoreFromTrash(LibraryConfig config, String kept, String path) {
    return java.util.concurrent.CompletableFuture.failedFuture(new UnsupportedOperationException("restore is not supported"));
  }

  /**
   * Removes files kept in the library's trash area for good; completes with those removed (a failure leaves the others
   * for the next cleanup).
   */
  default CompletionStage<java.util.Set<String>> purgeTrash(LibraryConfig config, java.util.Collection<String> kept) {
    return java.util.concurrent.CompletableFuture.failedFuture(new UnsupportedOperationException("purge is not supported"));
  }


  /**
   * Removes the library's connection's chunked-upload folders ncsync left on the server (not in {@code keep}, the
   * transfer ids of sessions still on record, and unchanged for a day); completes with how many went. The default has
   * none to look at: -1.
   */
  default CompletionStage<Integer> removeAbandonedUploads(LibraryConfig config, java.util.Set<String> keep) {
    return java.util.concurrent.CompletableFuture.completedFuture(-1);
  }

  /**
   * Both sides of {@code path} as they are now (a local stat, a Depth-0 listing), to check a conflict's record before
   * the operator's choice is taken. The default knows nothing and answers null.
   */
  default CompletionStage<Sides> sides(LibraryConfig config, String path) {
    return java.util.concurrent.CompletableFuture.completedFuture(null);
  }

  /** One path on both sides; null where absent. A local folder is {@link LocalEntry#folder}. */
  record Sides(LocalEntry local, io.ncsync.protocol.DavEntry remote) {}

  /** Told when a chunked upload starts or completes a chunk, and before a conflict is carried out on disk. */
  @FunctionalInterface
  interface UploadSessionListener {
    void saved(String path, UploadSession session);

    /**
     * Returns once {@code conflict} is on record (journaled): called before the first write that carries it out, so a
     * crash in between never leaves a conflict copy nobody was told of. Fails, with nothing written, when it cannot be
     * recorded. The default (no journal) returns at once.
     */
    default void recordBeforeActing(ConflictRecord conflict) throws java.io.IOException {}
  }
}
