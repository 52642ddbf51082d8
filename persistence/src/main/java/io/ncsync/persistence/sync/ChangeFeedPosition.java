package io.ncsync.persistence.sync;

import io.ncsync.persistence.CborSerializable;
import java.time.Instant;

/**
 * Where a library follows its server's change feed (Nextcloud's activity stream), kept in the library's state.
 *
 * @param cursor           the feed's cursor after the last run that applied what it read ("" = from the start)
 * @param lastFullWalk     when the remote tree was last walked without the feed's help
 * @param unverifiedFolders true when a run since then jumped over changed folders on the feed's word: their base ETags
 *                         are stale on purpose, and a change the feed never reported may hide below them until the next
 *                         full walk
 */
public record ChangeFeedPosition(String cursor, Instant lastFullWalk, boolean unverifiedFolders)
    implements CborSerializable {

  public ChangeFeedPosition {
    if (cursor == null) cursor = "";
  }

  /** True when a full walk is owed: something was taken on the feed's word longer than {@code interval} ago. */
  public boolean fullWalkDue(Instant now, java.time.Duration interval) {
    return unverifiedFolders && (lastFullWalk == null || !now.isBefore(lastFullWalk.plus(interval)));
  }
}
