package io.ncsync.protocol.testing.nextcloud;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Switchable misbehaviour of a {@link NextcloudTestServer}. Thread-safe; every setter returns {@code this} so calls
 * chain. Faults apply to DAV and OCS requests, never to {@code status.php} (except {@link #maintenance(boolean)}, which
 * status.php reports).
 *
 * <p>Order of application for one request: latency, a proxy's body limit (413), maintenance (503), throttling (429),
 * service unavailable (503), random 500s, brute-force throttling (429), authentication, the request itself, then a
 * connection reset instead of (or in the middle of) the response.
 */
public final class Faults {
  private final Object lock = new Object();
  private Random random = new Random();
  private double errorRate;
  private double resetRate;
  private Duration latency = Duration.ZERO;
  private long queueServiceNanos;
  private long queueFreeAtNanos;
  private int throttleTimes;
  private int throttleRetryAfter;
  private int unavailableTimes;
  private int unavailableRetryAfter;
  private long quotaBytes = -1;
  private volatile boolean maintenance;
  private int moveLockedTimes;
  private boolean moveWithoutHeaders;
  private boolean moveFailsInBody;
  private int moveAssemblesThenFailsTimes;
  private int lockedTimes;
  private int lockedRetryAfter;
  private int bruteForceThreshold;
  private long maxRequestBytes = -1;
  private final AtomicInteger failedLogins = new AtomicInteger();
  private final java.util.Map<String, Long> extraBodyBytes = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Set<String> failingPathSuffixes = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean ignoreIfNoneMatch;
  private volatile boolean ignoreIfMatch;
  private volatile boolean ignoreOverwriteF;
  private volatile boolean ignoreMtime;
  private volatile boolean minimal;
  private volatile boolean notifyPushOff;
  private volatile long authCostMillis;
  private volatile boolean moveKeepsFolderEtags;

  Faults() {}

  /** Fraction (0..1) of DAV/OCS requests answered 500 before they are processed. */
  public Faults errorRate(double rate) {
    synchronized (lock) {
      errorRate = checkRate(rate);
    }
    return this;
  }

  /**
   * Fraction (0..1) of DAV/OCS requests whose connection is aborted after the request was processed: a response with a
   * body is cut off in the middle of its body, one without a body is never sent. The change (a PUT, a MOVE) has
   * happened on the server; only the answer is lost.
   */
  public Faults resetRate(double rate) {
    synchronized (lock) {
      resetRate = checkRate(rate);
    }
    return this;
  }

  /** Delay before every DAV/OCS request is handled. */
  public Faults latency(Duration delay) {
    synchronized (lock) {
      latency = delay == null || delay.isNegative() ? Duration.ZERO : delay;
    }
    return this;
  }

  /**
   * A server that works on one DAV/OCS request at a time, each taking {@code serviceTime}: the others queue (as a PHP
   * server with few workers does), so answers take longer the more requests are in flight. Zero: off.
   */
  public Faults queueing(Duration serviceTime) {
    synchronized (lock) {
      queueServiceNanos = serviceTime == null || serviceTime.isNegative() ? 0 : serviceTime.toNanos();
      queueFreeAtNanos = System.nanoTime();
    }
    return this;
  }

  /** How long a request arriving now waits for its turn and is served ({@link #queueing}); zero when off. */
  Duration queueDelay() {
    synchronized (lock) {
      if (queueServiceNanos == 0) return Duration.ZERO;
      long now = System.nanoTime();
      long start = Math.max(now, queueFreeAtNanos);
      queueFreeAtNanos = start + queueServiceNanos;
      return Duration.ofNanos(queueFreeAtNanos - now);
    }
  }

  /** The next {@code times} DAV/OCS requests get 429 Too Many Requests with {@code Retry-After}. */
  public Faults throttle(int times, int retryAfterSeconds) {
    synchronized (lock) {
      throttleTimes = Math.max(0, times);
      throttleRetryAfter = retryAfterSeconds;
    }
    return this;
  }

  /**
   * The next {@code times} DAV requests get 423 Locked with {@code Retry-After} (a file another client holds for a
   * moment, as a lock-aware proxy or app answers).
   */
  public Faults lockedBriefly(int times, int retryAfterSeconds) {
    synchronized (lock) {
      lockedTimes = Math.max(0, times);
      lockedRetryAfter = retryAfterSeconds;
    }
    return this;
  }

  int takeLocked() {
    synchronized (lock) {
      if (lockedTimes <= 0) return -1;
      lockedTimes--;
      return lockedRetryAfter;
    }
  }

  /** The next {@code times} DAV/OCS requests get 503 Service Unavailable with {@code Retry-After}. */
  public Faults serviceUnavailable(int times, int retryAfterSeconds) {
    synchronized (lock) {
      unavailableTimes = Math.max(0, times);
      unavailableRetryAfter = retryAfterSeconds;
    }
    return this;
  }

  /** The user's quota; uploads that would exceed it get 507 Insufficient Storage. Negative = unlimited. */
  public Faults quotaBytes(long bytes) {
    synchronized (lock) {
      quotaBytes = bytes;
    }
    return this;
  }

  /** Maintenance mode: status.php says so, DAV and OCS answer 503. */
  public Faults maintenance(boolean on) {
    maintenance = on;
    return this;
  }

  /** The next {@code times} chunk-assembly MOVEs of {@code .file} answer 423 Locked ("still assembling"). */
  public Faults moveLocked(int times) {
    synchronized (lock) {
      moveLockedTimes = Math.max(0, times);
    }
    return this;
  }

  /**
   * Chunk-assembly MOVEs assemble the file, but answer 200 with a Sabre error body and without OC-FileId, OC-ETag,
   * ETag and X-OC-MTime (as some real servers do). A client must check the destination to know it landed.
   */
  public Faults moveWithoutHeaders(boolean on) {
    synchronized (lock) {
      moveWithoutHeaders = on;
    }
    return this;
  }

  /**
   * The next {@code times} chunk-assembly MOVEs assemble the file, then answer 504 Gateway Timeout, as a proxy in front
   * of a slow assembly does (nextcloud/server #53641): the file is there, the upload folder gone.
   */
  public Faults moveAssemblesThenFails(int times) {
    synchronized (lock) {
      moveAssemblesThenFailsTimes = Math.max(0, times);
    }
    return this;
  }

  boolean takeMoveAssemblesThenFails() {
    synchronized (lock) {
      if (moveAssemblesThenFailsTimes <= 0) return false;
      moveAssemblesThenFailsTimes--;
      return true;
    }
  }

  /**
   * Chunk-assembly MOVEs answer 200 with a Sabre error body and no headers, and do NOT assemble: the upload folder and
   * its chunks stay, the destination is unchanged.
   */
  public Faults moveFailsInBody(boolean on) {
    synchronized (lock) {
      moveFailsInBody = on;
    }
    return this;
  }

  /**
   * Brute-force protection: once this many failed logins were counted, every DAV/OCS request gets 429 (as Nextcloud
   * does once its delay reaches the cap) until a {@link #clear()}. 0 turns it off (the default; failed logins are
   * still counted and shown in the {@code bruteforce.delay} capability).
   */
  public Faults bruteForceThreshold(int failedAttempts) {
    synchronized (lock) {
      bruteForceThreshold = Math.max(0, failedAttempts);
    }
    return this;
  }

  /**
   * A reverse proxy's body limit in front of the server (nginx's {@code client_max_body_size}, a CDN's upload cap):
   * DAV/OCS requests declaring a larger {@code Content-Length} get 413 before Nextcloud sees them. Negative = none.
   */
  public Faults maxRequestBytes(long bytes) {
    synchronized (lock) {
      maxRequestBytes = bytes;
    }
    return this;
  }

  /**
   * DAV requests whose decoded path ends with {@code pathSuffix} answer 500 every time, before they are processed: one
   * document the server cannot handle, while every other path works.
   */
  public Faults serverErrorOn(String pathSuffix) {
    failingPathSuffixes.add(pathSuffix);
    return this;
  }

  /**
   * A server that does not keep its promises (measured on an independent Nextcloud-compatible server, see PROTOCOL.md
   * §9): {@code If-None-Match: *} on a PUT is ignored, so an existing file is overwritten instead of refused with 412.
   */
  public Faults ignoreIfNoneMatch(boolean on) {
    ignoreIfNoneMatch = on;
    return this;
  }

  /**
   * "Minimal Nextcloud" (issue 12; measured on an independent PHP implementation of Nextcloud's protocol, PROTOCOL.md
   * §9): no bulk upload capability; a PUT answered with an {@code ETag} header but no {@code OC-FileId} and no
   * {@code OC-ETag}, and that ETag is not the one listed afterwards (the server changes it when it applies
   * {@code X-OC-MTime}); no {@code oc:checksums} in listings; a {@code Depth: 1} PROPFIND of a file answered 500.
   */
  public Faults minimal(boolean on) {
    minimal = on;
    return this;
  }

  public boolean minimalOn() {
    return minimal;
  }

  /** A server without the notify_push app: no capability, no websocket (clients fall back to polling). */
  public Faults notifyPushOff(boolean on) {
    notifyPushOff = on;
    return this;
  }

  public boolean notifyPushOn() {
    return !notifyPushOff;
  }

  /**
   * What checking a Basic-auth password costs the server per request (a PHP server hashing it takes about 50 ms of CPU),
   * spent before answering; a request that shows the session cookie instead costs nothing.
   */
  public Faults authCost(java.time.Duration cost) {
    authCostMillis = cost.toMillis();
    return this;
  }

  long authCostMillis() {
    return authCostMillis;
  }

  /** A PUT's {@code X-OC-MTime} is not applied and not answered {@code accepted} (the file gets the server's time). */
  public Faults ignoreMtime(boolean on) {
    ignoreMtime = on;
    return this;
  }

  boolean ignoresMtime() {
    return ignoreMtime;
  }

  /** Like {@link #ignoreIfNoneMatch}: {@code Overwrite: F} on MOVE and COPY is ignored (the destination is replaced). */
  public Faults ignoreOverwriteF(boolean on) {
    ignoreOverwriteF = on;
    return this;
  }

  boolean ignoresOverwriteF() {
    return ignoreOverwriteF;
  }

  /** Like {@link #ignoreIfNoneMatch}: {@code If-Match} on PUT, DELETE, MOVE and COPY is ignored (no 412 when stale). */
  public Faults ignoreIfMatch(boolean on) {
    ignoreIfMatch = on;
    return this;
  }

  /**
   * Like {@link #ignoreIfNoneMatch}: a MOVE leaves the ETags of the folders above its source and destination unchanged,
   * so an ETag-pruned walk never sees the move.
   */
  public Faults moveKeepsFolderEtags(boolean on) {
    moveKeepsFolderEtags = on;
    return this;
  }

  /** Seeds the random source of {@link #errorRate} and {@link #resetRate}, for reproducible runs. */
  public Faults seed(long seed) {
    synchronized (lock) {
      random = new Random(seed);
    }
    return this;
  }

  /** Failed logins (wrong or missing credentials) since the start or the last {@link #clear()}. */
  public int failedLogins() {
    return failedLogins.get();
  }

  /**
   * Whole-file GETs of files named {@code fileName} answer their content followed by {@code bytes} more, chunked (so no
   * Content-Length gives it away), as a server that sends more than it listed; 0 turns it off for that name.
   */
  public Faults extraBodyBytes(String fileName, long bytes) {
    if (bytes > 0) extraBodyBytes.put(fileName, bytes);
    else extraBodyBytes.remove(fileName);
    return this;
  }

  /** Turns every fault off and forgets failed logins. */
  public Faults clear() {
    synchronized (lock) {
      errorRate = 0;
      resetRate = 0;
      latency = Duration.ZERO;
      queueServiceNanos = 0;
      throttleTimes = 0;
      unavailableTimes = 0;
      quotaBytes = -1;
      maintenance = false;
      notifyPushOff = false;
      moveLockedTimes = 0;
      moveWithoutHeaders = false;
      moveFailsInBody = false;
      moveAssemblesThenFailsTimes = 0;
      lockedTimes = 0;
      bruteForceThreshold = 0;
      maxRequestBytes = -1;
      extraBodyBytes.clear();
      failingPathSuffixes.clear();
      ignoreIfNoneMatch = false;
      ignoreIfMatch = false;
      ignoreOverwriteF = false;
      ignoreMtime = false;
      minimal = false;
      authCostMillis = 0;
      moveKeepsFolderEtags = false;
      failedLogins.set(0);
    }
    return this;
  }

  // ---- used by the server ------------------------------------------------------------------------------------------

  long extraBodyBytes(String fileName) {
    return extraBodyBytes.getOrDefault(fileName, 0L);
  }

  boolean failsPath(String decodedPath) {
    return failingPathSuffixes.stream().anyMatch(decodedPath::endsWith);
  }

  boolean ignoresIfNoneMatch() {
    return ignoreIfNoneMatch;
  }

  boolean ignoresIfMatch() {
    return ignoreIfMatch;
  }

  boolean movesKeepFolderEtags() {
    return moveKeepsFolderEtags;
  }

  boolean inMaintenance() {
    return maintenance;
  }

  Duration latency() {
    synchronized (lock) {
      return latency;
    }
  }

  /** Consumes one throttled request: the Retry-After seconds, or -1 when not throttled. */
  int takeThrottle() {
    synchronized (lock) {
      if (throttleTimes <= 0) return -1;
      throttleTimes--;
      return throttleRetryAfter;
    }
  }

  int takeUnavailable() {
    synchronized (lock) {
      if (unavailableTimes <= 0) return -1;
      unavailableTimes--;
      return unavailableRetryAfter;
    }
  }

  boolean rollError() {
    synchronized (lock) {
      return errorRate > 0 && random.nextDouble() < errorRate;
    }
  }

  boolean rollReset() {
    synchronized (lock) {
      return resetRate > 0 && random.nextDouble() < resetRate;
    }
  }

  long quota() {
    synchronized (lock) {
      return quotaBytes;
    }
  }

  boolean takeMoveLocked() {
    synchronized (lock) {
      if (moveLockedTimes <= 0) return false;
      moveLockedTimes--;
      return true;
    }
  }

  boolean moveWithoutHeadersOn() {
    synchronized (lock) {
      return moveWithoutHeaders;
    }
  }

  boolean moveFailsInBodyOn() {
    synchronized (lock) {
      return moveFailsInBody;
    }
  }

  boolean tooLarge(long contentLength) {
    synchronized (lock) {
      return maxRequestBytes >= 0 && contentLength > maxRequestBytes;
    }
  }

  boolean bruteForceBlocked() {
    synchronized (lock) {
      return bruteForceThreshold > 0 && failedLogins.get() >= bruteForceThreshold;
    }
  }

  void loginFailed() {
    failedLogins.incrementAndGet();
  }

  /** Nextcloud resets a client's brute-force attempts after a successful login. */
  void loginSucceeded() {
    synchronized (lock) {
      if (!(bruteForceThreshold > 0 && failedLogins.get() >= bruteForceThreshold)) failedLogins.set(0);
    }
  }

  /** The delay Nextcloud would apply now, in ms: 0.1 s × 2^attempts, capped at 25 s. */
  long bruteForceDelayMillis() {
    int attempts = failedLogins.get();
    if (attempts == 0) return 0;
    return (long) Math.min(25_000, 100 * Math.pow(2, Math.min(attempts, 20)));
  }

  private static double checkRate(double rate) {
    if (rate < 0 || rate > 1 || Double.isNaN(rate)) throw new IllegalArgumentException("rate must be in 0..1: " + rate);
    return rate;
  }
}
