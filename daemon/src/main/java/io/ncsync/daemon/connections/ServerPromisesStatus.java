package io.ncsync.daemon.connections;

import io.ncsync.protocol.ServerPromises;

/**
 * What the admin API says about a connection's server promises (see {@link ServerPromises}): which ones it keeps, and
 * what the daemon does about the others.
 *
 * @param ifNoneMatch           it refuses an upload with {@code If-None-Match: *} onto an existing file; when false the
 *                              daemon checks the destination before each upload of a new file
 * @param ifMatch               it refuses a PUT or DELETE with a stale {@code If-Match}; when false the daemon compares
 *                              the destination's ETag before each such overwrite or delete
 * @param moveChangesFolderEtag a MOVE gives the folders above it new ETags
 * @param moveOverwriteF        it refuses a MOVE with {@code Overwrite: F} onto an existing file; when false the daemon
 *                              checks the destination before each such MOVE (a rename, a staged create of a new file)
 * @param fullWalks             discovery lists every folder instead of pruning by folder ETag (always so for plain
 *                              WebDAV servers, whose folder ETags do not propagate anyway)
 * @param problem               why the promises could not be probed and none is trusted; null when they were probed
 */
public record ServerPromisesStatus(
    boolean ifNoneMatch, boolean ifMatch, boolean moveChangesFolderEtag, boolean moveOverwriteF, boolean fullWalks,
    String problem) {

  /** The status of a store that was probed (or could not be, {@code problem} saying why). */
  public static ServerPromisesStatus of(ServerPromises promises, boolean fullWalks, String problem) {
    return new ServerPromisesStatus(promises.refusesIfNoneMatchOnExisting(), promises.refusesStaleIfMatch(),
        promises.moveChangesParentEtag(), promises.refusesMoveOntoExisting(), fullWalks, problem);
  }
}
