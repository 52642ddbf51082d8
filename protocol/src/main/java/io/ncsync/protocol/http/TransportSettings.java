package io.ncsync.protocol.http;

import java.time.Duration;
import java.util.Objects;

/**
 * How one connection to one server behaves: pool, pacing, retries, circuit breaker, authentication.
 *
 * @param maxConnections          HTTP/1.1 connections kept alive to the host
 * @param keepAliveTimeout        how long an idle pooled connection is reused; below the usual server default (5 s on
 *                                Apache) so we do not send into a connection the server is closing
 * @param requestsPerSecond       requests started per second on this connection (retries included); 0 = unlimited
 * @param burst                   requests that may start at once after a quiet period
 * @param maxConcurrentRequests   requests waiting for their response head at the same time
 * @param maxQueuedRequests       requests waiting for their turn; beyond it a request fails at once (TRANSPORT)
 * @param maxAttempts             attempts per request, the first one included (1 = never retry)
 * @param backoffBase             first back-off delay; it doubles per attempt, with jitter (half to full delay)
 * @param backoffMax              longest back-off delay
 * @param maxRetryAfter           longest Retry-After the transport waits for itself; a longer one fails the request with
 *                                {@link io.ncsync.protocol.DavException#retryAfter()} set, for the caller to schedule
 * @param breakerMaxFailures      consecutive connection-level failures that open the circuit breaker: no answer
 *                                (refused, reset, timed out), or a 5xx once 5xx answers came for
 *                                {@code breakerErrorPaths} distinct paths within {@code breakerErrorWindow}
 * @param breakerResetTimeout     how long an open breaker fails requests at once before letting one through
 * @param breakerMaxResetTimeout  cap of the reset timeout, which doubles each time the trial request fails
 * @param breakerErrorPaths       distinct paths that must have answered 5xx within the window before a 5xx counts
 *                                towards the breaker; below it a 5xx is one document's trouble and fails that request
 *                                only (a file the server cannot read must not stall every library on the connection)
 * @param breakerErrorWindow      how far back 5xx answers are remembered for {@code breakerErrorPaths}
 * @param authFailuresBeforePause consecutive 401s (with Basic auth) after which the connection pauses
 * @param authPause               how long a paused connection fails every request with UNAUTHORIZED without sending it,
 *                                so a wrong app password cannot lock the account out through brute-force protection
 * @param sessionCookies          keep the server's session cookie and send it instead of Basic auth (Nextcloud then
 *                                skips verifying the app password on every request)
 * @param bytesPerSecond          upload and download bandwidth of this connection, summed over all transfers; 0 = unlimited
 * @param userAgent               User-Agent header
 */
