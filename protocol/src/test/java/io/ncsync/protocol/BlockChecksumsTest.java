package io.ncsync.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import akka.util.ByteString;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class BlockChecksumsTest {
  private static final byte[] FILE = new byte[10_000];

  static {
    new Random(7).nextBytes(FILE);
  }

  private static int crc(int from, int to) {
    CRC32C crc = new CRC32C();
    crc.update(FILE, from, to - from);
    return (int) crc.getValue();
  }

  private static void feed(BlockChecksums blocks, int from, int to, int piece) {
    for (int at = from; at < to; at += piece) blocks.update(ByteString.fromArray(Arrays.copyOfRange(FILE, at, Math.min(to, at + piece))));
  }

  @Test
  void blocksCountFromTheOriginWhateverThePieces() {
    BlockChecksums whole = new BlockChecksums(1000, 3000, 0);
    feed(whole, 0, FILE.length, 777);
    assertArrayEquals(new int[] {crc(1000, 4000), crc(4000, 7000), crc(7000, 10_000)}, whole.values());
    assertEquals(0, whole.firstBlock());

    // A chunk starting at the second block, fed in other pieces, agrees block for block.
    BlockChecksums chunk = new BlockChecksums(1000, 3000, 4000);
    feed(chunk, 4000, FILE.length, 4096);
    assertEquals(1, chunk.firstBlock());
    assertArrayEquals(Arrays.copyOfRange(whole.values(), 1, 3), chunk.values());
  }

  @Test
  void aChangedByteChangesItsBlockOnly() {
    BlockChecksums before = new BlockChecksums(0, 4000, 0);
    feed(before, 0, FILE.length, 1000);
    FILE[5000] ^= 1;
    try {
      BlockChecksums after = new BlockChecksums(0, 4000, 0);
      feed(after, 0, FILE.length, 1000);
      assertEquals(before.values()[0], after.values()[0]);
      assertNotEquals(before.values()[1], after.values()[1]);
      assertEquals(before.values()[2], after.values()[2]);
    } finally {
      FILE[5000] ^= 1;
    }
  }

  @Test
  void aRegionMustStartOnABlock() {
    assertThrows(IllegalArgumentException.class, () -> new BlockChecksums(1000, 3000, 2000));
    assertEquals(0, new BlockChecksums(1000, 3000, 500).values().length);
  }
}
