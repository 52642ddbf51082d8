package io.ncsync.persistence.library;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailureBackoffTest {
  private static final Duration FIVE_MINUTES = Duration.ofMinutes(5);

  private static List<RunSummary> runs(String... outcomes) {
    List<RunSummary> runs = new ArrayList<>();
    Instant at = Instant.parse("2026-12-01T00:00:00Z");
    for (String outcome : outcomes) runs.add(RunSummary.started("r" + runs.size(), at, RunSummary.SCHEDULE).finished(at, outcome, null));
    return runs;
  }

  @Test
  void aHealthyLibraryWaitsItsInterval() {
    assertEquals(FIVE_MINUTES, FailureBackoff.after(runs(), FIVE_MINUTES));
    assertEquals(FIVE_MINUTES, FailureBackoff.after(runs(RunSummary.FAILED, RunSummary.SUCCEEDED), FIVE_MINUTES));
  }

  @Test
  void failedRunsInARowDoubleTheWaitUpToTheCap() {
    Duration fiveSeconds = Duration.ofSeconds(5);
    assertEquals(Duration.ofSeconds(30), FailureBackoff.after(runs(RunSummary.FAILED), fiveSeconds));
    assertEquals(Duration.ofSeconds(60), FailureBackoff.after(runs(RunSummary.FAILED, RunSummary.FAILED), fiveSeconds));
    assertEquals(Duration.ofMinutes(8), FailureBackoff.after(runs("failed", "failed", "failed", "failed", "failed"), fiveSeconds));
    assertEquals(Duration.ofMinutes(10), FailureBackoff.after(runs("failed", "failed", "failed", "failed", "failed", "failed",
        "failed", "failed", "failed", "failed", "failed", "failed"), fiveSeconds));
    assertEquals(FIVE_MINUTES, FailureBackoff.after(runs(RunSummary.FAILED, RunSummary.FAILED), FIVE_MINUTES),
        "never shorter than the interval");
  }
}
