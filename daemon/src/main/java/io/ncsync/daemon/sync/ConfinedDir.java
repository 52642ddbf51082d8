package io.ncsync.daemon.sync;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An opened folder, and operations on its direct entries that never follow a symbolic link (openat, fstatat, renameat,
 * unlinkat with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW underneath). Because every operation is relative to the folder already
 * opened, swapping a folder on the way for a link after it was opened changes nothing: the folder in hand stays the one
 * that was reached without following a link.
 *
 * <p>Entry names are single path segments; callers walk down one segment at a time with {@link #openFolder}.
 */
final class ConfinedDir implements Closeable {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  private final SecureDirectoryStream<Path> dir;
  /** Where the folder was when it was opened; for messages, never for access. */
  private final Path shownAs;

  private ConfinedDir(SecureDirectoryStream<Path> dir, Path shownAs) {
    this.dir = dir;
    this.shownAs = shownAs;
  }

  /**
   * Opens a folder the operator configured (the workspaces root), links on its path followed as configured.
   *
   * @throws IOException when the file system cannot open folders relative to each other (then no workspace can be kept
   *                     safe from links, and the daemon refuses to sync rather than follow them)
   */
  static ConfinedDir openTrusted(Path folder) throws IOException {
    DirectoryStream<Path> stream = Files.newDirectoryStream(folder);
    if (stream instanceof SecureDirectoryStream<Path> secure) return new ConfinedDir(secure, folder);
    stream.close();
    throw new IOException("the file system of " + folder + " cannot open files relative to an opened folder"
        + " (no SecureDirectoryStream), so links swapped into a workspace could not be refused; put the workspaces root"
        + " on a local Linux file system (ext4, xfs, btrfs, zfs)");
  }

  /** Where this folder was when it was opened. */
  Path shownAs() {
    return shownAs;
  }

  /** Opens a sub-folder; fails when the entry is a link (even to a folder), a file or missing. */
  ConfinedDir openFolder(String name) throws IOException {
    Path entry = entry(name);
    // Looked at first so that a named pipe in a folder's place is not opened (that would block); the open itself refuses
    // a link swapped in after this look.
    BasicFileAttributes attributes = attributes(name);
    if (attributes == null) throw new NoSuchFileException(shownAs.resolve(name).toString());
    if (attributes.isSymbolicLink()) throw new SymbolicLinkRefused(shownAs.resolve(name));
    if (!attributes.isDirectory()) throw new NotDirectoryException(shownAs.resolve(name).toString());
    try {
      return new ConfinedDir(dir.newDirectoryStream(entry, NOFOLLOW), shownAs.resolve(name));
    } catch (NoSuchFileException | NotDirectoryException e) {
      throw e;
    } catch (FileSystemException e) {
      if (isLink(name)) throw new SymbolicLinkRefused(shownAs.resolve(name));
      throw e;
    }
  }

  /** The entry's own attributes (a link's, not its target's); null when there is no such entry. */
  BasicFileAttributes attributes(String name) throws IOException {
    try {
      return dir.getFileAttributeView(entry(name), BasicFileAttributeView.class, NOFOLLOW).readAttributes();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Opens a regular file for reading; a link in its place is refused. */
  FileChannel read(String name) throws IOException {
    BasicFileAttributes attributes = attributes(name);
    if (attributes == null) throw new NoSuchFileException(shownAs.resolve(name).toString());
    if (attributes.isSymbolicLink()) throw new SymbolicLinkRefused(shownAs.resolve(name));
    if (!attributes.isRegularFile()) throw new IOException(shownAs.resolve(name) + " is not a regular file");
    return open(name, Set.of(StandardOpenOption.READ, NOFOLLOW));
  }

  /** Creates a new file for writing; fails when anything (a link included) already has the name. */
  FileChannel createNew(String name) throws IOException {
    return open(name, Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW, NOFOLLOW));
  }

  private FileChannel open(String name, Set<OpenOption> options) throws IOException {
    SeekableByteChannel channel;
    try {
      channel = dir.newByteChannel(entry(name), options);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (FileSystemException e) {
      if (isLink(name)) throw new SymbolicLinkRefused(shownAs.resolve(name));
      throw e;
    }
    if (channel instanceof FileChannel file) return file;
    channel.close();
    throw new IOException("the file system of " + shownAs + " gives no file channel for " + name);
  }

  void setLastModified(String name, FileTime time) throws IOException {
    dir.getFileAttributeView(entry(name), BasicFileAttributeView.class, NOFOLLOW).setTimes(time, null, null);
  }

  /**
   * Renames an entry into another opened folder (renameat: atomic, an existing target is replaced, a link in either
   * place is moved or replaced as itself, never followed). Both folders must be on one file system.
   */
  void moveTo(String name, ConfinedDir target, String targetName) throws IOException {
    dir.move(entry(name), target.dir, target.entry(targetName));
  }

  /** Removes a file or a link (never what it points to). */
  void deleteFile(String name) throws IOException {
    dir.deleteFile(entry(name));
  }

  /** Removes an empty folder. */
  void deleteFolder(String name) throws IOException {
    dir.deleteDirectory(entry(name));
  }

  /** The names of the entries; may be called once per opened folder (the listing is read as it is iterated). */
  List<String> names() {
    List<String> names = new ArrayList<>();
    for (Path child : dir) names.add(child.getFileName().toString());
    return names;
  }

  private boolean isLink(String name) throws IOException {
    BasicFileAttributes attributes = attributes(name);
    return attributes != null && attributes.isSymbolicLink();
  }

  private Path entry(String name) {
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("not a single path segment: " + name);
    }
    return shownAs.getFileSystem().getPath(name);
  }

  @Override
  public void close() throws IOException {
    dir.close();
  }

  /** A folder or file of a workspace was a symbolic link where it was about to be used. */
  static final class SymbolicLinkRefused extends IOException {
    SymbolicLinkRefused(Path where) {
      super("refusing to follow the symbolic link " + where + ": links inside a workspace, and a library folder that is"
          + " a link, are never followed; replace it with a real folder or move the library");
    }
  }
}
