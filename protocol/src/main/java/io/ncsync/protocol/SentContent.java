package io.ncsync.protocol;

import akka.stream.javadsl.Source;
import akka.util.ByteString;

/**
 * Bytes of an upload as they went out: counted and hashed (SHA-256, and where asked the checksum type the server
 * stores) while they streamed, so the caller can record the hash of exactly what the server received, and compare it
 * with the server's {@code X-Hash-SHA256}, without reading the file again. One instance per attempt: a repeated request
 * streams its bytes anew, into a fresh instance.
 */
final class SentContent {
  private final Checksums.Digest sha256;
  private final Checksums.Digest checksum;
  private long bytes;
  private String sha256Result;
  private String checksumResult;

  private SentContent(Checksums.Digest sha256, Checksums.Digest checksum, long bytes) {
    this.sha256 = sha256;
    this.checksum = checksum;
    this.bytes = bytes;
  }

  /** Counts and SHA-256. */
  SentContent() {
    this(Checksums.digest("SHA256"), null, 0);
  }

  /** Counts, SHA-256 and a checksum of {@code type} ("SHA1", …). */
  static SentContent withChecksum(String type) {
    return new SentContent(Checksums.digest("SHA256"), Checksums.digest(type), 0);
  }

  /** {@code source} with every piece counted and hashed on its way out. */
  <M> Source<ByteString, M> tap(Source<ByteString, M> source) {
    return source.map(piece -> {
      update(piece);
      return piece;
    });
  }

  synchronized void update(ByteString piece) {
    if (sha256Result != null) throw new IllegalStateException("bytes after the hash was taken");
    sha256.update(piece);
    if (checksum != null) checksum.update(piece);
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
    if (sha256Result == null) sha256Result = sha256.result().substring("SHA256:".length());
    return sha256Result;
  }

  /** "TYPE:hex" of what was sent, or null when no checksum was asked for; no more bytes may follow. */
  synchronized String checksum() {
    if (checksum == null) return null;
    if (checksumResult == null) {
      sha256();
      checksumResult = checksum.result();
    }
    return checksumResult;
  }
}
