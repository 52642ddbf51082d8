package io.ncsync.daemon.libraries;

import io.ncsync.protocol.RemotePaths;

/** Validates a library's {@code remotePath}: the folder of the connection it syncs with. */
public final class RemoteFolderPaths {
  private RemoteFolderPaths() {}

  /** A remotePath that cannot be used; the message names the field and the problem. */
  public static final class InvalidRemotePath extends IllegalArgumentException {
    public InvalidRemotePath(String message) {
      super(message);
    }
  }

  /**
   * Normalises a remotePath: leading and trailing '/' stripped ("/" and "" mean the connection's root folder).
   * Refuses '.', '..', empty segments, control characters and backslashes.
   *
   * @return the relative folder path, "" for the root
   */
  public static String normalise(String remotePath) {
    if (remotePath == null) {
      throw new InvalidRemotePath("remotePath is required (use \"/\" for the connection's root folder)");
    }
    String path = remotePath;
    while (path.startsWith("/")) path = path.substring(1);
    while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
    if (path.isEmpty()) return "";
    for (String segment : path.split("/", -1)) {
      String reason = RemotePaths.unsafeReason(segment);
      if (reason != null) {
        throw new InvalidRemotePath("remotePath " + RemotePaths.printable(remotePath) + " is not allowed: " + reason);
      }
    }
    return path;
  }

  /** True when one remote folder is the other or contains it. */
  public static boolean overlap(String a, String b) {
    return a.isEmpty() || b.isEmpty() || a.equals(b) || a.startsWith(b + "/") || b.startsWith(a + "/");
  }
}
