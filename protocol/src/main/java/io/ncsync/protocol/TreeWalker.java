package io.ncsync.protocol;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Lists a whole remote tree with Depth 1 PROPFINDs (Depth infinity is refused or expensive on real servers), a bounded
 * number of folders at a time. Files are never asked for on their own. Any failed listing fails the whole walk: a
 * partial tree would read as "these files were deleted". Entries a listing left out for their names are collected in
 * {@link RemoteTree#excluded()}; a folder left out is not descended into.
 *
 * <p>{@link #walk(RemoteStore, Function)} walks incrementally instead: see {@link PrunedWalker}.
 */
public final class TreeWalker {
  public static final int DEFAULT_PARALLELISM = 4;

  private final RemoteStore store;
  private final int parallelism;
  private final Predicate<DavEntry> descend;
  private final CompletableFuture<RemoteTree> result = new CompletableFuture<>();

  // Guarded by this.
  private final Deque<String> pending = new ArrayDeque<>();
  private final Map<String, DavEntry> entries = new HashMap<>();
  private final Map<String, String> excluded = new HashMap<>();
  private final Set<String> skipped = new TreeSet<>();
  private final Set<String> seeds = new java.util.HashSet<>();
  private DavEntry root;
  private int inFlight;
  private boolean pumping;
  private boolean pumpAgain;

  private TreeWalker(RemoteStore store, int parallelism, Predicate<DavEntry> descend) {
    this.store = store;
    this.parallelism = parallelism;
    this.descend = descend;
  }

  public static CompletionStage<RemoteTree> walk(RemoteStore store) {
    return walk(store, DEFAULT_PARALLELISM);
  }

  public static CompletionStage<RemoteTree> walk(RemoteStore store, int parallelism) {
    return start(store, parallelism, folder -> true, null).result;
  }

  /**
   * Incremental walk: folders whose ETag equals {@code baseFolderEtag.apply(path)} are not descended into (on servers
   * whose ETags propagate). See {@link PrunedWalker#walk(RemoteStore, Function)}.
   */
  public static CompletionStage<PrunedTree> walk(RemoteStore store, Function<String, String> baseFolderEtag) {
    return PrunedWalker.walk(store, baseFolderEtag);
  }

  /** A walk that lists only the folders {@code descend} accepts (the root always), starting from a root listing if given. */
  static TreeWalker start(RemoteStore store, int parallelism, Predicate<DavEntry> descend, Listing rootListing) {
    return start(store, parallelism, descend, rootListing, List.of());
  }

  /**
   * The same, also listing {@code seeds} (folders below the root, none inside another) whether or not a listing on the
   * way names them: a change feed may point the walk straight at them. A seed's own entry is its listing's self.
   */
  static TreeWalker start(RemoteStore store, int parallelism, Predicate<DavEntry> descend, Listing rootListing,
      java.util.Collection<String> seeds) {
    if (parallelism < 1) throw new IllegalArgumentException("parallelism must be at least 1");
    TreeWalker walker = new TreeWalker(store, parallelism, descend);
    synchronized (walker) {
      walker.pending.addAll(seeds);
      walker.seeds.addAll(seeds);
      if (rootListing != null) walker.inFlight++;
      else walker.pending.addFirst("");
    }
    if (rootListing != null) walker.onListed("", rootListing);
    else walker.pump();
    return walker;
  }

  CompletionStage<RemoteTree> result() {
    return result;
  }

  /** Folders that were listed as children but not descended into. Read after {@link #result()} completed. */
  synchronized Set<String> skippedFolders() {
    return new TreeSet<>(skipped);
  }

  /**
   * Starts listings while there is room. A listing that completes synchronously (in-memory stores) calls back into
   * pump() on the same stack; the flag turns that recursion into another turn of this loop, so deep or wide trees do not
   * overflow the stack.
   */
  private void pump() {
    synchronized (this) {
      if (pumping) {
        pumpAgain = true;
        return;
      }
      pumping = true;
    }
    while (true) {
      List<String> batch = new ArrayList<>();
      synchronized (this) {
        pumpAgain = false;
        while (!result.isDone() && inFlight < parallelism && !pending.isEmpty()) {
          batch.add(pending.poll());
          inFlight++;
        }
        if (batch.isEmpty() && !pumpAgain) {
          pumping = false;
          return;
        }
      }
      for (String folder : batch) listFolder(folder);
    }
  }

  private void listFolder(String folder) {
    CompletionStage<Listing> listing;
    try {
      listing = store.list(folder);
    } catch (RuntimeException e) {
      listing = CompletableFuture.failedFuture(e);
    }
    listing.whenComplete((answer, error) -> {
      if (error != null) fail(error);
      else onListed(folder, answer);
    });
  }

  private void onListed(String folder, Listing listing) {
    for (DavEntry child : listing.children()) {
      // A store that names anything but direct children could send the walk in circles.
      if (!RemotePaths.parent(child.path()).equals(folder) || child.path().isEmpty()) {
        fail(new DavException(DavError.MALFORMED_RESPONSE, 0, "listing of " + RemotePaths.printable(folder)
            + " named " + RemotePaths.printable(child.path()) + ", which is not a direct child"));
        return;
      }
    }
    boolean finished;
    synchronized (this) {
      inFlight--;
      if (folder.isEmpty()) root = listing.self();
      else if (seeds.contains(folder)) entries.put(folder, listing.self());
      excluded.putAll(listing.excluded());
      for (DavEntry child : listing.children()) {
        entries.put(child.path(), child);
        if (!child.collection()) continue;
        if (descend.test(child)) pending.add(child.path());
        else skipped.add(child.path());
      }
      finished = inFlight == 0 && pending.isEmpty();
    }
    if (finished) {
      synchronized (this) {
        result.complete(RemoteTree.of(root, entries, excluded));
      }
    } else {
      pump();
    }
  }

  private void fail(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    result.completeExceptionally(cause);
  }
}
