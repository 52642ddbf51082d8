package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;
import io.ncsync.persistence.sync.Discovery;
import io.ncsync.persistence.sync.FailureClass;
import io.ncsync.persistence.sync.FailureCode;
import java.time.Instant;

/**
 * The last failure of a document; cleared when the document syncs. An exclusion (a name that cannot be synced, see
 * {@link #exclusion()}) is kept the same way, and never retried until its name changes.
 *
 * @param reason    the message for people
 * @param retryable written by journals from before {@code code}: whether the next run should try again
 * @param code      what went wrong, which decides the class; null in records from before it existed
 * @param attempts  failures in a row of this document (1 for the first)
 * @param retryAt   a {@code DOCUMENT} failure: not tried again before this; null when the next run may
 * @param parked    a {@code DOCUMENT} failure that failed too often: not tried again until the document changes (see
 *                  {@code seen}) or an operator retries it
 * @param seen      how the document looked when it failed ({@link #stamp}); null when unknown
 * @param documentId the failed document's id (a new file has no base to hold it); null in records from before ids
 */
public record FailureRecord(String path, String reason, boolean retryable, Instant at, String runId,
    FailureCode code, int attempts, Instant retryAt, boolean parked, String seen, String documentId)
    implements CborSerializable {

  public FailureRecord(String path, String reason, boolean retryable, Instant at, String runId, FailureCode code,
      int attempts, Instant retryAt, boolean parked, String seen) {
    this(path, reason, retryable, at, runId, code, attempts, retryAt, parked, seen, null);
  }

  /** How an exclusion's reason started in journals from before {@code code}. */
  private static final String EXCLUDED_BEFORE = "not synced: ";

  /** A record as journals from before the error taxonomy wrote it. */
  public FailureRecord(String path, String reason, boolean retryable, Instant at, String runId) {
    this(path, reason, retryable, at, runId, null, 1, null, false, null);
  }

  /** A first failure with {@code code}. */
  public static FailureRecord first(String path, FailureCode code, String reason, Instant at, String runId, String seen) {
    return new FailureRecord(path, reason, code.failureClass() != FailureClass.DOCUMENT, at, runId, code, 1, null, false,
        seen);
  }

  /** A path discovery left out for its name, not one whose transfer failed: not retried, not a failed run. */
  public boolean exclusion() {
    if (code != null) return code == FailureCode.EXCLUDED_NAME;
    return !retryable && reason != null
        && (reason.startsWith(Discovery.EXCLUDED_PREFIX) || reason.startsWith(EXCLUDED_BEFORE));
  }

  public FailureClass failureClass() {
    if (code != null) return code.failureClass();
    return retryable || exclusion() ? FailureClass.SOFT : FailureClass.DOCUMENT;
  }

  /** True while a DOCUMENT failure waits for its back-off, or is parked (and its document has not changed since). */
  public boolean holds(Instant now, String seenNow) {
    if (failureClass() != FailureClass.DOCUMENT || exclusion()) return false;
    if (seen != null && !seen.equals(seenNow)) return false; // the document changed: worth a try at once
    return parked || (retryAt != null && retryAt.isAfter(now));
  }

  /** This record with its back-off and parking lifted (an operator asked for a retry). */
  public FailureRecord released() {
    return new FailureRecord(path, reason, retryable, at, runId, code, 0, null, false, seen, documentId);
  }

  /** This record, of the document {@code id}. */
  public FailureRecord of(String id) {
    return new FailureRecord(path, reason, retryable, at, runId, code, attempts, retryAt, parked, seen, id);
  }

  /** What {@link #seen} holds: the local file's size and mtime and the remote ETag, as discovery saw them. */
  public static String stamp(io.ncsync.persistence.sync.LocalEntry local, io.ncsync.protocol.DavEntry remote) {
    String l = local == null ? "-" : local.size() + ":" + local.mtimeMillis();
    String r = remote == null ? "-" : remote.etag() + ":" + remote.size();
    return l + "|" + r;
  }
}
