package io.ncsync.protocol;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A complete listing of a remote tree.
 *
 * @param root    the store's root folder
 * @param entries  every entry below the root (not the root itself), keyed and sorted by path; a folder sorts before
 *                 everything inside it
 * @param excluded entries left out because their names cannot be local names ({@link Listing#excluded()}), with why
 */
public record RemoteTree(DavEntry root, SortedMap<String, DavEntry> entries, SortedMap<String, String> excluded) {
  public RemoteTree {
    entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
    excluded = Collections.unmodifiableSortedMap(new TreeMap<>(excluded));
  }

  public RemoteTree(DavEntry root, SortedMap<String, DavEntry> entries) {
    this(root, entries, new TreeMap<>());
  }

  public static RemoteTree of(DavEntry root, Map<String, DavEntry> entries) {
    return new RemoteTree(root, new TreeMap<>(entries));
  }

  public static RemoteTree of(DavEntry root, Map<String, DavEntry> entries, Map<String, String> excluded) {
    return new RemoteTree(root, new TreeMap<>(entries), new TreeMap<>(excluded));
  }

  /** The entry at a path; the root for "", null when absent. */
  public DavEntry get(String path) {
    return path.isEmpty() ? root : entries.get(path);
  }

  public int size() {
    return entries.size();
  }
}
