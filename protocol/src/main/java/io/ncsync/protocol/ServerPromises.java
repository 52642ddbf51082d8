package io.ncsync.protocol;

import io.ncsync.protocol.http.HttpTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * What a server was seen to honour, measured by {@link #probe} in a scratch folder. Some servers that speak Nextcloud's
 * protocol overwrite a file despite {@code If-None-Match: *}, delete despite a stale {@code If-Match}, or leave folder
 * ETags unchanged after a MOVE (PROTOCOL.md §9); {@link PromiseKeepingRemoteStore} makes up for what they do not do.
 *
 * @param refusesIfNoneMatchOnExisting a PUT with {@code If-None-Match: *} onto an existing file answers 412
 * @param refusesStaleIfMatch          a PUT and a DELETE with an {@code If-Match} that no longer matches answer 412
 * @param moveChangesParentEtag        a MOVE gives the source's and the destination's folders, and the folder above
 *                                     both, new ETags (so an unchanged folder ETag proves nothing moved below it)
 * @param refusesMoveOntoExisting      a MOVE with {@code Overwrite: F} onto an existing file answers 412 (what a
 *                                     staged create and a move of ours count on never to replace anyone's file)
 */
public record ServerPromises(
    boolean refusesIfNoneMatchOnExisting, boolean refusesStaleIfMatch, boolean moveChangesParentEtag,
    boolean refusesMoveOntoExisting) {

  /** Every promise kept (an honest Nextcloud). */
  public static final ServerPromises ALL_KEPT = new ServerPromises(true, true, true, true);

  /** Nothing taken on trust: what a connection assumes when the probe could not be run. */
  public static final ServerPromises NONE_TRUSTED = new ServerPromises(false, false, false, false);

  /** The first three promises; {@code Overwrite: F} honoured (as recorded before it was probed). */
  public ServerPromises(boolean refusesIfNoneMatchOnExisting, boolean refusesStaleIfMatch, boolean moveChangesParentEtag) {
    this(refusesIfNoneMatchOnExisting, refusesStaleIfMatch, moveChangesParentEtag, true);
  }

  /** The scratch folders are named so; a leftover one (a crash mid-probe) is safe to delete by hand. */
  public static final String SCRATCH_PREFIX = ".ncsync-probe-";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String STALE_ETAG = "\"ncsync-probe-stale-etag\"";

  public boolean allKept() {
    return refusesIfNoneMatchOnExisting && refusesStaleIfMatch && moveChangesParentEtag && refusesMoveOntoExisting;
  }

  /**
   * Probes {@code store} in a new scratch folder {@code .ncsync-probe-<random>} at its root: makes two sub-folders
   * and a small file, tries an {@code If-None-Match: *} PUT onto the file, a PUT and a DELETE with a stale
   * {@code If-Match}, a MOVE of a file from one sub-folder to the other, comparing the folders' ETags before and
   * after, and a MOVE with {@code Overwrite: F} of a new file onto the moved one. Touches nothing outside the scratch folder, and deletes it afterwards whatever happened (a failed clean-up
   * is reported through {@code onCleanupFailure}, never as the probe's result). Fails with the first
   * {@link DavException} that kept the probe from finishing (e.g. FORBIDDEN when the root is read-only).
   *
   * @param tempDir where the probe's small local file is written (and deleted)
   */
  public static CompletionStage<ServerPromises> probe(RemoteStore store, Path tempDir,
      java.util.function.Consumer<Throwable> onCleanupFailure) {
    String scratch = SCRATCH_PREFIX + HexFormat.of().formatHex(randomBytes());
    Path content;
    try {
      content = Files.createTempFile(tempDir, "ncsync-probe-", ".txt");
      Files.writeString(content, "ncsync checks whether this server keeps its promises; removed at once.\n");
    } catch (java.io.IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    Probe probe = new Probe(store, scratch, content);
    return store.mkcol(scratch)
        .thenCompose(made -> probe.run()
            .handle((result, error) -> store.delete(scratch, Optional.empty())
                .handle((deleted, cleanupError) -> {
                  if (cleanupError != null) onCleanupFailure.accept(HttpTransport.unwrap(cleanupError));
                  if (error != null) throw error instanceof CompletionException c ? c : new CompletionException(error);
                  return result;
                }))
            .thenCompose(Function.identity()))
        .whenComplete((result, error) -> deleteQuietly(content));
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[6];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (java.io.IOException ignored) {
      // a temp file; the OS cleans its temp folder
    }
  }

  /** The steps, inside an existing scratch folder. */
  private record Probe(RemoteStore store, String scratch, Path content) {
    CompletionStage<ServerPromises> run() {
      String from = scratch + "/from";
      String to = scratch + "/to";
      String file = from + "/probe.txt";
      return store.mkcol(from)
          .thenCompose(v -> store.mkcol(to))
          // Unguarded: the folder is new, and a repeat of a PUT whose answer was lost must not fail the probe.
          .thenCompose(v -> store.upload(file, content, Optional.empty(), false))
          .thenCompose(v -> refused(store.upload(file, content, Optional.empty(), true)))
          .thenCompose(ifNoneMatch -> refused(store.upload(file, content, Optional.of(STALE_ETAG), false))
              .thenCompose(putIfMatch -> refused(store.delete(file, Optional.of(STALE_ETAG)))
                  .thenCompose(deleteIfMatch -> restore(file, deleteIfMatch)
                      .thenCompose(v -> moveChangesParentEtags(file, to + "/probe.txt"))
                      .thenCompose(move -> moveOntoExistingRefused(file, to + "/probe.txt")
                          .thenApply(noOverwrite -> new ServerPromises(ifNoneMatch, putIfMatch && deleteIfMatch, move,
                              noOverwrite))))));
    }

    /** A DELETE the server should have refused removed the file: put it back for the MOVE step. */
    private CompletionStage<Void> restore(String file, boolean deleteWasRefused) {
      if (deleteWasRefused) return CompletableFuture.completedFuture(null);
      return store.upload(file, content, Optional.empty(), false).thenApply(r -> null);
    }

    private CompletionStage<Boolean> moveChangesParentEtags(String file, String target) {
      String from = RemotePaths.parent(file);
      String to = RemotePaths.parent(target);
      return etags(from, to).thenCompose(before -> store.move(file, target, false)
          .thenCompose(v -> etags(from, to))
          .thenApply(after -> changed(before[0], after[0]) && changed(before[1], after[1])
              && changed(before[2], after[2])));
    }

    /** A new file at {@code file}, then a MOVE of it onto {@code existing} with {@code Overwrite: F}: refused? */
    private CompletionStage<Boolean> moveOntoExistingRefused(String file, String existing) {
      return store.upload(file, content, Optional.empty(), false)
          .thenCompose(v -> refused(store.move(file, existing, false)));
    }

    /** A folder without an ETag (some plain WebDAV servers) proves nothing either. */
    private static boolean changed(String before, String after) {
      String was = ETags.normalize(before);
      String is = ETags.normalize(after);
      return was != null && is != null && !was.equals(is);
    }

    /** The ETags of the scratch folder and the two folders a MOVE touches. */
    private CompletionStage<String[]> etags(String from, String to) {
      return store.stat(scratch).thenCompose(s -> store.stat(from).thenCompose(f -> store.stat(to)
          .thenApply(t -> new String[] {s.etag(), f.etag(), t.etag()})));
    }

    /** True when the request was refused with 412; false when the server did it anyway. */
    private static CompletionStage<Boolean> refused(CompletionStage<?> request) {
      return request.handle((done, error) -> {
        if (error == null) return false;
        Throwable cause = HttpTransport.unwrap(error);
        if (cause instanceof DavException dav && dav.error() == DavError.PRECONDITION_FAILED) return true;
        throw error instanceof CompletionException c ? c : new CompletionException(error);
      });
    }
  }
}
