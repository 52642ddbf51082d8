package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;
import java.time.Instant;

/** The last failure of a document; cleared when the document syncs. */
public record FailureRecord(String path, String reason, boolean retryable, Instant at, String runId)
    implements CborSerializable {}
