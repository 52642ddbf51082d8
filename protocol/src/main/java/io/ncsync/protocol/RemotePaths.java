package io.ncsync.protocol;

/**
 * Rules for the relative paths both sides of a library share. A path is '/'-separated segments with no leading or
 * trailing slash; "" is the root. Every segment a server names is checked before it can become a local file name.
 */
public final class RemotePaths {
  private RemotePaths() {}

  /** The longest name (in UTF-8 bytes) ext4, XFS, Btrfs, APFS and NTFS-via-FUSE all hold. */
  public static final int MAX_NAME_BYTES = 255;

  /** Why a single name is unsafe, or null when it is fine. */
  public static String unsafeReason(String name) {
    if (name == null || name.isEmpty()) return "empty name";
    if (name.equals(".") || name.equals("..")) return "name '" + name + "' is a relative reference";
    int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (bytes > MAX_NAME_BYTES) {
      return "name is " + bytes + " bytes long, more than a local file system holds (" + MAX_NAME_BYTES + ")";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/') return "name contains '/'";
      if (c == '\\') return "name contains '\\'";
      if (c == 0) return "name contains NUL";
      if (c < 32 || c == 127) return "name contains control character 0x" + Integer.toHexString(c);
      if (Character.isSurrogate(c)) {
        boolean paired = Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1));
        if (!paired) return "name is not valid UTF-8/UTF-16 (lone surrogate)";
        i++;
      }
      if (c == '\uFFFD') return "name contains the replacement character (invalid UTF-8 from the server)";
    }
    return null;
  }

  /** Throws HOSTILE_NAME when a name is unsafe. */
  public static String requireSafeName(String name) {
    String reason = unsafeReason(name);
    if (reason != null) {
      throw new DavException(DavError.HOSTILE_NAME, 0, "unsafe name " + printable(name) + ": " + reason);
    }
    return name;
  }

  /** Checks every segment of a relative path; "" (the root) is accepted. */
  public static String requireSafePath(String path) {
    if (path.isEmpty()) return path;
    for (String segment : path.split("/", -1)) requireSafeName(segment);
    return path;
  }

  public static String join(String parent, String name) {
    return parent.isEmpty() ? name : parent + "/" + name;
  }

  /** The parent path; "" for a top-level entry or the root. */
  public static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  public static String name(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }

  /** The first segment ("a" of "a/b/c"); "" for the root. */
  public static String firstSegment(String path) {
    int slash = path.indexOf('/');
    return slash < 0 ? path : path.substring(0, slash);
  }

  /** Number of segments; 0 for the root. */
  public static int depth(String path) {
    if (path.isEmpty()) return 0;
    int depth = 1;
    for (int i = 0; i < path.length(); i++) if (path.charAt(i) == '/') depth++;
    return depth;
  }

  /**
   * The path under which an entry named {@code name} in folder {@code parent} is reported when it cannot be synced. An
   * unsafe name stays unsafe here (it is {@link #escaped}), so the key can never equal or contain a path that does sync,
   * and its parent is still {@code parent}.
   */
  public static String excludedKey(String parent, String name) {
    return join(parent, escaped(name));
  }

  /**
   * The name with '/', '\\', control characters and lone surrogates written as {@code \xNN} / {@code \\uNNNN}: one
   * segment, printable, and different for different names. Every unsafe name gives an unsafe result.
   */
  public static String escaped(String name) {
    StringBuilder out = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 32 || c == 127 || c == '/' || c == '\\') {
        out.append(String.format("\\x%02x", (int) c));
      } else if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
        out.append(c).append(name.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** A name as it may appear in a message: control characters escaped so logs cannot be forged. */
  public static String printable(String name) {
    if (name == null) return "null";
    StringBuilder out = new StringBuilder("'");
    name.codePoints().limit(300).forEach(cp -> {
      if (cp < 32 || cp == 127) out.append(String.format("\\x%02x", cp));
      else out.appendCodePoint(cp);
    });
    return out.append('\'').toString();
  }
}
