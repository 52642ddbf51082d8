package io.ncsync.protocol;

import java.util.List;

/**
 * The answer to a Depth 1 PROPFIND of a folder.
 *
 * @param self     the folder itself (first response of the multistatus)
 * @param children its direct children, paths relative to the store's root
 */
public record Listing(DavEntry self, List<DavEntry> children) {
  public Listing {
    children = List.copyOf(children);
  }
}
