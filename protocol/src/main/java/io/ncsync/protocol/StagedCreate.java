package io.ncsync.protocol;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A new file on a server that answers PUT without an ETag (mod_dav and other plain WebDAV servers): PUT under a random
 * name nobody else writes, read its ETag there, then MOVE it onto its name with {@code Overwrite: F}. The ETag read is
 * then surely of our bytes: another writer who replaces the file right after it appears makes a new one (a rename keeps
 * a file's ETag where it is made of size and mtime, as mod_dav's is; a server whose ETag changes on MOVE costs one
 * needless download on the next run, never a lost version). A lock would do too, but a LOCK of a name that does not
 * exist makes a lock-null resource, which mod_dav lists as an empty file and corrupts under parallel LOCKs in one
 * folder. {@code Overwrite: F} refuses, as {@code If-None-Match: *} would, when something exists at the name.
 *
 * <p>The staging name is {@value #PREFIX} and 32 hex digits, the first 12 of them the connection's own (from its lock
 * owner name, which survives restarts). Listings leave such names out; one of ours that no upload of this process is
 * writing was left by a crash and is deleted by the first listing of its folder, anyone's once it was not modified for
 * {@link #ABANDONED_AFTER}.
 */
final class StagedCreate {
  static final String PREFIX = ".ncsync-upload-";
  private static final int HEX_DIGITS = 32;
  /** A staging file lives from its PUT's end to its MOVE, seconds; one this old was left by a crash. */
  static final java.time.Duration ABANDONED_AFTER = java.time.Duration.ofHours(1);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final AkkaHttpRemoteStore store;
  private final String path;
  private final Path source;
  private final LocalFile local;
  private final UploadOptions options;

  StagedCreate(AkkaHttpRemoteStore store, String path, Path source, LocalFile local, UploadOptions options) {
    this.store = store;
    this.path = path;
    this.source = source;
    this.local = local;
    this.options = options;
  }

  /** True for names only a staged create makes. */
  static boolean isStagingName(String name) {
    if (name.length() != PREFIX.length() + HEX_DIGITS || !name.startsWith(PREFIX)) return false;
    for (int i = PREFIX.length(); i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
    }
    return true;
  }

  private static final int TAG_DIGITS = 12;

  /** The hex digits that start every staging name of {@code owner}. */
  static String tagOf(String owner) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(owner.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, TAG_DIGITS);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  CompletionStage<UploadResult> run() {
    return staged(store, path, this::run);
  }

  /**
   * Runs {@code body} with a fresh staging name beside {@code path}, known as in flight from before it exists until
   * {@code body} ends, so a listing of its folder meanwhile leaves it alone.
   */
  static <T> CompletionStage<T> staged(AkkaHttpRemoteStore store, String path, Function<String, CompletionStage<T>> body) {
    byte[] random = new byte[(HEX_DIGITS - TAG_DIGITS) / 2];
    RANDOM.nextBytes(random);
    String parent = RemotePaths.parent(path);
    ConnectionWrites traits = store.shared().writes();
    String staging = (parent.isEmpty() ? "" : parent + "/") + PREFIX + traits.stagingTag() + HexFormat.of().formatHex(random);
    String stagingUrl = store.url(staging);
    traits.stagingStarted(stagingUrl);
    CompletionStage<T> done;
    try {
      done = body.apply(staging);
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    return done.whenComplete((result, error) -> traits.stagingEnded(stagingUrl));
  }

  private CompletionStage<UploadResult> run(String staging) {
    return putThenPlace(store, path, staging, source, local, options,
            (result, entry) -> store.move(staging, path, false)
                .thenApply(moved -> result.withListedIdentity(entry.etag(), entry.fileId())))
        .exceptionally(error -> {
          Throwable cause = AkkaHttpRemoteStore.unwrap(error);
          Throwable shown = cause instanceof DavException dav && dav.error() == DavError.PRECONDITION_FAILED
              ? new DavException(DavError.PRECONDITION_FAILED, dav.status(),
                  "PUT " + store.describe(path) + ": something already exists there", dav)
              : cause;
          throw shown instanceof CompletionException c ? c : new CompletionException(shown);
        });
  }

  /**
   * PUTs {@code source} under {@code staging}, reads the staged file's listing (its ETag is surely of our bytes: nobody
   * else writes that name), then lets {@code place} move it where it belongs. On any failure the staging file is
   * deleted and the failure passed on. Used for new files here and for replacements by {@link LockedUpload}.
   */
  static CompletionStage<UploadResult> putThenPlace(AkkaHttpRemoteStore store, String path, String staging, Path source,
      LocalFile local, UploadOptions options,
      java.util.function.BiFunction<UploadResult, DavEntry, CompletionStage<UploadResult>> place) {
    UploadOptions fresh = new UploadOptions(null, true, null, options.sessionListener());
    return new PlainUpload(store, staging, source, local, fresh, null).run()
        .thenCompose(result -> store.stat(staging).thenCompose(entry -> {
          if (entry.size() != result.size()) {
            throw new DavException(DavError.CONFLICT, 0, "PUT " + store.describe(path) + ": " + result.size()
                + " bytes sent, " + entry.size() + " listed under the staging name " + RemotePaths.name(staging));
          }
          return place.apply(result, entry);
        }))
        .handle((result, error) -> {
          if (error == null) return CompletableFuture.completedFuture(result);
          return store.delete(staging, Optional.empty()).handle((deleted, ignored) -> {
            throw error instanceof CompletionException c ? c : new CompletionException(error);
          }).thenApply(never -> (UploadResult) null);
        })
        .thenCompose(Function.identity());
  }
}
