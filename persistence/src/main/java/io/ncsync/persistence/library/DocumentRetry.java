package io.ncsync.persistence.library;

import io.ncsync.persistence.sync.FailureClass;
import java.time.Duration;
import java.time.Instant;

/**
 * When a document that failed is tried again: a {@code DOCUMENT} failure waits {@code first}, doubling with every
 * failure in a row up to {@code max}, and is parked at the {@code attempts}th (issue 10 §1). Other classes wait for
 * nothing: a {@code SOFT} failure is tried by the next run, a {@code FATAL} one stops the library, which backs off.
 */
public record DocumentRetry(Duration first, Duration max, int attempts) {
  public static final DocumentRetry DEFAULT = new DocumentRetry(Duration.ofMinutes(15), Duration.ofHours(6), 8);

  public DocumentRetry {
    if (first.isNegative() || first.isZero() || max.compareTo(first) < 0 || attempts < 1) {
      throw new IllegalArgumentException("document retry: first > 0, max >= first and attempts >= 1");
    }
  }

  /** {@code failed} (a first failure) as the next in a row after {@code previous} (null: none). */
  public FailureRecord after(FailureRecord previous, FailureRecord failed) {
    int attempts = previous == null || previous.exclusion() ? 1 : previous.attempts() + 1;
    if (failed.failureClass() != FailureClass.DOCUMENT) {
      return new FailureRecord(failed.path(), failed.reason(), failed.retryable(), failed.at(), failed.runId(),
          failed.code(), attempts, null, false, failed.seen(), failed.documentId());
    }
    boolean parked = attempts >= this.attempts;
    Instant retryAt = parked ? null : failed.at().plus(wait(attempts));
    return new FailureRecord(failed.path(), failed.reason(), failed.retryable(), failed.at(), failed.runId(),
        failed.code(), attempts, retryAt, parked, failed.seen(), failed.documentId());
  }

  /** {@code first} × 2^(attempts − 1), at most {@code max}. */
  Duration wait(int attempts) {
    Duration wait = first;
    for (int i = 1; i < attempts && wait.compareTo(max) < 0; i++) wait = wait.multipliedBy(2);
    return wait.compareTo(max) > 0 ? max : wait;
  }
}
