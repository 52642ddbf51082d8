package io.ncsync.protocol;

import java.util.List;
import java.util.Map;

/**
 * The answer to a Depth 1 PROPFIND of a folder.
 *
 * @param self     the folder itself (first response of the multistatus)
 * @param children its direct children, paths relative to the store's root
 * @param excluded children whose names cannot become local names (see {@link RemotePaths#unsafeReason}), left out of
 *                 {@code children}: {@link RemotePaths#excludedKey} → why. One hostile name costs that entry, not the
 *                 listing.
 */
public record Listing(DavEntry self, List<DavEntry> children, Map<String, String> excluded) {
  public Listing {
    children = List.copyOf(children);
    excluded = Map.copyOf(excluded);
  }

  public Listing(DavEntry self, List<DavEntry> children) {
    this(self, children, Map.of());
  }

  /** Why a child named {@code name} is left out, {@code problem} being {@link RemotePaths#unsafeReason}'s answer. */
  public static String exclusionReason(String name, String problem) {
    return "the server's name " + RemotePaths.printable(name) + " cannot be a local file name: " + problem;
  }
}
