package io.ncsync.protocol;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The result of an incremental walk: what was listed, and which folders were not descended into because their ETag
 * equals the base (on Nextcloud that proves their whole subtree unchanged).
 *
 * @param root          the store's root folder as the server describes it now
 * @param entries       every entry listed (children of the folders that were walked), keyed and sorted by path; a
 *                      pruned folder is itself among them (with its current, unchanged ETag), its contents are not
 * @param prunedFolders folders whose contents were not listed: take their subtrees from the base. "" when the root
 *                      itself was unchanged (then {@code entries} is empty)
 * @param requests      PROPFIND requests the walk made
 */
public record PrunedTree(DavEntry root, SortedMap<String, DavEntry> entries, SortedSet<String> prunedFolders, int requests) {

  public PrunedTree {
    entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
    prunedFolders = Collections.unmodifiableSortedSet(new TreeSet<>(prunedFolders));
  }

  static PrunedTree of(DavEntry root, Map<String, DavEntry> entries, java.util.Set<String> pruned, int requests) {
    return new PrunedTree(root, new TreeMap<>(entries), new TreeSet<>(pruned), requests);
  }

  /** True when the root's ETag equals the base: nothing changed anywhere. */
  public boolean unchanged() {
    return prunedFolders.contains("");
  }

  /**
   * True when {@code path} lies strictly inside a pruned folder: the walk did not look at it, and the base's entry for
   * it is still valid. (A pruned folder itself is in {@link #entries()}.)
   */
  public boolean insidePrunedFolder(String path) {
    if (prunedFolders.contains("")) return !path.isEmpty();
    String parent = RemotePaths.parent(path);
    while (true) {
      if (prunedFolders.contains(parent)) return true;
      if (parent.isEmpty()) return false;
      parent = RemotePaths.parent(parent);
    }
  }
}
