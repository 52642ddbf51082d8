package io.ncsync.protocol.nextcloud;

import java.util.List;

/**
 * One page of the activity stream after a cursor.
 *
 * @param status     what the server said
 * @param activities oldest first
 * @param nextCursor the cursor to persist and pass to the next {@link ActivityFeed#since} (unchanged when nothing new)
 * @param hasMore    the server announced another page ({@code Link: rel="next"}) and this one was full: ask again at
 *                   once
 * @param gap        the server no longer knows the cursor (old activities expire) and started from the first one it
 *                   has ({@code X-Activity-First-Known}): changes may have been missed, walk the library in full once
 */
public record ActivityPage(Status status, List<Activity> activities, String nextCursor, boolean hasMore, boolean gap) {

  public ActivityPage {
    activities = List.copyOf(activities);
  }

  public enum Status {
    /** 200: activities follow. */
    OK,
    /** 304: nothing new since the cursor. */
    NOTHING_NEW,
    /** 204: the user has switched the stream off: fall back to ETag pruning. */
    DISABLED,
    /** 403: the cursor belongs to another user (or the session was lost): start over from {@link ActivityFeed#latestCursor()} and walk once. */
    CURSOR_INVALID,
    /** 404: no activity app or no files filter: fall back to ETag pruning. */
    UNAVAILABLE
  }

  /**
   * True when the page cannot stand for "what changed" (disabled, invalid or expired cursor, unavailable): do a pruned
   * walk of the whole library, and keep following from {@link #nextCursor()}.
   */
  public boolean unusable() {
    return gap || status == Status.DISABLED || status == Status.CURSOR_INVALID || status == Status.UNAVAILABLE;
  }
}
