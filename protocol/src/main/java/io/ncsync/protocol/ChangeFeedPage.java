package io.ncsync.protocol;

import java.util.List;

/**
 * What a {@link ChangeFeed} says changed after a cursor.
 *
 * @param usable     false when the answer cannot stand for "what changed" ({@code reason} says why): walk instead
 * @param reason     why it is unusable, or null
 * @param changes    the changes inside the store, oldest first (paths relative to the store's root)
 * @param nextCursor where to follow from once these changes are synced; the given cursor when nothing is new
 */
public record ChangeFeedPage(boolean usable, String reason, List<Change> changes, String nextCursor) {

  public ChangeFeedPage {
    changes = List.copyOf(changes);
  }

  /**
   * One path the stream names: the object of a creation, change, deletion or restore, or either side of a rename or
   * move.
   *
   * @param path   relative to the store's root ("" = the root itself)
   * @param fileId the server's file id of the object, or null when the stream did not give one
   */
  public record Change(String path, String fileId) {}

  public static ChangeFeedPage unusable(String reason, String cursor) {
    return new ChangeFeedPage(false, reason, List.of(), cursor);
  }
}
