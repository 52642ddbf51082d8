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
          PrunedTree.of(tree.root(), tree, Set.of(), counting.requests.get()));
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
          PrunedTree.of(tree.root(), tree, walker.skippedFolders(), counting.requests.get()));
    });
  }

  /**
   * The same walk from a Depth 1 listing of the root already made (so deciding "unchanged?" costs nothing more).
   *
   * @param baseFolderEtag as for {@link #walk(RemoteStore, Function)}; answering null for "" walks even an unchanged
   *                       root, descending wherever a folder's ETag differs from the base
   */
  public static CompletionStage<PrunedTree> walkFrom(RemoteStore store, Listing rootListing,
      Function<String, String> baseFolderEtag, int parallelism) {
    if (!store.etagsPropagate()) throw new IllegalArgumentException("pruning needs propagating folder ETags");
    CountingStore counting = new CountingStore(store);
    DavEntry root = rootListing.self();
    if (unchanged(root, baseFolderEtag)) {
      return java.util.concurrent.CompletableFuture.completedFuture(PrunedTree.of(root, Map.of(), Set.of(""), 0));
    }
    TreeWalker walker = TreeWalker.start(counting, parallelism, folder -> !unchanged(folder, baseFolderEtag), rootListing);
    return walker.result().thenApply(tree ->
        PrunedTree.of(tree.root(), tree, walker.skippedFolders(), counting.requests.get()));
  }

  /**
   * A pruned walk guided by a change feed: {@code rootListing} (the root's Depth 1 listing, already made) shows which of
   * the root's folders changed; for those that hold a folder the feed named ({@code changedFolders}), the walk lists
   * the named folders straight away instead of every changed folder on the way down, and prunes below them as usual.
   * A change d folders deep then costs one listing instead of d. Changed folders the feed did not explain are walked as
   * usual, so a change the feed missed is still found unless it lies below a folder the walk jumped over; those
   * ({@link PrunedTree#jumpedFolders()}) keep their base ETags, so the next full walk looks into them.
   *
   * <p>A named folder that no longer exists fails the walk with NOT_FOUND, like any failed listing: walk in full then.
   */
  public static CompletionStage<PrunedTree> walkTowards(RemoteStore store, Listing rootListing,
      Function<String, String> baseFolderEtag, Set<String> changedFolders, int parallelism) {
    if (!store.etagsPropagate()) throw new IllegalArgumentException("a guided walk needs propagating folder ETags");
    CountingStore counting = new CountingStore(store);
    DavEntry root = rootListing.self();
    if (unchanged(root, baseFolderEtag)) {
      return java.util.concurrent.CompletableFuture.completedFuture(PrunedTree.of(root, Map.of(), Set.of(""), 0));
    }
    Map<String, DavEntry> rootChildren = new java.util.HashMap<>();
    for (DavEntry child : rootListing.children()) rootChildren.put(child.path(), child);
    Set<String> seeds = new java.util.TreeSet<>();
    Set<String> jumped = new java.util.HashSet<>();
    for (String folder : outermost(changedFolders)) {
      if (RemotePaths.depth(folder) < 2) continue; // the root's own children are listed as usual
      DavEntry top = rootChildren.get(RemotePaths.firstSegment(folder));
      // Gone, a file now, new, or unchanged since the base: the usual rules decide, and a stale hint costs nothing.
      if (top == null || !top.collection() || baseFolderEtag.apply(top.path()) == null || unchanged(top, baseFolderEtag)) {
        continue;
      }
      seeds.add(folder);
      for (String p = RemotePaths.parent(folder); !p.isEmpty(); p = RemotePaths.parent(p)) jumped.add(p);
    }
    Predicate<DavEntry> descend = folder -> !jumped.contains(folder.path()) && !unchanged(folder, baseFolderEtag);
    TreeWalker walker = TreeWalker.start(counting, parallelism, descend, rootListing, seeds);
    return walker.result().thenApply(tree -> {
      Set<String> pruned = walker.skippedFolders();
      pruned.removeAll(jumped);
      return PrunedTree.of(tree.root(), tree, pruned, jumped, seeds, counting.requests.get());
    });
  }

  /** The folders of {@code folders} that have no ancestor among them. */
  private static java.util.List<String> outermost(Set<String> folders) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (String folder : new java.util.TreeSet<>(folders)) {
      boolean inside = false;
      for (String p = folder; !p.isEmpty() && !inside; ) {
        p = RemotePaths.parent(p);
        inside = folders.contains(p) && !p.isEmpty();
      }
      if (!inside) out.add(folder);
    }
    return out;
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
