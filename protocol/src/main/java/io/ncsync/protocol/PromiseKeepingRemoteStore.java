package io.ncsync.protocol;

import io.ncsync.protocol.http.HttpTransport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * Keeps, on this side, the promises a server was seen to break ({@link ServerPromises}): before an upload that must
 * not overwrite anything it checks that nothing exists at the destination, and before an {@code If-Match} upload or
 * delete that the destination still has that ETag, failing with the same PRECONDITION_FAILED (412) an honest server
 * would answer. The check narrows the window in which a change on the server can be lost; it cannot close it (the
 * server may change between the check and the write). When MOVEs leave folder ETags unchanged it answers
 * {@link #etagsPropagate()} false, so discovery walks every folder instead of pruning by ETag.
 *
 * <p>Wrap with {@link #keeping}: a server that keeps every promise gets the store unchanged.
 */
public final class PromiseKeepingRemoteStore extends ForwardingRemoteStore {
  private final ServerPromises promises;

  private PromiseKeepingRemoteStore(RemoteStore delegate, ServerPromises promises) {
    super(delegate);
    this.promises = promises;
  }

  /** {@code store} itself when the server keeps every promise; otherwise a store that checks what it does not. */
  public static RemoteStore keeping(RemoteStore store, ServerPromises promises) {
    return promises.allKept() ? store : new PromiseKeepingRemoteStore(store, promises);
  }

  public ServerPromises promises() {
    return promises;
  }

  @Override
  public CompletionStage<UploadResult> upload(
      String path, Path source, Optional<String> ifMatchEtag, boolean mustNotExist) {
    return checkWrite(path, ifMatchEtag, mustNotExist)
        .thenCompose(checked -> delegate().upload(path, source, ifMatchEtag, mustNotExist));
  }

  @Override
  public CompletionStage<UploadResult> upload(String path, Path source, UploadOptions options) {
    return checkWrite(path, options.ifMatch(), options.mustNotExist())
        .thenCompose(checked -> delegate().upload(path, source, options));
  }

  @Override
  public CompletionStage<Void> delete(String path, Optional<String> ifMatchEtag) {
    return checkWrite(path, ifMatchEtag, false).thenCompose(checked -> delegate().delete(path, ifMatchEtag));
  }

  /** Files that already exist fail with PRECONDITION_FAILED; the others go to the server as one batch. */
  @Override
  public CompletionStage<List<BatchUploadResult>> uploadBatch(List<BatchUpload> files) {
    if (promises.refusesIfNoneMatchOnExisting() && promises.refusesMoveOntoExisting()) return delegate().uploadBatch(files);
    Set<String> parents = files.stream().map(f -> RemotePaths.parent(f.path())).collect(Collectors.toCollection(
        java.util.LinkedHashSet::new));
    Map<String, CompletableFuture<Set<String>>> existing = new LinkedHashMap<>();
    parents.forEach(parent -> existing.put(parent, namesIn(parent).toCompletableFuture()));
    return CompletableFuture.allOf(existing.values().toArray(CompletableFuture[]::new)).thenCompose(listed -> {
      List<BatchUploadResult> refused = new ArrayList<>();
      List<BatchUpload> fresh = new ArrayList<>();
      for (BatchUpload file : files) {
        boolean exists = existing.get(RemotePaths.parent(file.path())).join().contains(RemotePaths.name(file.path()));
        if (exists) refused.add(new BatchUploadResult(file.path(), null, existsAlready(file.path())));
        else fresh.add(file);
      }
      if (fresh.isEmpty()) return CompletableFuture.completedFuture(List.copyOf(refused));
      return delegate().uploadBatch(fresh).thenApply(uploaded -> inOrder(files, refused, uploaded));
    });
  }

  @Override
  public RemoteStore scoped(String subPath) {
    return new PromiseKeepingRemoteStore(delegate().scoped(subPath), promises);
  }

  /** Pruning by folder ETag is safe only when a MOVE changes them. */
  @Override
  public boolean etagsPropagate() {
    return promises.moveChangesParentEtag() && delegate().etagsPropagate();
  }

  @Override
  public String toString() {
    return "PromiseKeepingRemoteStore[" + promises + ", " + delegate() + "]";
  }

  // ---- The checks --------------------------------------------------------------------------------------------------

  /** A MOVE that must not replace anything, on a server that ignores {@code Overwrite: F}: look first. */
  @Override
  public CompletionStage<Void> move(String fromPath, String toPath, boolean overwrite) {
    if (overwrite || promises.refusesMoveOntoExisting()) return delegate().move(fromPath, toPath, overwrite);
    return current(toPath).thenCompose(entry -> {
      if (entry.isPresent()) throw new CompletionException(existsAlready(toPath));
      return delegate().move(fromPath, toPath, false);
    });
  }

  private CompletionStage<Void> checkWrite(String path, Optional<String> ifMatchEtag, boolean mustNotExist) {
    // A new file may go in by a MOVE with Overwrite: F (a staged create): a server ignoring either is checked.
    if (mustNotExist && !(promises.refusesIfNoneMatchOnExisting() && promises.refusesMoveOntoExisting())) {
      return current(path).thenApply(entry -> {
        if (entry.isPresent()) throw new CompletionException(existsAlready(path));
        return null;
      });
    }
    if (ifMatchEtag.isPresent() && !promises.refusesStaleIfMatch()) {
      String expected = ETags.normalize(ifMatchEtag.get());
      return current(path).thenApply(entry -> {
        String found = entry.map(e -> ETags.normalize(e.etag())).orElse(null);
        if (found == null || !found.equals(expected)) {
          throw new CompletionException(new DavException(DavError.PRECONDITION_FAILED, 412, "If-Match " + path
              + ": the server holds " + (found == null ? "nothing" : "another version (ETag " + found + ")")
              + " there (checked by ncsync, because this server does not refuse a stale If-Match)"));
        }
        return null;
      });
    }
    return CompletableFuture.completedFuture(null);
  }

  /** The entry at {@code path}, or empty when the server says nothing is there. */
  private CompletionStage<Optional<DavEntry>> current(String path) {
    return orWhenMissing(delegate().stat(path).thenApply(Optional::of), Optional.empty());
  }

  /** The names in {@code folder}; none when the folder does not exist. */
  private CompletionStage<Set<String>> namesIn(String folder) {
    return orWhenMissing(delegate().list(folder).thenApply(listing -> listing.children().stream()
        .map(child -> RemotePaths.name(child.path())).collect(Collectors.toSet())), Set.of());
  }

  private static <T> CompletionStage<T> orWhenMissing(CompletionStage<T> read, T missing) {
    return read.handle((value, error) -> {
      if (error == null) return value;
      if (HttpTransport.unwrap(error) instanceof DavException dav && dav.error() == DavError.NOT_FOUND) return missing;
      throw error instanceof CompletionException c ? c : new CompletionException(error);
    });
  }

  private static DavException existsAlready(String path) {
    return new DavException(DavError.PRECONDITION_FAILED, 412, "If-None-Match " + path
        + ": something already exists there (checked by ncsync, because this server does not refuse an upload onto an"
        + " existing file)");
  }

  /** The results in the order the files were given. */
  private static List<BatchUploadResult> inOrder(List<BatchUpload> files, List<BatchUploadResult> refused,
      List<BatchUploadResult> uploaded) {
    Map<String, BatchUploadResult> byPath = new LinkedHashMap<>();
    refused.forEach(r -> byPath.put(r.path(), r));
    uploaded.forEach(r -> byPath.put(r.path(), r));
    return files.stream().map(f -> byPath.get(f.path())).filter(java.util.Objects::nonNull).toList();
  }
}
