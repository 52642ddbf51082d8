package io.ncsync.daemon.libraries;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Turns a library's {@code localPath} (relative to the workspaces root) into the absolute folder it syncs, refusing
 * anything that could reach outside the root: absolute paths, {@code ..} and {@code .} segments, empty segments,
 * control characters, backslashes, and symlinks among the existing parents that lead elsewhere.
 */
public final class WorkspacePaths {
  /** The daemon's own folder for files in the making (io.ncsync.daemon.sync.StagingFolder); never a library's. */
  public static final String STAGING_FOLDER = ".ncsync-staging";

  private WorkspacePaths() {}

  /** A localPath that cannot be used; the message names the field and the problem. */
  public static final class InvalidLocalPath extends IllegalArgumentException {
    public InvalidLocalPath(String message) {
      super(message);
    }
  }

  /**
   * @param realRoot  the workspaces root as a real path (exists, symlinks resolved)
   * @param localPath the API's localPath
   * @return the absolute, normalised folder under {@code realRoot}; its existing part has its symlinks resolved
   */
  public static Path resolve(Path realRoot, String localPath) {
    if (localPath == null || localPath.isBlank()) throw new InvalidLocalPath("localPath is required");
    for (int i = 0; i < localPath.length(); i++) {
      char c = localPath.charAt(i);
      if (c == 0) throw new InvalidLocalPath("localPath contains a NUL character");
      if (c < 32 || c == 127) throw new InvalidLocalPath("localPath contains a control character (0x" + Integer.toHexString(c) + ")");
      if (c == '\\') throw new InvalidLocalPath("localPath contains '\\'; separate folders with '/'");
    }
    if (localPath.startsWith("/") || localPath.startsWith("~")) {
      throw new InvalidLocalPath("localPath must be relative to the workspaces root, not absolute: '" + localPath + "'");
    }
    String trimmed = localPath.endsWith("/") ? localPath.substring(0, localPath.length() - 1) : localPath;
    for (String segment : trimmed.split("/", -1)) {
      if (segment.isEmpty()) throw new InvalidLocalPath("localPath has an empty segment ('//'): '" + localPath + "'");
      if (segment.equals("..")) throw new InvalidLocalPath("localPath must not contain '..': '" + localPath + "'");
      if (segment.equals(".")) throw new InvalidLocalPath("localPath must not contain '.' segments: '" + localPath + "'");
      if (segment.length() > 255) throw new InvalidLocalPath("localPath has a name longer than 255 characters");
    }
    Path relative;
    try {
      relative = Path.of(trimmed);
    } catch (InvalidPathException e) {
      throw new InvalidLocalPath("localPath is not a valid path: " + e.getReason());
    }
    if (relative.isAbsolute()) throw new InvalidLocalPath("localPath must be relative to the workspaces root");

    Path candidate = realRoot.resolve(relative).normalize();
    if (!candidate.startsWith(realRoot) || candidate.equals(realRoot)) {
      throw new InvalidLocalPath("localPath must name a folder inside the workspaces root: '" + localPath + "'");
    }

    // Resolve symlinks of the part that exists: a link inside the root must not lead out of it.
    Path existing = candidate;
    while (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS) && !existing.equals(realRoot)) {
      existing = existing.getParent();
    }
    Path realExisting;
    try {
      realExisting = existing.toRealPath();
    } catch (IOException e) {
      // A dangling symlink, or a parent we cannot read.
      throw new InvalidLocalPath("localPath cannot be resolved: '" + existing.getFileName() + "' is a broken link or unreadable");
    }
    if (!realExisting.startsWith(realRoot) || realExisting.equals(realRoot) && !existing.equals(realRoot)) {
      throw new InvalidLocalPath("localPath leads outside the workspaces root through a symbolic link: '" + localPath + "'");
    }
    if (!Files.isDirectory(realExisting)) {
      throw new InvalidLocalPath("localPath '" + realRoot.relativize(existing) + "' exists and is not a folder");
    }
    Path result = realExisting.resolve(existing.relativize(candidate)).normalize();
    if (!result.startsWith(realRoot) || result.equals(realRoot)) {
      throw new InvalidLocalPath("localPath must name a folder inside the workspaces root: '" + localPath + "'");
    }
    if (result.startsWith(realRoot.resolve(STAGING_FOLDER))) {
      throw new InvalidLocalPath("localPath '" + localPath + "' lies in " + STAGING_FOLDER
          + ", the daemon's own folder for downloads in progress; choose another folder");
    }
    return result;
  }

  /** True when one folder is the other or contains it: two libraries must never share files. */
  public static boolean overlap(Path a, Path b) {
    return a.startsWith(b) || b.startsWith(a);
  }
}
