package io.ncsync.daemon.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Limits admin token guessing per client address: after {@code maxFailures} failed authentications within
 * {@code window}, the address is blocked until the oldest of them is {@code window} old. While blocked, every request
 * from it is refused before its token is looked at, correct or not: if a correct token still got through, a guesser
 * would learn which guess was right at full speed, and the limit would limit nothing. A legitimate client behind the
 * same address waits at most {@code window}. Requests refused while blocked are not counted, so the block ends on time.
 * Thread-safe; remembers at most {@code maxAddresses} addresses (the least recently failing ones are forgotten first).
 */
public final class AuthFailureLimiter {
  public static final int DEFAULT_MAX_FAILURES = 10;
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);
  private static final int DEFAULT_MAX_ADDRESSES = 10_000;

  private final int maxFailures;
  private final Duration window;
  private final Clock clock;
  private final Map<String, Deque<Instant>> failures;

  public AuthFailureLimiter(int maxFailures, Duration window, Clock clock) {
    this(maxFailures, window, clock, DEFAULT_MAX_ADDRESSES);
  }

  AuthFailureLimiter(int maxFailures, Duration window, Clock clock, int maxAddresses) {
    if (maxFailures < 1) throw new IllegalArgumentException("maxFailures must be at least 1");
    this.maxFailures = maxFailures;
    this.window = window;
    this.clock = clock;
    this.failures = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Deque<Instant>> eldest) {
        return size() > maxAddresses;
      }
    };
  }

  /** 10 failures a minute, on the system clock. */
  public static AuthFailureLimiter standard() {
    return new AuthFailureLimiter(DEFAULT_MAX_FAILURES, DEFAULT_WINDOW, Clock.systemUTC());
  }

  /** How long {@code address} must still wait, or empty when it may try. */
  public synchronized Optional<Duration> blockedFor(String address) {
    Deque<Instant> recent = failures.get(address);
    if (recent == null) return Optional.empty();
    Instant now = clock.instant();
    dropExpired(recent, now);
    if (recent.isEmpty()) {
      failures.remove(address);
      return Optional.empty();
    }
    if (recent.size() < maxFailures) return Optional.empty();
    return Optional.of(Duration.between(now, recent.peekFirst().plus(window)));
  }

  /**
   * Counts a failed authentication from {@code address}.
   *
   * @return true when this failure starts a block
   */
  public synchronized boolean failed(String address) {
    Instant now = clock.instant();
    Deque<Instant> recent = failures.computeIfAbsent(address, a -> new ArrayDeque<>());
    dropExpired(recent, now);
    recent.addLast(now);
    while (recent.size() > maxFailures) recent.removeFirst();
    return recent.size() == maxFailures;
  }

  private void dropExpired(Deque<Instant> recent, Instant now) {
    while (!recent.isEmpty() && !recent.peekFirst().plus(window).isAfter(now)) recent.removeFirst();
  }
}