public record TransportSettings(
    int maxConnections,
    Duration keepAliveTimeout,
    int requestsPerSecond,
    int burst,
    int maxConcurrentRequests,
    int maxQueuedRequests,
    int maxAttempts,
    Duration backoffBase,
    Duration backoffMax,
    Duration maxRetryAfter,
    int breakerMaxFailures,
    Duration breakerResetTimeout,
    Duration breakerMaxResetTimeout,
    int breakerErrorPaths,
    Duration breakerErrorWindow,
    int authFailuresBeforePause,
    Duration authPause,
    boolean sessionCookies,
    long bytesPerSecond,
    String userAgent,
    String metricsOwner) {

  public TransportSettings {
    if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be at least 1");
    if (requestsPerSecond < 0) throw new IllegalArgumentException("requestsPerSecond must not be negative");
    if (burst < 1) throw new IllegalArgumentException("burst must be at least 1");
    if (maxConcurrentRequests < 1) throw new IllegalArgumentException("maxConcurrentRequests must be at least 1");
    if (maxQueuedRequests < 1) throw new IllegalArgumentException("maxQueuedRequests must be at least 1");
    if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1");
    if (breakerMaxFailures < 1) throw new IllegalArgumentException("breakerMaxFailures must be at least 1");
    if (breakerErrorPaths < 1) throw new IllegalArgumentException("breakerErrorPaths must be at least 1");
    if (authFailuresBeforePause < 1) throw new IllegalArgumentException("authFailuresBeforePause must be at least 1");
    if (bytesPerSecond < 0) throw new IllegalArgumentException("bytesPerSecond must not be negative");
    Objects.requireNonNull(keepAliveTimeout, "keepAliveTimeout");
    Objects.requireNonNull(backoffBase, "backoffBase");
    Objects.requireNonNull(backoffMax, "backoffMax");
    Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
    Objects.requireNonNull(breakerResetTimeout, "breakerResetTimeout");
    Objects.requireNonNull(breakerMaxResetTimeout, "breakerMaxResetTimeout");
    Objects.requireNonNull(breakerErrorWindow, "breakerErrorWindow");
    Objects.requireNonNull(authPause, "authPause");
    Objects.requireNonNull(userAgent, "userAgent");
    Objects.requireNonNull(metricsOwner, "metricsOwner");
  }

  /**
   * 8 connections, 50 requests/s (burst 50), 16 concurrent, 4 attempts from 0.5 s back-off, breaker after 5
   * connection-level failures (5xx count once 3 distinct paths answered 5xx within a minute).
   */
  public static TransportSettings defaults() {
    return new TransportSettings(8, Duration.ofSeconds(4), 0, 50, 16, 10_000, 4, Duration.ofMillis(500),
        Duration.ofSeconds(30), Duration.ofMinutes(2), 5, Duration.ofSeconds(30), Duration.ofMinutes(5), 3,
        Duration.ofMinutes(1), 3,
        Duration.ofMinutes(10), true, 0, "ncsync/0.1", "");
  }

  public TransportSettings withMaxConnections(int value) {
    return new TransportSettings(value, keepAliveTimeout, requestsPerSecond, burst, maxConcurrentRequests,
        maxQueuedRequests, maxAttempts, backoffBase, backoffMax, maxRetryAfter, breakerMaxFailures, breakerResetTimeout,
        breakerMaxResetTimeout, breakerErrorPaths, breakerErrorWindow,
        authFailuresBeforePause, authPause, sessionCookies, bytesPerSecond, userAgent, metricsOwner);
  }

  public TransportSettings withKeepAliveTimeout(Duration value) {
    return new TransportSettings(maxConnections, value, requestsPerSecond, burst, maxConcurrentRequests,
        maxQueuedRequests, maxAttempts, backoffBase, backoffMax, maxRetryAfter, breakerMaxFailures, breakerResetTimeout,
        breakerMaxResetTimeout, breakerErrorPaths, breakerErrorWindow,
        authFailuresBeforePause, authPause, sessionCookies, bytesPerSecond, userAgent, metricsOwner);
  }

  /** Requests per second and the burst allowed after a quiet period; 0 = unlimited. */
  public TransportSettings withRateLimit(int perSecond, int burstSize) {
    return new TransportSettings(maxConnections, keepAliveTimeout, perSecond, burstSize, maxConcurrentRequests,
        maxQueuedRequests, maxAttempts, backoffBase, backoffMax, maxRetryAfter, breakerMaxFailures, breakerResetTimeout,
        breakerMaxResetTimeout, breakerErrorPaths, breakerErrorWindow,
        authFailuresBeforePause, authPause, sessionCookies, bytesPerSecond, userAgent, metricsOwner);
  }

  public TransportSettings withConcurrency(int concurrent, int queued) {
    return new TransportSettings(maxConnections, keepAliveTimeout, requestsPerSecond, burst, concurrent, queued,
        maxAttempts, backoffBase, backoffMax, maxRetryAfter, breakerMaxFailures, breakerResetTimeout,
        breakerMaxResetTimeout, breakerErrorPaths, breakerErrorWindow,
        authFailuresBeforePause, authPause, sessionCookies, bytesPerSecond, userAgent, metricsOwner);
  }

  public TransportSettings withRetries(int attempts, Duration base, Duration max, Duration longestRetryAfter) {
    return new TransportSettings(maxConnections, keepAliveTimeout, requestsPerSecond, burst, maxConcurrentRequests,
        maxQueuedRequests, attempts, base, max, longestRetryAfter, breakerMaxFailures, breakerResetTimeout,
        breakerMaxResetTimeout, breakerErrorPaths, breakerErrorWindow,
        authFailuresBeforePause, authPause, sessionCookies, bytesPerSecond, userAgent, metricsOwner);
  }

  public TransportSettings withCircuitBreaker(int maxFailures, Duration resetTimeout, Duration maxResetTimeout) {
    return new TransportSettings(maxConnections, keepAliveTimeout, requestsPerSecond, burst, maxConcurrentRequests,
        maxQueuedRequests, maxAttempts, backoffBase, backoffMax, maxRetryAfter, maxFailures, resetTimeout,
        maxResetTimeout, breakerErrorPaths, breakerErrorWindow,
        authFailuresBeforePause, authPause, sessionCookies, bytesPerSecond, userAgent, metricsOwner);
  }

  /** A 5xx counts towards the breaker only once {@code paths} distinct paths answered 5xx within {@code window}. */
  public TransportSettings withServerErrorSpread(int paths, Duration window) {
    return new TransportSettings(maxConnections, keepAliveTimeout, requestsPerSecond, burst, maxConcurrentRequests,
        maxQueuedRequests, maxAttempts, backoffBase, backoffMax, maxRetryAfter, breakerMaxFailures, breakerResetTimeout,
        breakerMaxResetTimeout, paths, window, authFailuresBeforePause, authPause, sessionCookies, bytesPerSecond,
        userAgent, metricsOwner);
  }

  public TransportSettings withAuthPause(int failuresBeforePause, Duration pause) {
    return new TransportSettings(maxConnections, keepAliveTimeout, requestsPerSecond, burst, maxConcurrentRequests,
        maxQueuedRequests, maxAttempts, backoffBase, backoffMax, maxRetryAfter, breakerMaxFailures, breakerResetTimeout,
        breakerMaxResetTimeout, breakerErrorPaths, breakerErrorWindow,
        failuresBeforePause, pause, sessionCookies, bytesPerSecond, userAgent, metricsOwner);
  }

  public TransportSettings withSessionCookies(boolean value) {
    return new TransportSettings(maxConnections, keepAliveTimeout, requestsPerSecond, burst, maxConcurrentRequests,
        maxQueuedRequests, maxAttempts, backoffBase, backoffMax, maxRetryAfter, breakerMaxFailures, breakerResetTimeout,
        breakerMaxResetTimeout, breakerErrorPaths, breakerErrorWindow,
        authFailuresBeforePause, authPause, value, bytesPerSecond, userAgent, metricsOwner);
  }

  public TransportSettings withBytesPerSecond(long value) {
    return new TransportSettings(maxConnections, keepAliveTimeout, requestsPerSecond, burst, maxConcurrentRequests,
        maxQueuedRequests, maxAttempts, backoffBase, backoffMax, maxRetryAfter, breakerMaxFailures, breakerResetTimeout,
        breakerMaxResetTimeout, breakerErrorPaths, breakerErrorWindow,
        authFailuresBeforePause, authPause, sessionCookies, value, userAgent, metricsOwner);
  }

  /**
   * An opaque label for the requests this transport makes, handed to {@link RequestTimings} listeners (the daemon puts
   * the tenant's id here); empty for none.
   */
  public TransportSettings withMetricsOwner(String value) {
    return new TransportSettings(maxConnections, keepAliveTimeout, requestsPerSecond, burst, maxConcurrentRequests,
        maxQueuedRequests, maxAttempts, backoffBase, backoffMax, maxRetryAfter, breakerMaxFailures, breakerResetTimeout,
        breakerMaxResetTimeout, breakerErrorPaths, breakerErrorWindow,
        authFailuresBeforePause, authPause, sessionCookies, bytesPerSecond, userAgent, value);
  }

  public TransportSettings withUserAgent(String value) {
    return new TransportSettings(maxConnections, keepAliveTimeout, requestsPerSecond, burst, maxConcurrentRequests,
        maxQueuedRequests, maxAttempts, backoffBase, backoffMax, maxRetryAfter, breakerMaxFailures, breakerResetTimeout,
        breakerMaxResetTimeout, breakerErrorPaths, breakerErrorWindow,
        authFailuresBeforePause, authPause, sessionCookies, bytesPerSecond, value, metricsOwner);
  }
}
