package io.ncsync.persistence.sync;

import io.ncsync.protocol.DavEntry;
import java.util.Map;

/**
 * Both sides as a run found them, keyed by library-relative path; the root ("") is not among the entries.
 *
 * @param local      the workspace scan
 * @param remote     the remote listing (subtrees an ETag-pruned walk skipped are filled in from the base)
 * @param skipped    paths left out, with everything below them, and why (each reason starts with {@link #EXCLUDED_PREFIX}): a
 *                   name one side cannot hold (see {@code NameExclusions}); nothing is planned there
 * @param remoteRoot the library's remote folder itself (its ETag and permissions), or null when unknown
 * @param feed       where the library follows its server's change feed once this run is applied, or null when it
 *                   follows none (the server has no feed, or it is switched off)
 * @param excluded   paths outside the library's filters, with the reason: like skipped ones left alone on both sides
 *                   (nothing planned at or below them, their base kept), but not failures
 */
public record Discovery(
    Map<String, LocalEntry> local,
    Map<String, DavEntry> remote,
    Map<String, String> skipped,
    DavEntry remoteRoot,
    ChangeFeedPosition feed,
    Map<String, String> excluded) {

  /** How the reason of every {@link #skipped()} path starts, so that the status shows it as excluded, not failed. */
  public static final String EXCLUDED_PREFIX = "excluded: ";

  public Discovery {
    excluded = excluded == null ? Map.of() : excluded;
  }

  public Discovery(Map<String, LocalEntry> local, Map<String, DavEntry> remote, Map<String, String> skipped,
      DavEntry remoteRoot, ChangeFeedPosition feed) {
    this(local, remote, skipped, remoteRoot, feed, Map.of());
  }

  /** Nothing may be planned at {@code path}: it, or a folder above it, was skipped or is excluded. */
  public boolean isLeftAlone(String path) {
    if (skipped.isEmpty() && excluded.isEmpty()) return false;
    for (String p = path; !p.isEmpty(); p = io.ncsync.protocol.RemotePaths.parent(p)) {
      if (skipped.containsKey(p) || excluded.containsKey(p)) return true;
    }
    return false;
  }

  /**
   * This discovery with every path outside {@code filters} excluded. A file is excluded when the version on either
   * side is (a filter never makes one side's copy look deleted); a folder when it matches an exclude glob.
   */
  public Discovery filteredBy(SyncFilters filters) {
    if (filters.isNone()) return this;
    Map<String, String> out = new java.util.HashMap<>();
    for (LocalEntry l : local.values()) {
      String why = l.folder() ? filters.excludedFolder(l.path()) : filters.excludedFile(l.path(), l.size(), l.mtimeMillis());
      if (why != null) out.put(l.path(), why);
    }
    for (DavEntry r : remote.values()) {
      if (out.containsKey(r.path())) continue;
      long mtime = r.lastModified() == null ? 0 : r.lastModified().toEpochMilli();
      String why = r.collection() ? filters.excludedFolder(r.path()) : filters.excludedFile(r.path(), r.size(), mtime);
      if (why != null) out.put(r.path(), why);
    }
    return new Discovery(local, remote, skipped, remoteRoot, feed, out);
  }

  /**
   * This discovery with the local files the library no longer tracks ({@code untracked}) left alone while the server
   * has nothing at their path, and the folders above them that hold nothing else and are gone from the server: a kept
   * orphan must neither be uploaded again nor bring its folder back on the server.
   */
  public Discovery leavingAlone(java.util.Set<String> untracked, String reason) {
    if (untracked.isEmpty()) return this;
    Map<String, String> out = new java.util.HashMap<>(excluded);
    java.util.Set<String> left = new java.util.HashSet<>();
    for (String path : untracked) {
      if (local.containsKey(path) && !remote.containsKey(path)) left.add(path);
    }
    for (String path : left) out.put(path, reason);
    java.util.Set<String> folders = new java.util.TreeSet<>(java.util.Comparator.comparingInt(
        io.ncsync.protocol.RemotePaths::depth).reversed().thenComparing(java.util.Comparator.naturalOrder()));
    for (String path : left) {
      for (String p = io.ncsync.protocol.RemotePaths.parent(path); !p.isEmpty(); p = io.ncsync.protocol.RemotePaths.parent(p)) {
        if (remote.containsKey(p)) break;
        folders.add(p);
      }
    }
    for (String folder : folders) {
      String prefix = folder + "/";
      boolean onlyLeftAlone = local.values().stream()
          .filter(l -> l.path().startsWith(prefix) && !l.folder())
          .allMatch(l -> left.contains(l.path()));
      if (onlyLeftAlone) out.put(folder, reason);
    }
    return new Discovery(local, remote, skipped, remoteRoot, feed, out);
  }

  /** This discovery with {@code paths} (path → why) left alone on both sides, like paths outside the filters. */
  public Discovery excluding(Map<String, String> paths) {
    if (paths.isEmpty()) return this;
    Map<String, String> out = new java.util.HashMap<>(excluded);
    out.putAll(paths);
    return new Discovery(local, remote, skipped, remoteRoot, feed, out);
  }

  public Discovery(Map<String, LocalEntry> local, Map<String, DavEntry> remote, Map<String, String> skipped,
      DavEntry remoteRoot) {
    this(local, remote, skipped, remoteRoot, null);
  }

  public Discovery(Map<String, LocalEntry> local, Map<String, DavEntry> remote, Map<String, String> skipped) {
    this(local, remote, skipped, null, null);
  }
}
