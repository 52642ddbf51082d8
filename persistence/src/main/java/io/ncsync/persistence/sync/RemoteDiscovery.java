package io.ncsync.persistence.sync;

import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.BaseListing;
import io.ncsync.persistence.sync.ChangeFeedPosition;
import io.ncsync.persistence.sync.DiscoveryInput;
import io.ncsync.protocol.ChangeFeed;
import io.ncsync.protocol.ChangeFeedPage;
import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.ETags;
import io.ncsync.protocol.Listing;
import io.ncsync.protocol.PrunedTree;
import io.ncsync.protocol.PrunedWalker;
import io.ncsync.protocol.RemotePaths;
import io.ncsync.protocol.RemoteStore;
import io.ncsync.protocol.TreeWalker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The remote half of a run's discovery: what the library's folder holds now, read as cheaply as the server allows.
 * <ul>
 *   <li>Plain WebDAV: every folder is listed.
 *   <li>Nextcloud (folder ETags propagate): the root's listing answers "anything changed?"; if so, the walk descends
 *       only into folders whose ETag differs from the base ({@link PrunedWalker}), taking unchanged subtrees from the
 *       base.
 *   <li>Nextcloud with an activity stream: where the walk descends is told by the stream instead, which lists a
 *       folder d levels deep with one request instead of d ({@link PrunedWalker#walkTowards}). The stream is a hint:
 *       the root's ETag still decides whether anything changed, changed folders it does not explain are walked as
 *       usual, and once something was taken on its word a full walk follows within {@link Settings#fullWalkInterval}.
 *       Whatever goes wrong with it (switched off, cursor expired, too much to read, a folder it named is gone) falls
 *       back to the full walk.
 *   <li>A full sync ({@link DiscoveryInput#full()}) lists every folder: no pruning, no feed.
 * </ul>
 */
public final class RemoteDiscovery {
  private static final Logger log = LoggerFactory.getLogger(RemoteDiscovery.class);

  /**
   * @param useChangeFeed    follow the server's change feed where it has one
   * @param fullWalkInterval a run that took changes on the feed's word is followed by a full walk this long after the
   *                         last one at the latest
   * @param maxActivities    more activities than this since the last run: walk instead of reading them all
   */
  public record Settings(boolean useChangeFeed, Duration fullWalkInterval, int maxActivities) {
    public static Settings defaults() {
      return new Settings(true, Duration.ofHours(1), 200);
    }
  }

  /**
   * @param root    the library's remote folder itself
   * @param entries everything below it, listed or (where the walk proved it unchanged) taken from the base
   * @param feed    where to follow the change feed from once the run is applied; null when there is none
   * @param excluded entries of the listed folders left out for their names, key → reason
   */
  record Result(DavEntry root, Map<String, DavEntry> entries, ChangeFeedPosition feed, Map<String, String> excluded) {}

  private final RemoteStore store;
  private final DiscoveryInput input;
  private final Settings settings;
  private final Clock clock;

  private RemoteDiscovery(RemoteStore store, DiscoveryInput input, Settings settings, Clock clock) {
    this.store = store;
    this.input = input;
    this.settings = settings;
    this.clock = clock;
  }

  static CompletionStage<Result> run(RemoteStore store, DiscoveryInput input, Settings settings, Clock clock) {
    return new RemoteDiscovery(store, input, settings, clock).run();
  }

  private CompletionStage<Result> run() {
    if (!store.etagsPropagate()) {
      return TreeWalker.walk(store).thenApply(tree -> new Result(tree.root(), tree.entries(), null, tree.excluded()));
    }
    Optional<ChangeFeed> feed = settings.useChangeFeed() ? store.changeFeed() : Optional.empty();
    if (input.full()) { // every folder listed, whatever the ETags and the feed say; the feed restarts from now
      return feed.isPresent() ? fullWalk(feed.get(), true) : store.list("").thenCompose(root -> prunedWalk(root, true, null));
    }
    ChangeFeedPosition position = input.feed();
    // Without a feed (now), a walk still owed from runs that followed one distrusts the root once.
    boolean owed = position != null && position.unverifiedFolders();
    if (feed.isEmpty()) return store.list("").thenCompose(root -> prunedWalk(root, owed, null));
    if (position == null || position.fullWalkDue(clock.instant(), settings.fullWalkInterval())) {
      return fullWalk(feed.get(), owed);
    }
    return store.list("").thenCompose(root -> unchanged(root.self())
        ? CompletableFuture.completedFuture(fromBase(root.self(), position))
        : follow(feed.get(), position, root));
  }

  /** The root changed: read the feed and walk where it says, or in full when it cannot say. */
  private CompletionStage<Result> follow(ChangeFeed feed, ChangeFeedPosition position, Listing root) {
    CompletionStage<ChangeFeedPage> read;
    try {
      read = feed.since(position.cursor(), settings.maxActivities());
    } catch (RuntimeException e) {
      read = CompletableFuture.failedFuture(e);
    }
    return read
        .exceptionally(error -> ChangeFeedPage.unusable(describe(error), position.cursor()))
        .thenCompose(page -> {
          if (!page.usable()) {
            log.debug("change feed not used: {}; walking in full", page.reason());
            return fullWalk(feed, position.unverifiedFolders(), root);
          }
          return guidedWalk(root, page, position).exceptionallyCompose(error -> {
            if (!(cause(error) instanceof DavException dav) || dav.error() != DavError.NOT_FOUND) {
              return CompletableFuture.failedFuture(cause(error));
            }
            log.debug("a folder the change feed named is gone ({}); walking in full", dav.getMessage());
            return fullWalk(feed, position.unverifiedFolders());
          });
        });
  }

  /**
   * Follows the feed from its newest cursor, taken before the walk so that nothing happening during the walk is
   * skipped. {@code distrustRoot}: an earlier run recorded the root's ETag without verifying everything below it.
   */
  private CompletionStage<Result> fullWalk(ChangeFeed feed, boolean distrustRoot) {
    return fullWalk(feed, distrustRoot, null);
  }

  /**
   * @param listedRoot the root's listing when this run made it already (before reading the feed): the walk starts from
   *                   it. A change between it and the new cursor is still found: the root's ETag in the base is then
   *                   older than the change, so the next run walks, and a full walk jumps over nothing.
   */
  private CompletionStage<Result> fullWalk(ChangeFeed feed, boolean distrustRoot, Listing listedRoot) {
    Instant started = clock.instant();
    return feed.latestCursor()
        .thenApply(cursor -> new ChangeFeedPosition(cursor, started, false))
        .exceptionally(error -> {
          log.debug("the change feed has no cursor now ({}); walking without it", describe(error));
          return null;
        })
        .thenCompose(next -> (listedRoot != null ? CompletableFuture.completedFuture(listedRoot) : store.list(""))
            .thenCompose(root -> prunedWalk(root, distrustRoot, next)));
  }

  private CompletionStage<Result> prunedWalk(Listing root, boolean distrustRoot, ChangeFeedPosition next) {
    Function<String, String> baseEtag = input.full() ? path -> null
        : distrustRoot ? path -> path.isEmpty() ? null : baseFolderEtag(path) : this::baseFolderEtag;
    return PrunedWalker.walkFrom(store, root, baseEtag, TreeWalker.DEFAULT_PARALLELISM)
        .thenApply(tree -> result(tree, next));
  }

  private CompletionStage<Result> guidedWalk(Listing root, ChangeFeedPage page, ChangeFeedPosition position) {
    Set<String> folders = foldersToList(page);
    return PrunedWalker.walkTowards(store, root, this::baseFolderEtag, folders, TreeWalker.DEFAULT_PARALLELISM)
        .thenApply(tree -> {
          log.debug("change feed: {} change(s), {} folder(s) listed directly, {} jumped over, {} request(s)",
              page.changes().size(), tree.seedFolders().size(), tree.jumpedFolders().size(), tree.requests() + 1);
          boolean unverified = position.unverifiedFolders() || !tree.jumpedFolders().isEmpty();
          return result(tree, new ChangeFeedPosition(page.nextCursor(), position.lastFullWalk(), unverified));
        });
  }

  /**
   * The folders holding what the feed names (where a renamed or moved file was, by its file id, too) and those of the
   * paths that failed last time, which must be looked at again whatever the feed says.
   */
  private Set<String> foldersToList(ChangeFeedPage page) {
    Set<String> folders = new HashSet<>();
    Map<String, String> pathsById = null;
    for (ChangeFeedPage.Change change : page.changes()) {
      folders.add(RemotePaths.parent(change.path()));
      if (change.fileId() == null) continue;
      if (pathsById == null) pathsById = pathsByFileId();
      String known = pathsById.get(change.fileId());
      if (known != null) folders.add(RemotePaths.parent(known));
    }
    for (String failed : input.failedPaths()) folders.add(RemotePaths.parent(failed));
    return folders;
  }

  private Map<String, String> pathsByFileId() {
    Map<String, String> byId = new HashMap<>();
    for (BaseEntry entry : input.base().values()) {
      if (entry.fileId() != null && !entry.path().isEmpty()) byId.put(entry.fileId(), entry.path());
    }
    return byId;
  }

  /** The listed entries, with the base standing in for what the walk proved unchanged or jumped over. */
  private Result result(PrunedTree tree, ChangeFeedPosition feed) {
    if (tree.unchanged()) return fromBase(tree.root(), feed);
    Map<String, DavEntry> entries = new HashMap<>(tree.entries());
    for (BaseEntry known : input.base().values()) {
      if (tree.takenFromBase(known.path())) entries.put(known.path(), BaseListing.asListed(known));
    }
    return new Result(tree.root(), entries, feed, tree.excluded());
  }

  /** Nothing changed since the base: the whole tree is the base's (a view, not a copy). */
  private Result fromBase(DavEntry root, ChangeFeedPosition feed) {
    return new Result(root, BaseListing.of(input.base()), feed, Map.of());
  }

  private boolean unchanged(DavEntry root) {
    String base = ETags.normalize(baseFolderEtag(""));
    return base != null && base.equals(root.etag());
  }

  private String baseFolderEtag(String path) {
    BaseEntry entry = input.base().get(path);
    return entry != null && entry.folder() ? entry.etag() : null;
  }

  private static Throwable cause(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private static String describe(Throwable error) {
    Throwable cause = cause(error);
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
