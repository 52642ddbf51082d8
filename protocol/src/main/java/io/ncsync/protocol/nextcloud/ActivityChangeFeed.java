package io.ncsync.protocol.nextcloud;

import io.ncsync.protocol.ChangeFeed;
import io.ncsync.protocol.ChangeFeedPage;
import io.ncsync.protocol.RemotePaths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One account's activity stream ({@link ActivityFeed}) as the {@link ChangeFeed} of one folder of that account:
 * activities are paged through from the cursor, and only the paths inside the folder are kept, relative to it.
 */
public final class ActivityChangeFeed implements ChangeFeed {
  private final ActivityFeed feed;
  /** The folder below the user's files root ("" = all of it). */
  private final String scope;

  private ActivityChangeFeed(ActivityFeed feed, String scope) {
    this.feed = feed;
    this.scope = scope;
  }

  /** The stream of the whole account, as seen from the root of the user's files. */
  public static ActivityChangeFeed of(ActivityFeed feed) {
    return new ActivityChangeFeed(feed, "");
  }

  @Override
  public ChangeFeed scoped(String subPath) {
    RemotePaths.requireSafePath(subPath);
    return subPath.isEmpty() ? this : new ActivityChangeFeed(feed, RemotePaths.join(scope, subPath));
  }

  @Override
  public CompletionStage<String> latestCursor() {
    return feed.latestCursor();
  }

  @Override
  public CompletionStage<ChangeFeedPage> since(String cursor, int maxActivities) {
    return read(cursor, cursor, maxActivities, new ArrayList<>(), 0);
  }

  private CompletionStage<ChangeFeedPage> read(String start, String cursor, int maxActivities,
      List<ChangeFeedPage.Change> changes, int read) {
    int limit = Math.max(1, Math.min(ActivityFeed.DEFAULT_LIMIT, maxActivities - read));
    return feed.since(cursor, limit).thenCompose(page -> {
      if (page.unusable()) return done(ChangeFeedPage.unusable(why(page), start));
      int total = read + page.activities().size();
      // Having read the most allowed with more to come is enough to know: no request just to see one more.
      if (total > maxActivities || (total >= maxActivities && page.hasMore())) {
        return done(ChangeFeedPage.unusable("more than " + maxActivities + " activities since the last run", start));
      }
      for (Activity activity : page.activities()) {
        String unsafe = collect(activity, changes);
        if (unsafe != null) return done(ChangeFeedPage.unusable(unsafe, start));
      }
      if (page.hasMore() && !page.nextCursor().equals(cursor)) {
        return read(start, page.nextCursor(), maxActivities, changes, total);
      }
      return done(new ChangeFeedPage(true, null, changes, page.nextCursor()));
    });
  }

  /** Adds the activity's paths that lie in this folder; returns why one is unsafe, or null. */
  private String collect(Activity activity, List<ChangeFeedPage.Change> changes) {
    String fileId = activity.objectId() > 0 ? Long.toString(activity.objectId()) : null;
    java.util.Set<String> paths = new java.util.LinkedHashSet<>();
    for (String named : activity.paths()) paths.add(trimSlashes(named)); // "/a/b" and "a/b" name the same file
    for (String path : paths) {
      String relative = relativeToScope(path);
      if (relative == null) continue;
      if (!relative.isEmpty()) {
        for (String segment : relative.split("/", -1)) {
          String reason = RemotePaths.unsafeReason(segment);
          if (reason != null) {
            return "the activity stream named an unsafe path " + RemotePaths.printable(relative) + ": " + reason;
          }
        }
      }
      changes.add(new ChangeFeedPage.Change(relative, fileId));
    }
    return null;
  }

  /** The path relative to this folder, or null when it lies outside. */
  private String relativeToScope(String path) {
    if (scope.isEmpty()) return path;
    if (path.equals(scope)) return "";
    return path.startsWith(scope + "/") ? path.substring(scope.length() + 1) : null;
  }

  private static String trimSlashes(String path) {
    int from = 0;
    int to = path.length();
    while (from < to && path.charAt(from) == '/') from++;
    while (to > from && path.charAt(to - 1) == '/') to--;
    return path.substring(from, to);
  }

  private static String why(ActivityPage page) {
    if (page.gap()) return "the activity stream no longer knows the cursor (old activities expired)";
    return switch (page.status()) {
      case DISABLED -> "the activity stream is switched off for this user";
      case CURSOR_INVALID -> "the activity stream refused the cursor";
      case UNAVAILABLE -> "the server has no activity stream";
      default -> "the activity stream answered " + page.status();
    };
  }

  private static CompletionStage<ChangeFeedPage> done(ChangeFeedPage page) {
    return CompletableFuture.completedFuture(page);
  }
}
