package io.ncsync.protocol;

import java.util.concurrent.CompletionStage;

/**
 * What changed in a store since a cursor, cheaper than walking it: on Nextcloud the activity stream, scoped to the
 * store's folder (see {@link RemoteStore#changeFeed()}). A hint, never the only source: it misses changes made outside
 * the server's own API ({@code occ files:scan}, external storage), so callers keep checking folder ETags and walk the
 * whole tree now and then.
 */
public interface ChangeFeed {

  /** The newest cursor ("" when the stream is empty): where to follow from after a full walk. */
  CompletionStage<String> latestCursor();

  /**
   * The changes after {@code cursor} inside this store, oldest first, reading at most {@code maxActivities} of the
   * stream; an answer the caller cannot rely on (stream off, cursor unknown or expired, more than that to read, a path
   * that is not safe) comes back {@linkplain ChangeFeedPage#usable() unusable} with the reason, never as "no changes".
   */
  CompletionStage<ChangeFeedPage> since(String cursor, int maxActivities);

  /** The same stream seen from a sub-folder, like {@link RemoteStore#scoped(String)}. */
  ChangeFeed scoped(String subPath);
}
