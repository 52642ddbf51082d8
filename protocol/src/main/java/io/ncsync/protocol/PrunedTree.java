package io.ncsync.protocol;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The result of an incremental walk: what was listed, which folders were not descended into because their ETag equals
 * the base (on Nextcloud that proves their whole subtree unchanged), and which folders a change feed let the walk jump
 * over on its way to the folders that changed.
 *
 * @param root           the store's root folder as the server describes it now
 * @param entries        every entry listed (children of the folders that were walked, and each seed itself), keyed and
 *                       sorted by path; a pruned folder is itself among them (with its current, unchanged ETag), its
 *                       contents are not
 * @param prunedFolders  folders whose contents were not listed: take their subtrees from the base. "" when the root
 *                       itself was unchanged (then {@code entries} is empty)
 * @param jumpedFolders  folders between the root and a seed that were not listed: they changed (their ETag differs),
 *                       but a change feed said where, so the walk went straight to the seeds below them. Take them and
 *                       everything inside them but the seeds' subtrees from the base, ETags included: they were not
 *                       verified, so the next full walk must still see them as changed
 * @param seedFolders    folders listed because a change feed named them, without their parents being listed
 * @param excluded       entries of the listed folders left out because their names cannot be local names, with why
 *                       ({@link Listing#excluded()})
 * @param requests       PROPFIND requests the walk made
 */
public record PrunedTree(
    DavEntry root,
    SortedMap<String, DavEntry> entries,
    SortedSet<String> prunedFolders,
    SortedSet<String> jumpedFolders,
    SortedSet<String> seedFolders,
    SortedMap<String, String> excluded,
    int requests) {

  public PrunedTree {
    entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
    prunedFolders = Collections.unmodifiableSortedSet(new TreeSet<>(prunedFolders));
    jumpedFolders = Collections.unmodifiableSortedSet(new TreeSet<>(jumpedFolders));
    seedFolders = Collections.unmodifiableSortedSet(new TreeSet<>(seedFolders));
    excluded = Collections.unmodifiableSortedMap(new TreeMap<>(excluded));
  }

  static PrunedTree of(DavEntry root, Map<String, DavEntry> entries, Set<String> pruned, int requests) {
    return of(root, new RemoteTree(root, new TreeMap<>(entries)), pruned, Set.of(), Set.of(), requests);
  }

  static PrunedTree of(DavEntry root, RemoteTree tree, Set<String> pruned, int requests) {
    return of(root, tree, pruned, Set.of(), Set.of(), requests);
  }

  static PrunedTree of(DavEntry root, RemoteTree tree, Set<String> pruned, Set<String> jumped, Set<String> seeds,
      int requests) {
    return new PrunedTree(root, tree.entries(), new TreeSet<>(pruned), new TreeSet<>(jumped), new TreeSet<>(seeds),
        tree.excluded(), requests);
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

  /**
   * True when the base's entry for {@code path} stands for the server's: inside a pruned folder, or a jumped folder or
   * inside one without being at or below a seed. False for what the walk listed, where a missing entry means deleted.
   */
  public boolean takenFromBase(String path) {
    if (path.isEmpty()) return false;
    if (insidePrunedFolder(path)) return true;
    if (jumpedFolders.isEmpty()) return false;
    for (String p = path; !p.isEmpty(); p = RemotePaths.parent(p)) {
      if (seedFolders.contains(p)) return false;
      if (jumpedFolders.contains(p)) return true;
    }
    return false;
  }
}
