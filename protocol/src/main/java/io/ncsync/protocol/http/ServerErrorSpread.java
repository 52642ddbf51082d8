package io.ncsync.protocol.http;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Tells a server in trouble from one document in trouble: remembers which paths answered 5xx lately, and says whether
 * they are spread over enough distinct paths for a 5xx to count towards the connection's circuit breaker. A file the
 * server cannot read answers 500 however often it is asked; that fails its own request, never every library on the
 * connection. Thread-safe.
 */
final class ServerErrorSpread {
  private final int pathsNeeded;
  private final long windowNanos;
  private final LongSupplier nanoClock;
  private final Map<String, Long> lastErrorByPath = new HashMap<>();

  ServerErrorSpread(int pathsNeeded, Duration window, LongSupplier nanoClock) {
    this.pathsNeeded = pathsNeeded;
    this.windowNanos = window.toNanos();
    this.nanoClock = nanoClock;
  }

  static ServerErrorSpread of(TransportSettings settings) {
    return new ServerErrorSpread(settings.breakerErrorPaths(), settings.breakerErrorWindow(), System::nanoTime);
  }

  /** Records a 5xx for {@code path}; true when 5xx answers now cover enough distinct paths within the window. */
  synchronized boolean recordAndCheck(String path) {
    long now = nanoClock.getAsLong();
    lastErrorByPath.values().removeIf(at -> now - at > windowNanos);
    lastErrorByPath.put(path, now);
    return lastErrorByPath.size() >= pathsNeeded;
  }
}
