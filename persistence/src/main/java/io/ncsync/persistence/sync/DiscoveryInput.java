package io.ncsync.persistence.sync;

import java.util.Map;
import java.util.Set;

/**
 * What a library knows when a run starts, beyond the base, that makes discovery cheaper or safer.
 *
 * @param base        last agreed state per path
 * @param feed        where the library follows its server's change feed, or null when it follows none yet
 * @param failedPaths paths whose last attempt failed: their folders are listed again so the failure is retried
 * @param full        a full sync: every remote folder listed (no ETag pruning, no change feed) and every local file
 *                    the base knows hashed and compared with it, however unchanged its size and mtime look
 */
public record DiscoveryInput(Map<String, BaseEntry> base, ChangeFeedPosition feed, Set<String> failedPaths,
    boolean full) {

  public DiscoveryInput {
    failedPaths = Set.copyOf(failedPaths);
  }

  public DiscoveryInput(Map<String, BaseEntry> base, ChangeFeedPosition feed, Set<String> failedPaths) {
    this(base, feed, failedPaths, false);
  }

  public static DiscoveryInput of(Map<String, BaseEntry> base) {
    return new DiscoveryInput(base, null, Set.of());
  }
}
