package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;
import io.ncsync.persistence.sync.Discovery;
import java.time.Instant;

/**
 * The last failure of a document; cleared when the document syncs. An exclusion (a name that cannot be synced, see
 * {@link #exclusion()}) is recorded as a failure that is not retried, until its name changes.
 */
public record FailureRecord(String path, String reason, boolean retryable, Instant at, String runId)
    implements CborSerializable {

  /** How an exclusion's reason started before {@link Discovery#EXCLUDED_PREFIX}. */
  private static final String EXCLUDED_BEFORE = "not synced: ";

  /** A path discovery left out for its name, not one whose transfer failed: not retried, not a failed run. */
  public boolean exclusion() {
    return !retryable && reason != null
        && (reason.startsWith(Discovery.EXCLUDED_PREFIX) || reason.startsWith(EXCLUDED_BEFORE));
  }
}
