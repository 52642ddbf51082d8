package io.ncsync.protocol;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A folder tree on a WebDAV server, addressed by paths relative to its root ('/'-separated, no leading slash, "" = root).
 * Every operation completes exceptionally with a {@link DavException} on failure. Implementations are thread-safe.
 * Engine tests substitute an in-memory implementation.
 */
public interface RemoteStore {

  /** PROPFIND Depth 0. */
  CompletionStage<DavEntry> stat(String path);

  /**
   * PROPFIND Depth 1 of a folder. Children whose names cannot be local names are left out and reported in
   * {@link Listing#excluded()}; an href naming another place fails the listing with HOSTILE_NAME.
   */
  CompletionStage<Listing> list(String folderPath);

  /**
   * GET streamed into {@code target} (created or truncated), never buffered in memory. Completes after the file is
   * flushed; fails with INTEGRITY when the byte count differs from Content-Length.
   */
  CompletionStage<DownloadResult> download(String path, Path target);

  /**
   * PUT streamed from {@code source}.
   *
   * @param ifMatchEtag when present, sent as If-Match (412 → PRECONDITION_FAILED when the remote changed)
   * @param mustNotExist when true, sent as If-None-Match: * (412 when something exists at the path)
   */
  CompletionStage<UploadResult> upload(String path, Path source, Optional<String> ifMatchEtag, boolean mustNotExist);

  /** MKCOL. Fails with METHOD_NOT_ALLOWED when it exists, CONFLICT when the parent is missing. */
  CompletionStage<Void> mkcol(String path);

  /** MKCOL of every missing folder along the path; succeeds when the folder already exists. */
  CompletionStage<Void> mkdirs(String path);

  /** DELETE, guarded by If-Match when an ETag is given. */
  CompletionStage<Void> delete(String path, Optional<String> ifMatchEtag);

  /** MOVE to another path of the same store. */
  CompletionStage<Void> move(String fromPath, String toPath, boolean overwrite);

  /** A store rooted at a sub-folder of this one (no request is made). */
  RemoteStore scoped(String subPath);

  // ---- Additions with defaults, so other implementations keep compiling ----------------------------------------------

  /**
   * Upload with the full set of options (guards, resumable chunked session). The default ignores the session parts and
   * calls {@link #upload(String, Path, Optional, boolean)}.
   */
  default CompletionStage<UploadResult> upload(String path, Path source, UploadOptions options) {
    return upload(path, source, options.ifMatch(), options.mustNotExist());
  }

  /**
   * Download with options (checksum to verify, resume of a partial file). The default ignores them and calls
   * {@link #download(String, Path)}.
   */
  default CompletionStage<DownloadResult> download(String path, Path target, DownloadOptions options) {
    return download(path, target);
  }

  /**
   * True when a change anywhere below a folder gives the folder a new ETag (Nextcloud), so an unchanged folder ETag
   * proves an unchanged subtree and {@link PrunedWalker} may skip it. False for plain WebDAV servers (mod_dav).
   */
  default boolean etagsPropagate() {
    return false;
  }

  /**
   * Where this store's changes can be read without walking it (Nextcloud's activity stream, when the server has it),
   * scoped like the store; empty elsewhere.
   */
  default java.util.Optional<ChangeFeed> changeFeed() {
    return java.util.Optional.empty();
  }

  /** The names this server refuses to store, so that local files so named are left alone rather than failed. */
  default ForbiddenNames forbiddenNames() {
    return ForbiddenNames.NONE;
  }

  /**
   * Uploads new files (each must not exist yet); one file's failure does not fail the others. The default uploads them
   * one after another with If-None-Match: *.
   */
  default CompletionStage<List<BatchUploadResult>> uploadBatch(List<BatchUpload> files) {
    CompletionStage<List<BatchUploadResult>> chain = CompletableFuture.completedFuture(new ArrayList<>());
    for (BatchUpload file : files) {
      chain = chain.thenCompose(results -> upload(file.path(), file.source(), Optional.empty(), true)
          .handle((result, error) -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            results.add(cause == null
                ? new BatchUploadResult(file.path(), result, null)
                : new BatchUploadResult(file.path(), null, cause instanceof Exception e ? e : new RuntimeException(cause)));
            return results;
          }));
    }
    return chain.thenApply(List::copyOf);
  }
}
