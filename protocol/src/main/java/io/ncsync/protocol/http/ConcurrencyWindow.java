package io.ncsync.protocol.http;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * How many requests one connection has in flight, adapted the way TCP adapts its window (issue 12): it starts at
 * {@link #START} (at most the configured maximum), grows by one for every window's worth of healthy answers, and
 * halves when the server says it is overloaded (429 or 503; their {@code Retry-After} is honoured by the retry that
 * follows). A fixed requests-per-second cap stays available on top, for servers whose operators ask for one.
 */
final class ConcurrencyWindow {
  static final int START = 8;

  /** What an answer tells about the server's load. */
  enum Signal { HEALTHY, OVERLOADED, NEUTRAL }

  private final int max;
  private double limit;
  private int inFlight;
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

  /** A request that {@link #acquire}d ended, with what its answer said. */
  void release(Signal signal) {
    java.util.List<CompletableFuture<Void>> go = new java.util.ArrayList<>();
    synchronized (this) {
      inFlight--;
      switch (signal) {
        case HEALTHY -> limit = Math.min(max, limit + 1.0 / limit);
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

  /** The current window, whole requests. */
  synchronized int limit() {
    return (int) limit;
  }

  synchronized int inFlight() {
    return inFlight;
  }
}
