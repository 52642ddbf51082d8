package io.ncsync.protocol.http;

import akka.japi.Pair;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * A body that may not exceed a number of bytes we chose (a listed file size, a configured listing limit), never one
 * the server announced. The stream fails with the caller's exception on the piece that would pass the limit, before
 * that piece goes downstream: what is written or parsed never holds a byte beyond it.
 */
public final class ByteLimit {
  private ByteLimit() {}

  /**
   * {@code bytes}, failing with {@code tooMany.apply(received)} as soon as more than {@code max} arrived ({@code received}
   * counts the piece that broke the limit). Each run of the source counts from zero.
   */
  public static <M> Source<ByteString, M> apply(Source<ByteString, M> bytes, long max, LongFunction<RuntimeException> tooMany) {
    return bytes.statefulMap(() -> 0L, (Long received, ByteString piece) -> {
      long now = received + piece.size();
      if (now > max) throw tooMany.apply(now);
      return Pair.create(now, piece);
    }, received -> Optional.empty());
  }
}
