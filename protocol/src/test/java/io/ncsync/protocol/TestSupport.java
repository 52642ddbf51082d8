package io.ncsync.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Helpers every protocol test uses. */
final class TestSupport {
  private TestSupport() {}

  static <T> T await(CompletionStage<T> stage) throws Exception {
    try {
      return stage.toCompletableFuture().get(90, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) throw cause;
      throw e;
    }
  }

  static DavException assertError(DavError expected, CompletionStage<?> stage) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(90, TimeUnit.SECONDS));
    DavException dav = assertInstanceOf(DavException.class, e.getCause(), String.valueOf(e.getCause()));
    assertEquals(expected, dav.error(), dav.getMessage());
    assertNotEquals(null, dav.getMessage());
    return dav;
  }

  /** A file of pseudo-random bytes (a 1 MiB random block repeated with a counter, so chunks differ). */
  static Path randomFile(Path file, long size, long seed) throws IOException {
    byte[] block = new byte[1 << 20];
    new Random(seed).nextBytes(block);
    try (OutputStream out = Files.newOutputStream(file)) {
      long written = 0;
      int round = 0;
      while (written < size) {
        block[0] = (byte) round;
        block[1] = (byte) (round >> 8);
        round++;
        int n = (int) Math.min(block.length, size - written);
        out.write(block, 0, n);
        written += n;
      }
    }
    return file;
  }

  static String sha256(Path file) throws Exception {
    return digest(file, "SHA-256");
  }

  static String sha1(Path file) throws Exception {
    return digest(file, "SHA-1");
  }

  private static String digest(Path file, String algorithm) throws Exception {
    MessageDigest digest = MessageDigest.getInstance(algorithm);
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Bytes this process has read so far, from files and sockets alike ({@code rchar} in /proc/self/io). */
  static long bytesReadByThisProcess() throws IOException {
    Path io = Path.of("/proc/self/io");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(io), "needs /proc/self/io (Linux)");
    for (String line : Files.readAllLines(io)) {
      if (line.startsWith("rchar:")) return Long.parseLong(line.substring("rchar:".length()).strip());
    }
    throw new IllegalStateException("no rchar in " + io);
  }

  static boolean isRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }
}
