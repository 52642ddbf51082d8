package io.ncsync.persistence.sync;

import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.ForbiddenNames;
import io.ncsync.protocol.RemotePaths;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which names a run leaves alone, decided on both sides' findings together. A name is excluded, and with it everything
 * below it, when
 * <ul>
 *   <li>the server lists a name no local file can have ({@link io.ncsync.protocol.Listing#excluded()}), or the
 *       workspace holds one the engine cannot sync ({@link Workspace.Scan#skipped()});
 *   <li>a local name is one the server refuses ({@link ForbiddenNames}) and the server does not hold that path already;
 *   <li>on a case-insensitive workspace, two names of one folder (on either side) differ only in case: every one of
 *       them, so that neither is written over the other.
 * </ul>
 * An excluded path is neither transferred nor deleted on either side (the Reconciler plans nothing at or below it);
 * the library records it with a reason starting with {@link Discovery#EXCLUDED_PREFIX}.
 */
final class NameExclusions {
  private NameExclusions() {}

  /**
   * @param localSkipped    the workspace's own exclusions (names it cannot sync), path → reason
   * @param remoteExcluded  the listing's exclusions, key → reason
   * @param forbidden       what the server refuses to store
   * @param caseInsensitive the workspace's file system does not tell names apart by case
   * @return every excluded path with its reason, each starting with {@link Discovery#EXCLUDED_PREFIX}; nothing below an
   *         excluded path is listed on its own
   */
  static Map<String, String> of(Map<String, LocalEntry> local, Map<String, DavEntry> remote,
      Map<String, String> localSkipped, Map<String, String> remoteExcluded, ForbiddenNames forbidden,
      boolean caseInsensitive) {
    Map<String, String> excluded = new HashMap<>();
    localSkipped.forEach((path, reason) -> add(excluded, path, reason));
    remoteExcluded.forEach((path, reason) -> add(excluded, path, reason));
    // Unsorted on purpose: a settled library of 100,000 paths pays one pass, not a sort, on every run.
    if (!forbidden.equals(ForbiddenNames.NONE)) {
      for (String path : local.keySet()) {
        if (remote.containsKey(path)) continue;
        String name = RemotePaths.name(path);
        String problem = forbidden.problem(name);
        if (problem != null) {
          add(excluded, path, "the server does not accept the local name " + RemotePaths.printable(name) + ": " + problem);
        }
      }
    }
    if (caseInsensitive) excludeCaseCollisions(local.keySet(), remote.keySet(), excluded);
    return outermost(excluded);
  }

  /** Names of one folder, on either side, that are equal but for case: all of them go. */
  private static void excludeCaseCollisions(Set<String> local, Set<String> remote, Map<String, String> excluded) {
    Map<String, Set<String>> byFolded = new HashMap<>();
    for (Set<String> side : java.util.List.of(local, remote)) {
      for (String path : side) {
        String folded = RemotePaths.join(RemotePaths.parent(path), fold(RemotePaths.name(path)));
        byFolded.computeIfAbsent(folded, k -> new TreeSet<>()).add(path);
      }
    }
    for (Set<String> paths : byFolded.values()) {
      if (paths.size() < 2) continue;
      String names = String.join(", ", paths.stream().map(p -> RemotePaths.printable(RemotePaths.name(p))).toList());
      for (String path : paths) {
        add(excluded, path, "the names " + names + " differ only in case, and this workspace's file system cannot"
            + " hold them apart; rename all but one (none is synced meanwhile)");
      }
    }
  }

  /** Simple case folding, character by character, as case-insensitive file systems (APFS, NTFS) compare names. */
  private static String fold(String name) {
    StringBuilder out = new StringBuilder(name.length());
    name.codePoints().forEach(cp -> out.appendCodePoint(Character.toLowerCase(Character.toUpperCase(cp))));
    return out.toString();
  }

  private static void add(Map<String, String> excluded, String path, String reason) {
    String prefixed = reason.startsWith(Discovery.EXCLUDED_PREFIX) ? reason : Discovery.EXCLUDED_PREFIX + reason;
    excluded.merge(path, prefixed, (a, b) -> a.equals(b) ? a : a + "; " + b.substring(Discovery.EXCLUDED_PREFIX.length()));
  }

  /** The exclusions not inside another one (which takes everything below it along). */
  private static Map<String, String> outermost(Map<String, String> excluded) {
    Map<String, String> outermost = new TreeMap<>();
    excluded.forEach((path, reason) -> {
      boolean inside = false;
      for (String p = RemotePaths.parent(path); !p.isEmpty() && !inside; p = RemotePaths.parent(p)) {
        inside = excluded.containsKey(p);
      }
      if (!inside) outermost.put(path, reason);
    });
    return outermost;
  }
}
