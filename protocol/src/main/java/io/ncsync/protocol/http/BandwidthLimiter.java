package io.ncsync.protocol.http;

import akka.Done;
import akka.NotUsed;
import akka.actor.ClassicActorSystemProvider;
import akka.stream.BoundedSourceQueue;
import akka.stream.Materializer;
import akka.stream.QueueOfferResult;
import akka.stream.ThrottleMode;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A byte rate shared by every transfer that passes through it: one Akka Streams {@code throttle} stage hands out
 * permits, and each transfer's bytes wait for theirs in {@link #flow()}. Several limiters chain (one per connection, one
 * per tenant): a transfer goes as fast as the slowest allows. Memory stays flat: at most one element per transfer waits.
 */
public final class BandwidthLimiter implements AutoCloseable {
  /** Most transfers that may wait for a permit at once; more fail with an IllegalStateException. */
  private static final int MAX_WAITING = 4096;
  private static final int SLICES_PER_SECOND = 10;

  private record Permit(int bytes, CompletableFuture<Done> granted) {}

  private static final BandwidthLimiter UNLIMITED = new BandwidthLimiter(0, null);

  private final long bytesPerSecond;
  private final BoundedSourceQueue<Permit> permits;

  private BandwidthLimiter(long bytesPerSecond, BoundedSourceQueue<Permit> permits) {
    this.bytesPerSecond = bytesPerSecond;
    this.permits = permits;
  }

  /** A limiter that never waits. */
  public static BandwidthLimiter unlimited() {
    return UNLIMITED;
  }

  /** A limiter of {@code bytesPerSecond} (0 = unlimited), shared by everything that uses it. */
  public static BandwidthLimiter create(ClassicActorSystemProvider system, long bytesPerSecond) {
    if (bytesPerSecond <= 0) return UNLIMITED;
    // Ten slices a second keep the flow smooth; the burst lets a 64 KiB element through even at tiny rates.
    int perSlice = (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytesPerSecond / SLICES_PER_SECOND));
    int burst = Math.max(perSlice, 64 * 1024);
    BoundedSourceQueue<Permit> queue = Source.<Permit>queue(MAX_WAITING)
        .throttle(perSlice, Duration.ofMillis(1000 / SLICES_PER_SECOND), burst, Permit::bytes, ThrottleMode.shaping())
        .to(Sink.foreach(permit -> permit.granted.complete(Done.getInstance())))
        .run(Materializer.matFromSystem(system));
    return new BandwidthLimiter(bytesPerSecond, queue);
  }

  /** Configured rate; 0 = unlimited. */
  public long bytesPerSecond() {
    return bytesPerSecond;
  }

  /** Passes bytes on at the shared rate. */
  public Flow<ByteString, ByteString, NotUsed> flow() {
    if (permits == null) return Flow.create();
    return Flow.<ByteString>create().mapAsync(1, this::acquire);
  }

  private CompletionStage<ByteString> acquire(ByteString bytes) {
    if (bytes.isEmpty()) return CompletableFuture.completedFuture(bytes);
    Permit permit = new Permit(bytes.size(), new CompletableFuture<>());
    QueueOfferResult offered = permits.offer(permit);
    if (offered != QueueOfferResult.enqueued()) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          "bandwidth limiter overloaded or closed: " + offered));
    }
    return permit.granted.thenApply(granted -> bytes);
  }

  @Override
  public void close() {
    if (permits != null) permits.complete();
  }
}
