package io.ncsync.persistence.library;

import java.time.Duration;
import java.util.List;

/**
 * How long a library waits between periodic runs: its interval, or longer while its runs keep failing (30 s doubling
 * per failed run in a row, capped at 10 minutes), so a server that is down is not asked again every few seconds by
 * every library. A run asked for by the operator is never held back.
 */
final class FailureBackoff {
  static final Duration FIRST = Duration.ofSeconds(30);
  static final Duration CAP = Duration.ofMinutes(10);

  private FailureBackoff() {}

  static Duration after(List<RunSummary> history, Duration interval) {
    int failed = 0;
    for (int i = history.size() - 1; i >= 0 && RunSummary.FAILED.equals(history.get(i).outcome()); i--) failed++;
    if (failed == 0) return interval;
    Duration backoff = FIRST.multipliedBy(1L << Math.min(failed - 1, 10));
    if (backoff.compareTo(CAP) > 0) backoff = CAP;
    return backoff.compareTo(interval) > 0 ? backoff : interval;
  }
}
