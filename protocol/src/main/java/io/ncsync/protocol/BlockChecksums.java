package io.ncsync.protocol;

import akka.util.ByteString;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * CRC32C of each block of a file region, blocks of {@code blockSize} bytes counted from {@code origin}, of bytes fed in
 * order from {@code start}. Chunks sent in parallel each keep one over the range they sent, the whole-file read keeps
 * one over everything from the origin: equal blocks prove that what went out is what was hashed, at a fraction of the
 * cost of a second SHA-256 (CRC32C runs as a CPU instruction).
 */
final class BlockChecksums {
  private final long origin;
  private final long blockSize;
  private final long firstBlock;
  private final CRC32C current = new CRC32C();
  private long position;
  private long inBlock;
  private int[] values = new int[16];
  private int count;

  /**
   * @param start where the first byte fed lies in the file: before {@code origin} (those bytes are skipped) or at
   *              {@code origin} plus a multiple of {@code blockSize}
   */
  BlockChecksums(long origin, long blockSize, long start) {
    if (blockSize < 1) throw new IllegalArgumentException("blockSize must be positive");
    if (start > origin && (start - origin) % blockSize != 0) {
      throw new IllegalArgumentException("start " + start + " is not on a block boundary from " + origin);
    }
    this.origin = origin;
    this.blockSize = blockSize;
    this.position = start;
    this.firstBlock = start <= origin ? 0 : (start - origin) / blockSize;
  }

  synchronized void update(ByteString piece) {
    byte[] bytes = piece.toArrayUnsafe(); // the reader's own array: no copy
    int at = 0;
    if (position < origin) {
      int skipped = (int) Math.min(origin - position, bytes.length);
      at += skipped;
      position += skipped;
    }
    while (at < bytes.length) {
      int n = (int) Math.min(blockSize - inBlock, bytes.length - at);
      current.update(bytes, at, n);
      at += n;
      position += n;
      inBlock += n;
      if (inBlock == blockSize) finishBlock();
    }
  }

  /** Index (from the origin) of this region's first block. */
  long firstBlock() {
    return firstBlock;
  }

  /** The checksums of the blocks fed, the last one possibly partial; no more bytes may follow. */
  synchronized int[] values() {
    if (inBlock > 0) finishBlock();
    return Arrays.copyOf(values, count);
  }

  private void finishBlock() {
    if (count == values.length) values = Arrays.copyOf(values, count * 2);
    values[count++] = (int) current.getValue();
    current.reset();
    inBlock = 0;
  }
}
