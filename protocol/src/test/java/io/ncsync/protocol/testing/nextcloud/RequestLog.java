package io.ncsync.protocol.testing.nextcloud;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Every request a {@link NextcloudTestServer} received, in arrival-of-answer order. Thread-safe. Benchmarks report
 * "requests sent" from {@link #count()}.
 */
public final class RequestLog {

  /**
   * One request.
   *
   * @param method   HTTP method as sent (PROPFIND, PUT, ...)
   * @param path     the percent-decoded path, without the query
   * @param query    the raw query string, "" when none
   * @param status   the status answered (also when a reset fault then dropped the answer)
   * @param reset    true when a reset fault aborted the connection instead of (or while) answering
   * @param millis   time spent handling it
   */
  public record Entry(Instant time, String method, String path, String query, int status, boolean reset, long millis) {
    @Override
    public String toString() {
      return method + " " + path + (query.isEmpty() ? "" : "?" + query) + " -> " + status + (reset ? " (reset)" : "")
          + " " + millis + " ms";
    }
  }

  private final List<Entry> entries = new ArrayList<>();
  private final AtomicInteger chunkPutsInFlight = new AtomicInteger();
  private final AtomicInteger peakChunkPuts = new AtomicInteger();

  RequestLog() {}

  void add(Entry entry) {
    synchronized (entries) {
      entries.add(entry);
    }
  }

  /** All requests since the start or the last {@link #reset()}. */
  public int count() {
    synchronized (entries) {
      return entries.size();
    }
  }

  /** Requests with this method (case-insensitive). */
  public int count(String method) {
    return count(e -> e.method().equalsIgnoreCase(method));
  }

  /** Requests with this method whose path starts with {@code pathPrefix}. */
  public int count(String method, String pathPrefix) {
    return count(e -> e.method().equalsIgnoreCase(method) && e.path().startsWith(pathPrefix));
  }

  public int count(Predicate<Entry> filter) {
    synchronized (entries) {
      return (int) entries.stream().filter(filter).count();
    }
  }

  /** A copy of the entries. */
  public List<Entry> entries() {
    synchronized (entries) {
      return List.copyOf(entries);
    }
  }

  public void reset() {
    synchronized (entries) {
      entries.clear();
    }
    peakChunkPuts.set(chunkPutsInFlight.get());
  }

  private final java.util.concurrent.atomic.AtomicInteger expectContinue = new java.util.concurrent.atomic.AtomicInteger();

  void expectContinueAsked() {
    expectContinue.incrementAndGet();
  }

  /** Requests that asked {@code Expect: 100-continue}, since the server started. */
  public int expectContinue() {
    return expectContinue.get();
  }

  void chunkPutStarted() {
    peakChunkPuts.accumulateAndGet(chunkPutsInFlight.incrementAndGet(), Math::max);
  }

  void chunkPutFinished() {
    chunkPutsInFlight.decrementAndGet();
  }

  /** Most chunk PUTs (into upload folders) in progress at once, from their headers to their answers, since the reset. */
  public int peakChunkPuts() {
    return peakChunkPuts.get();
  }

  /** The last {@code max} entries, one a line, for failure messages. */
  public String dump(int max) {
    List<Entry> copy = entries();
    StringBuilder out = new StringBuilder();
    int from = Math.max(0, copy.size() - max);
    if (from > 0) out.append("... ").append(from).append(" earlier requests\n");
    for (Entry e : copy.subList(from, copy.size())) out.append(e).append('\n');
    return out.toString();
  }

  @Override
  public String toString() {
    return "RequestLog[" + count() + " requests]";
  }
}
