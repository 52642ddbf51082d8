package io.ncsync.protocol.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** When a 5xx counts towards the circuit breaker: only once 5xx answers cover enough distinct paths lately. */
class ServerErrorSpreadTest {
  private final AtomicLong now = new AtomicLong();
  private final ServerErrorSpread spread = new ServerErrorSpread(3, Duration.ofSeconds(60), now::get);

  @Test
  void onePathFailingOverAndOverNeverCounts() {
    for (int i = 0; i < 100; i++) assertFalse(spread.recordAndCheck("/broken.txt"));
  }

  @Test
  void theThirdDistinctPathCountsAndSoDoesEveryFurtherErrorWhileTheyAreRecent() {
    assertFalse(spread.recordAndCheck("/a"));
    assertFalse(spread.recordAndCheck("/b"));
    assertFalse(spread.recordAndCheck("/a"));
    assertTrue(spread.recordAndCheck("/c"));
    assertTrue(spread.recordAndCheck("/a"));
  }

  @Test
  void errorsOlderThanTheWindowAreForgotten() {
    spread.recordAndCheck("/a");
    spread.recordAndCheck("/b");
    now.addAndGet(Duration.ofSeconds(61).toNanos());
    assertFalse(spread.recordAndCheck("/c"), "a and b failed too long ago");
    assertFalse(spread.recordAndCheck("/d"));
    assertTrue(spread.recordAndCheck("/e"));
  }
}
