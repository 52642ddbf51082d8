package io.ncsync.daemon.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Local file helpers for the end-to-end tests. Paths inside a library are '/'-separated and relative. */
final class E2eFiles {

  private E2eFiles() {}

  /** Deletes what a previous run left in {@code dir} and creates it empty. */
  static Path freshDir(Path dir) {
    deleteRecursively(dir);
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
          Files.delete(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path resolve(Path root, String relPath) {
    Path p = root;
    for (String segment : relPath.split("/")) {
      p = p.resolve(segment);
    }
    return p;
  }

  static void write(Path root, String relPath, byte[] content) {
    Path file = resolve(root, relPath);
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void write(Path root, String relPath, String content) {
    write(root, relPath, utf8(content));
  }

  static byte[] read(Path root, String relPath) {
    try {
      return Files.readAllBytes(resolve(root, relPath));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void delete(Path root, String relPath) {
    try {
      Files.delete(resolve(root, relPath));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String sha256(byte[] content) {
    return HexFormat.of().formatHex(digest().digest(content));
  }

  static String sha256(String content) {
    return sha256(utf8(content));
  }

  static String sha256(Path file) {
    MessageDigest md = digest();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) > 0) {
        md.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Deterministic pseudo-random bytes (incompressible, distinct per seed). */
  static byte[] randomBytes(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Every regular file under {@code dir} (recursively), or none when it does not exist. */
  static List<Path> regularFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the JVM running the tests can write non-ASCII file names (needs a UTF-8 locale). */
  static boolean unicodeFileNames() {
    return "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding", ""));
  }
}
