package io.ncsync.protocol;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Incremental discovery by folder ETags, as Nextcloud's desktop client does it: PROPFIND Depth 0 on the root first; an
 * ETag equal to the base means nothing changed anywhere (an unchanged tree of any size costs one request). Otherwise
 * Depth 1 listings descend only into folders whose ETag differs from the base (or that the base does not know), so a
 * change {@code d} folders deep costs {@code d + 1} listings plus the first Depth 0.
 *
 * <p>Pruning is only sound where a change below a folder gives every ancestor a new ETag: Nextcloud, not plain
 * WebDAV. On stores whose {@link RemoteStore#etagsPropagate()} is false the walk lists every folder (no pruning, no
 * Depth 0 first). Mount points whose ETags may not propagate (external storage) can be forced open with
 * {@code neverPrune}.
 */
public final class PrunedWalker {
  private PrunedWalker() {}

  /**
   * @param store          the tree to walk
   * @param baseFolderEtag the ETag the journal holds for a folder path ("" = root), or null when it knows none
   */
  public static CompletionStage<PrunedTree> walk(RemoteStore store, Function<String, String> baseFolderEtag) {
    return walk(store, baseFolderEtag, TreeWalker.DEFAULT_PARALLELISM, folder -> false);
  }

  /**
   * @param parallelism most folders listed at once
   * @param neverPrune  folders to list even when their ETag is unchanged (e.g. mounted external storage)
   */
  public static CompletionStage<PrunedTree> walk(RemoteStore store, Function<String, String> baseFolderEtag,
      int parallelism, Predicate<DavEntry> neverPrune) {
    CountingStore counting = new CountingStore(store);
    if (!store.etagsPropagate()) {
      TreeWalker walker = TreeWalker.start(counting, parallelism, folder -> true, null);
      return walker.result().thenApply(tree ->
          PrunedTree.of(tree.root(), tree.entries(), Set.of(), counting.requests.get()));
    }
    // Depth 1 on the root at once: its own entry answers "unchanged?" in the same request that lists its children,
    // so an unchanged tree costs one request and a change depth d costs d listings, not d + 1.
    return counting.list("").thenCompose(rootListing -> {
      DavEntry root = rootListing.self();
      if (unchanged(root, baseFolderEtag)) {
        return java.util.concurrent.CompletableFuture.completedFuture(
            PrunedTree.of(root, Map.of(), Set.of(""), counting.requests.get()));
      }
      Predicate<DavEntry> descend = folder -> neverPrune.test(folder) || !unchanged(folder, baseFolderEtag);
      TreeWalker walker = TreeWalker.start(counting, parallelism, descend, rootListing);
      return walker.result().thenApply(tree ->
          PrunedTree.of(tree.root(), tree.entries(), walker.skippedFolders(), counting.requests.get()));
    });
  }

  private static boolean unchanged(DavEntry folder, Function<String, String> baseFolderEtag) {
    String base = ETags.normalize(baseFolderEtag.apply(folder.path()));
    return base != null && base.equals(folder.etag());
  }

  /** Counts the PROPFINDs of one walk. */
  private static final class CountingStore extends ForwardingRemoteStore {
    final AtomicInteger requests = new AtomicInteger();

    CountingStore(RemoteStore delegate) {
      super(delegate);
    }

    @Override
    public CompletionStage<DavEntry> stat(String path) {
      requests.incrementAndGet();
      return super.stat(path);
    }

    @Override
    public CompletionStage<Listing> list(String folderPath) {
      requests.incrementAndGet();
      return super.list(folderPath);
    }
  }
}
