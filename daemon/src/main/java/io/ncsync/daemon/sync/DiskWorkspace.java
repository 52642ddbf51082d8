package io.ncsync.daemon.sync;

import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.LocalEntry;
import io.ncsync.protocol.RemotePaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/**
 * A library's workspace on disk. Every path handed in is library-relative and resolved strictly inside the root; nothing
 * is ever written outside it except into the library's trash. Downloads land in hidden temporary files beside their
 * target and are moved into place atomically, so a crash never leaves a partial file under a real name.
 */
public final class DiskWorkspace {
  /** Our temporary files; never synced, and removed by the next scan when a crash left them behind. */
  static final String TEMP_PREFIX = ".ncsync-";

  static final String TEMP_SUFFIX = ".part";

  private final Path root;

  public DiskWorkspace(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  /** Resolves a library-relative path, refusing anything that would leave the root. */
  public Path resolve(String relative) {
    RemotePaths.requireSafePath(relative);
    Path resolved = root.resolve(relative).normalize();
    if (!resolved.startsWith(root)) throw new IllegalArgumentException("path escapes the workspace: " + RemotePaths.printable(relative));
    return resolved;
  }

  /**
   * Resolves a path that is about to be written: additionally no existing folder on the way may be a symbolic link, since
   * a link could point outside the workspace.
   */
  Path resolveForWrite(String relative) throws IOException {
    Path resolved = resolve(relative);
    for (Path p = resolved.getParent(); p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
      if (Files.isSymbolicLink(p)) throw new IOException("refusing to write through the symbolic link " + root.relativize(p));
    }
    if (Files.isSymbolicLink(resolved)) throw new IOException("refusing to write through the symbolic link " + relative);
    return resolved;
  }

  /** Result of a scan: entries by path, and paths left out with the reason. */
  public record Scan(Map<String, LocalEntry> entries, Map<String, String> skipped) {}

  /**
   * Walks the workspace without following links. A file is hashed only when the plan needs its content: it has the
   * base's size but another mtime, which is a touch (content unchanged) or an edit that kept the size. A new file, or one
   * whose size changed, is not read here: it is uploaded as it is, and the upload hashes the bytes it sends, which is
   * what the base then records. Leftover temporary files of ours are deleted.
   */
  public Scan scan(Map<String, BaseEntry> base) throws IOException {
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("the workspace folder " + root + " does not exist or is not a folder");
    }
    Map<String, LocalEntry> entries = new HashMap<>();
    Map<String, String> skipped = new HashMap<>();
    scanFolder(root, "", base, entries, skipped);
    return new Scan(entries, skipped);
  }

  private void scanFolder(Path dir, String prefix, Map<String, BaseEntry> base, Map<String, LocalEntry> entries,
      Map<String, String> skipped) throws IOException {
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
      for (Path child : children) {
        String name = child.getFileName().toString();
        String path = RemotePaths.join(prefix, name);
        if (name.startsWith(TEMP_PREFIX)) {
          Files.deleteIfExists(child); // a partial download from a crashed run
          continue;
        }
        String unsafe = RemotePaths.unsafeReason(name);
        if (unsafe != null) {
          skipped.put(path, "not synced: " + unsafe);
          continue;
        }
        BasicFileAttributes attrs = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attrs.isDirectory()) {
          entries.put(path, LocalEntry.folder(path));
          scanFolder(child, path, base, entries, skipped);
        } else if (attrs.isRegularFile()) {
          entries.put(path, fileEntry(path, child, attrs, base.get(path)));
        } else {
          skipped.put(path, "not synced: symbolic links and special files are left alone");
        }
      }
    }
  }

  private static LocalEntry fileEntry(String path, Path file, BasicFileAttributes attrs, BaseEntry base) throws IOException {
    long size = attrs.size();
    long mtime = attrs.lastModifiedTime().toMillis();
    boolean touchedOrEditedInPlace = base != null && !base.folder() && base.size() == size && base.mtimeMillis() != mtime;
    return new LocalEntry(path, false, size, mtime, touchedOrEditedInPlace ? sha256(file) : null);
  }

  /** The file's current state, hashed; null when nothing (or a folder) is there. */
  public LocalEntry stat(String relative) throws IOException {
    Path file = resolve(relative);
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return null;
    BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    return new LocalEntry(relative, false, attrs.size(), attrs.lastModifiedTime().toMillis(), null);
  }

  public boolean exists(String relative) {
    return Files.exists(resolve(relative), LinkOption.NOFOLLOW_LINKS);
  }

  /** A new hidden temporary file beside the target, its folder created if needed. */
  public Path newTempFileFor(String relative) throws IOException {
    Path target = resolveForWrite(relative);
    Files.createDirectories(target.getParent());
    return target.resolveSibling(TEMP_PREFIX + UUID.randomUUID() + TEMP_SUFFIX);
  }

  /** Moves a finished temporary file over the target atomically and stamps its mtime. */
  public void commit(Path temp, String relative, long mtimeMillis) throws IOException {
    if (mtimeMillis > 0) Files.setLastModifiedTime(temp, FileTime.fromMillis(mtimeMillis));
    Files.move(temp, resolveForWrite(relative), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Renames a file to a name that must not exist yet (conflict copies); never overwrites. */
  public void renameNoReplace(String from, String to) throws IOException {
    Path target = resolveForWrite(to);
    resolveForWrite(from);
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw new FileAlreadyExistsException(target.toString());
    Files.move(resolve(from), target, StandardCopyOption.ATOMIC_MOVE);
  }

  public void createFolder(String relative) throws IOException {
    Files.createDirectories(resolveForWrite(relative));
  }

  /** Deletes a folder only if it is empty; true when it is gone. */
  public boolean deleteEmptyFolder(String relative) throws IOException {
    Path dir = resolve(relative);
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return true;
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
      if (children.iterator().hasNext()) return false;
    }
    Files.delete(dir);
    return true;
  }

  /** Moves a file into the trash folder under its relative path, never deleting anything. */
  public Path moveToTrash(String relative, Path trash) throws IOException {
    Path source = resolveForWrite(relative);
    Path target = trash.resolve(relative).normalize();
    if (!target.startsWith(trash)) throw new IOException("trash path escapes the trash folder");
    Files.createDirectories(target.getParent());
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) target = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID());
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.AtomicMoveNotSupportedException e) {
      Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
      Files.delete(source);
    }
    return target;
  }

  public static String sha256(Path file) throws IOException {
    MessageDigest digest = newSha256();
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM lacks SHA-256", e);
    }
  }
}
