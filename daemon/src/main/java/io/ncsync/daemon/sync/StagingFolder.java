package io.ncsync.daemon.sync;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;

/**
 * The daemon's own folder for one library's files in the making: {@code <workspaces root>/.ncsync-staging/<tenant>/<library>/}.
 * Downloads are written here and renamed into the workspace when complete; uploads read a hard link (or a copy) made
 * here. A file is the daemon's because it lies here, never because of its name: a user's file called
 * {@code .ncsync-x.part} in a workspace is synced like any other.
 *
 * <p>Why inside the workspaces root: it is the one place sure to be on the same file system as the libraries (their
 * folders are below it), so the final rename is atomic and hard links work; the data dir need not be. The folder is
 * created 0700 and refused as a library folder ({@code WorkspacePaths}). Only the daemon writes here, so a run may
 * empty its library's folder when it starts: whatever is left is from a run that crashed or was stopped.
 */
final class StagingFolder {
  static final String NAME = io.ncsync.daemon.libraries.WorkspacePaths.STAGING_FOLDER;

  private final Path workspacesRoot;
  private final List<String> segments;

  StagingFolder(Path workspacesRoot, String tenantId, String libraryId) {
    this.workspacesRoot = workspacesRoot;
    this.segments = List.of(NAME, tenantId, libraryId);
  }

  Path path() {
    Path path = workspacesRoot;
    for (String segment : segments) path = path.resolve(segment);
    return path;
  }

  /** Opens the folder, walking from the workspaces root without following links. */
  ConfinedDir open() throws IOException {
    ConfinedDir dir = ConfinedDir.openTrusted(workspacesRoot);
    try {
      for (String segment : segments) {
        ConfinedDir next = dir.openFolder(segment);
        dir.close();
        dir = next;
      }
      return dir;
    } catch (IOException | RuntimeException e) {
      dir.close();
      throw e;
    }
  }

  /** Partial downloads younger than this survive {@link #prepare}, to be continued. */
  static final java.time.Duration PARTIALS_KEPT = java.time.Duration.ofDays(1);
  private static final String PARTIAL_PREFIX = "partial-";

  /** The name of the partial download of version {@code etag} of {@code path}. */
  static String partialName(String path, String etag) {
    try {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      byte[] digest = sha.digest((path + "\0" + etag).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return PARTIAL_PREFIX + java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  /**
   * Creates the folder when missing and deletes whatever a crashed or stopped run left in it, but partial downloads
   * of the last day (they continue where they stopped). Called when a run starts, before any transfer of the run.
   */
  void prepare() throws IOException {
    Path top = workspacesRoot.resolve(NAME);
    if (Files.isSymbolicLink(top)) throw new ConfinedDir.SymbolicLinkRefused(top);
    if (!Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(top, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Files.createDirectories(path());
    try (ConfinedDir dir = open()) {
      emptyFolderKeepingPartials(dir);
    }
  }

  private static void emptyFolderKeepingPartials(ConfinedDir dir) throws IOException {
    java.nio.file.attribute.FileTime oldest = java.nio.file.attribute.FileTime.from(
        java.time.Instant.now().minus(PARTIALS_KEPT));
    for (String name : dir.names()) {
      BasicFileAttributes attributes = dir.attributes(name);
      if (attributes == null) continue;
      if (attributes.isRegularFile() && name.startsWith(PARTIAL_PREFIX)
          && attributes.lastModifiedTime().compareTo(oldest) > 0) {
        continue;
      }
      if (attributes.isDirectory()) {
        try (ConfinedDir sub = dir.openFolder(name)) {
          emptyFolder(sub);
        }
        dir.deleteFolder(name);
      } else {
        dir.deleteFile(name);
      }
    }
  }

  /** Renames from here into the library are atomic only on one file system; refuse to start a run otherwise. */
  void requireSameFileSystemAs(Path libraryRoot) throws IOException {
    FileStore staging = Files.getFileStore(path());
    FileStore library = Files.getFileStore(libraryRoot);
    if (!staging.equals(library)) {
      throw new IOException("the library folder " + libraryRoot + " is on another file system (" + library
          + ") than the daemon's staging folder " + path() + " (" + staging + "), so finished downloads could not be"
          + " moved into it atomically; keep the workspaces root and every library folder below it on one file system");
    }
  }

  private static void emptyFolder(ConfinedDir dir) throws IOException {
    for (String name : dir.names()) {
      BasicFileAttributes attributes = dir.attributes(name);
      if (attributes == null) continue;
      if (attributes.isDirectory()) {
        try (ConfinedDir sub = dir.openFolder(name)) {
          emptyFolder(sub);
        }
        dir.deleteFolder(name);
      } else {
        dir.deleteFile(name);
      }
    }
  }

  /** A fresh name for a file or folder in the making; {@code kind} says what it is, for whoever looks inside. */
  static String newName(String kind) {
    return kind + "-" + UUID.randomUUID();
  }
}
