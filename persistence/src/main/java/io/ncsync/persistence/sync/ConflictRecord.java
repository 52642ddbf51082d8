package io.ncsync.persistence.sync;

import io.ncsync.persistence.CborSerializable;
import java.time.Instant;

/**
 * An open conflict: visible through the API until resolved.
 *
 * @param conflictCopyPath where the local version was kept (keep-both), or null when nothing was written
 */
public record ConflictRecord(
    String path,
    ConflictType type,
    String conflictCopyPath,
    SideInfo local,
    SideInfo remote,
    Instant detectedAt,
    String runId)
    implements CborSerializable {}
