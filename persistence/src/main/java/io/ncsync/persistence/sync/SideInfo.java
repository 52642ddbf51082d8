package io.ncsync.persistence.sync;

import io.ncsync.persistence.CborSerializable;

/**
 * One side's version of a conflicting document.
 *
 * @param size        bytes, -1 when unknown
 * @param mtimeMillis modification time, 0 when unknown
 * @param etag        remote ETag (remote side), or null
 * @param sha256      content hash when known, or null
 */
public record SideInfo(long size, long mtimeMillis, String etag, String sha256) implements CborSerializable {}
