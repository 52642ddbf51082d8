package io.ncsync.daemon.security;

import io.ncsync.protocol.testing.ManualClock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The per-address limit on failed admin authentications, on a clock the test moves. */
class AuthFailureLimiterTest {


  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-02T12:00:00Z"));
  private final AuthFailureLimiter limiter = new AuthFailureLimiter(10, Duration.ofMinutes(1), clock);

  @Test
  void theTenthFailureWithinAMinuteBlocksUntilTheFirstIsAMinuteOld() {
    for (int i = 1; i <= 9; i++) {
      assertFalse(limiter.failed("10.0.0.1"), "failure " + i + " does not block yet");
      assertEquals(Optional.empty(), limiter.blockedFor("10.0.0.1"));
      clock.advance(Duration.ofSeconds(1));
    }
    assertTrue(limiter.failed("10.0.0.1"), "the 10th failure starts the block");
    assertEquals(Optional.of(Duration.ofSeconds(51)), limiter.blockedFor("10.0.0.1"),
        "blocked until the first failure (9 s ago) is a minute old");
    assertEquals(Optional.empty(), limiter.blockedFor("10.0.0.2"), "other addresses are not affected");

    clock.advance(Duration.ofSeconds(50));
    assertEquals(Optional.of(Duration.ofSeconds(1)), limiter.blockedFor("10.0.0.1"));
    clock.advance(Duration.ofSeconds(1));
    assertEquals(Optional.empty(), limiter.blockedFor("10.0.0.1"), "the block ends on time");
    assertTrue(limiter.failed("10.0.0.1"), "a sliding window: with this failure there are again 10 within a minute");
    assertEquals(Optional.of(Duration.ofSeconds(1)), limiter.blockedFor("10.0.0.1"),
        "until the second failure of the first series is a minute old");
    clock.advance(Duration.ofMinutes(1));
    assertEquals(Optional.empty(), limiter.blockedFor("10.0.0.1"));
    assertFalse(limiter.failed("10.0.0.1"), "after a quiet minute the count starts afresh");
  }

  @Test
  void failuresSpreadOverMoreThanAMinuteNeverBlock() {
    for (int i = 0; i < 100; i++) {
      assertFalse(limiter.failed("10.0.0.1"));
      assertEquals(Optional.empty(), limiter.blockedFor("10.0.0.1"));
      clock.advance(Duration.ofSeconds(7));
    }
  }

  @Test
  void onlyTheMostRecentAddressesAreRemembered() {
    AuthFailureLimiter small = new AuthFailureLimiter(2, Duration.ofMinutes(1), clock, 2);
    small.failed("a");
    small.failed("a");
    small.failed("b");
    small.failed("c");
    assertEquals(Optional.empty(), small.blockedFor("a"), "the least recently failing address was forgotten");
  }
}
