package io.ncsync.protocol;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A folder tree on a WebDAV server, addressed by paths relative to its root ('/'-separated, no leading slash, "" = root).
 * Every operation completes exceptionally with a {@link DavException} on failure. Implementations are thread-safe.
 * Engine tests substitute an in-memory implementation.
 */
public interface RemoteStore {

  /** PROPFIND Depth 0. */
  CompletionStage<DavEntry> stat(String path);

  /** PROPFIND Depth 1 of a folder. Children with hostile names fail the whole listing with HOSTILE_NAME. */
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
}
