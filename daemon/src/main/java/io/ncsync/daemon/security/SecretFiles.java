package io.ncsync.daemon.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Files holding secrets (admin token, credential key): created owner-only, read back trimmed. Never logs contents. */
public final class SecretFiles {
  private static final Logger log = LoggerFactory.getLogger(SecretFiles.class);

  static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

  private SecretFiles() {}

  /** Creates the directory (mode 0700 for the parts created here) if missing. */
  public static void ensureDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) return;
    if (supportsPosix(dir.getParent() == null ? dir : existingAncestor(dir))) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
    } else {
      Files.createDirectories(dir);
    }
  }

  /** The trimmed content of an existing secret file; tightens its mode to 0600 if it was wider. */
  public static Optional<String> read(Path file) throws IOException {
    if (!Files.exists(file)) return Optional.empty();
    if (!Files.isRegularFile(file)) throw new IOException(file + " exists but is not a regular file");
    tightenPermissions(file);
    String value = Files.readString(file, StandardCharsets.UTF_8).trim();
    if (value.isEmpty()) throw new IOException(file + " is empty; delete it to have a new one created");
    return Optional.of(value);
  }

  /**
   * Writes a new secret file with mode 0600 from the start (never briefly readable by others). Fails if it exists, so
   * two processes starting at once cannot overwrite each other's secret; the loser reads the winner's.
   */
  public static void create(Path file, String content) throws IOException {
    ensureDirectory(file.getParent());
    if (supportsPosix(file.getParent())) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
    } else {
      Files.createFile(file);
    }
    Files.writeString(file, content + "\n", StandardCharsets.UTF_8);
  }

  /** Writes a new binary secret file (a key store) with mode 0600 from the start; fails if it exists. */
  public static void create(Path file, byte[] content) throws IOException {
    ensureDirectory(file.getParent());
    if (supportsPosix(file.getParent())) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
    } else {
      Files.createFile(file);
    }
    Files.write(file, content);
  }

  /** Reads the file, or creates it with {@code generated} when missing (safe against a concurrent creator). */
  public static String readOrCreate(Path file, java.util.function.Supplier<String> generated) throws IOException {
    Optional<String> existing = read(file);
    if (existing.isPresent()) return existing.get();
    String value = generated.get();
    try {
      create(file, value);
      return value;
    } catch (FileAlreadyExistsException raced) {
      return read(file).orElseThrow(() -> new IOException(file + " vanished while being read"));
    }
  }

  private static void tightenPermissions(Path file) throws IOException {
    if (!supportsPosix(file)) return;
    Set<PosixFilePermission> current = Files.getPosixFilePermissions(file);
    if (!OWNER_ONLY_FILE.containsAll(current)) {
      log.warn("{} was readable by others (mode {}); setting it to 0600", file, PosixFilePermissions.toString(current));
      Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
    }
  }

  private static Path existingAncestor(Path dir) {
    Path p = dir.toAbsolutePath();
    while (p != null && !Files.exists(p)) p = p.getParent();
    return p == null ? dir.toAbsolutePath().getRoot() : p;
  }

  static boolean supportsPosix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
