package io.ncsync.persistence.sync;

import io.ncsync.protocol.DavEntry;
import java.util.Map;

/**
 * Both sides as a run found them, keyed by library-relative path; the root ("") is not among the entries.
 *
 * @param local      the workspace scan
 * @param remote     the remote listing (subtrees an ETag-pruned walk skipped are filled in from the base)
 * @param skipped    paths left out with the reason (e.g. a local name the server cannot store)
 * @param remoteRoot the library's remote folder itself (its ETag and permissions), or null when unknown
 * @param feed       where the library follows its server's change feed once this run is applied, or null when it
 *                   follows none (the server has no feed, or it is switched off)
 */
public record Discovery(
    Map<String, LocalEntry> local,
    Map<String, DavEntry> remote,
    Map<String, String> skipped,
    DavEntry remoteRoot,
    ChangeFeedPosition feed) {

  public Discovery(Map<String, LocalEntry> local, Map<String, DavEntry> remote, Map<String, String> skipped,
      DavEntry remoteRoot) {
    this(local, remote, skipped, remoteRoot, null);
  }

  public Discovery(Map<String, LocalEntry> local, Map<String, DavEntry> remote, Map<String, String> skipped) {
    this(local, remote, skipped, null, null);
  }
}
