package io.ncsync.protocol.http;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * How many requests one connection has in flight, adapted the way TCP adapts its window (issue 12): it starts at
 * {@link #START} (at most the configured maximum), grows by one for every window's worth of healthy answers, and
 * halves when the server says it is overloaded (429 or 503; their {@code Retry-After} is honoured by the retry that
 * follows). A server that queues instead of refusing says so by answering slower: when the recent latency of small
 * requests rises above {@link #LATENCY_TOLERANCE} times their long-run latency, the window shrinks by a quarter (as
 * delay-based congestion control does, Vegas or Netflix's gradient limiter), at most once per window's worth of
 * answers. A fixed requests-per-second cap stays available on top, for servers whose operators ask for one.
 */
final class ConcurrencyWindow {
  static final int START = 8;

  /** What an answer tells about the server's load. */
  enum Signal { HEALTHY, OVERLOADED, NEUTRAL }

  /** Recent latency above this multiple of the long-run latency: requests queue on the server. */
  static final double LATENCY_TOLERANCE = 2.0;
  /** Samples before latency is judged at all (the long-run average needs some history). */
  static final int LATENCY_WARM_UP = 20;

  private final int max;
  private double limit;
  private int inFlight;
  /** Smoothed latency of small requests, in nanos: recent (about the last 10), and the base to compare it with. */
  private double recentLatency;
  private double longRunLatency;
  private long samples;
  /** Answers since the last shrink for latency: one shrink per window's worth. */
  private int sinceLatencyShrink;
  private final ArrayDeque<CompletableFuture<Void>> waiting = new ArrayDeque<>();

  ConcurrencyWindow(int max) {
    if (max < 1) throw new IllegalArgumentException("a window holds at least one request");
    this.max = max;
    this.limit = Math.min(START, max);
  }

  /** Completes when the request may go. */
  synchronized CompletionStage<Void> acquire() {
    if (inFlight < (int) limit) {
      inFlight++;
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> turn = new CompletableFuture<>();
    waiting.add(turn);
    return turn;
  }

  /** A request that {@link #acquire}d ended, with what its answer said (its latency not known). */
  void release(Signal signal) {
    release(signal, -1);
  }

  /**
   * A request that {@link #acquire}d ended, with what its answer said and how long it took ({@code latencyNanos}; -1
   * when it does not tell about the server's queue, as an upload's time tells about its size). Latency is judged only
   * while the window is at least half in use.
   */
  void release(Signal signal, long latencyNanos) {
    java.util.List<CompletableFuture<Void>> go = new java.util.ArrayList<>();
    synchronized (this) {
      // Only a window in use can make the server queue: a lone request's time says nothing about our load.
      boolean inUse = inFlight * 2 >= (int) limit;
      inFlight--;
      boolean queueing = signal == Signal.HEALTHY && latencyNanos >= 0 && queueing(latencyNanos, inUse);
      switch (signal) {
        case HEALTHY -> limit = queueing ? Math.max(1, limit * 0.75) : Math.min(max, limit + 1.0 / limit);
        case OVERLOADED -> limit = Math.max(1, limit / 2);
        case NEUTRAL -> { }
      }
      while (!waiting.isEmpty() && inFlight < (int) limit) {
        inFlight++;
        go.add(waiting.poll());
      }
    }
    go.forEach(turn -> turn.complete(null)); // outside the lock: a waiter's request starts on this thread
  }

  /**
   * Takes one latency sample (every one teaches the base, a lone request's best); true when the window is {@code inUse}
   * and the recent latency says requests queue on the server.
   */
  private boolean queueing(long latencyNanos, boolean inUse) {
    samples++;
    sinceLatencyShrink++;
    if (samples == 1) {
      recentLatency = latencyNanos;
      longRunLatency = latencyNanos;
      return false;
    }
    recentLatency += (latencyNanos - recentLatency) * 0.1;
    // The base is the mean of the first answers (one slow connect weighs 1/20); then it follows faster answers
    // quickly and slower ones slowly, as delay-based control keeps its minimum: a queue building up stands out against
    // it for as long as it lasts, and a lasting slowdown is learned within a few hundred answers.
    if (samples <= LATENCY_WARM_UP) longRunLatency += (latencyNanos - longRunLatency) / samples;
    else longRunLatency += (latencyNanos - longRunLatency) * (latencyNanos < longRunLatency ? 0.1 : 0.002);
    if (!inUse || samples < LATENCY_WARM_UP || sinceLatencyShrink < (int) limit) return false;
    if (recentLatency <= LATENCY_TOLERANCE * longRunLatency) return false;
    // A lasting slowdown is learned by the long-run average within a few hundred answers: then it grows again.
    sinceLatencyShrink = 0;
    return true;
  }

  /** The current window, whole requests. */
  synchronized int limit() {
    return (int) limit;
  }

  synchronized int inFlight() {
    return inFlight;
  }
}
