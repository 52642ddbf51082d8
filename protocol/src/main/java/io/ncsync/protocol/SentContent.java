package io.ncsync.protocol;

import akka.stream.javadsl.Source;
import akka.util.ByteString;

/**
 * What one attempt of an upload streamed out, as it passed: the byte count and the SHA-256, so the caller can record the
 * hash of exactly what the server received (and compare it with the server's {@code X-Hash-SHA256}) without reading
 * the file again. One instance per attempt: a repeated request streams the bytes anew.
 */
final class SentContent {
  private final Checksums.Digest sha256 = Checksums.digest("SHA256");
  private long bytes;
  private String result;

  /** {@code source} with every piece counted and hashed on its way out. */
  <M> Source<ByteString, M> tap(Source<ByteString, M> source) {
    return source.map(piece -> {
      update(piece);
      return piece;
    });
  }

  private synchronized void update(ByteString piece) {
    if (result != null) throw new IllegalStateException("bytes after the hash was taken");
    sha256.update(piece);
    bytes += piece.size();
  }

  synchronized long bytes() {
    return bytes;
  }

  /** True when exactly {@code size} bytes went out, that is, the whole body. */
  synchronized boolean complete(long size) {
    return bytes == size;
  }

  /** Hex SHA-256 of what was sent; no more bytes may follow. */
  synchronized String sha256() {
    if (result == null) result = sha256.result().substring("SHA256:".length());
    return result;
  }
}
