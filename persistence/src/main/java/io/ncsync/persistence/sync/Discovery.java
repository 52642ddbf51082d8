package io.ncsync.persistence.sync;

import io.ncsync.protocol.DavEntry;
import java.util.Map;

/**
 * Both sides as a run found them, keyed by library-relative path; the root ("") is not included.
 *
 * @param local      the workspace scan
 * @param remote     the remote listing
 * @param skipped    paths left out with the reason (e.g. a local name the server cannot store)
 */
public record Discovery(Map<String, LocalEntry> local, Map<String, DavEntry> remote, Map<String, String> skipped) {}
