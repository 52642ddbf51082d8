package io.ncsync.protocol;

import java.time.Instant;

/**
 * One resource of a WebDAV listing, as the server described it.
 *
 * @param path          path relative to the store's root, '/'-separated, no leading or trailing slash; "" is the root
 * @param collection    true for folders
 * @param etag          normalised ETag (no W/, no quotes, no -gzip), or null when the server gave none
 * @param size          content length in bytes for files; recursive size (oc:size) or -1 for folders
 * @param lastModified  getlastmodified, or null; informational only, never a change signal on its own
 * @param fileId        oc:fileid, or null on servers without it
 * @param permissions   oc:permissions letters, or null on servers without it
 * @param checksum      the first oc:checksums entry as "TYPE:hex" (e.g. "SHA1:ab12…"), or null
 * @param dataFingerprint oc:data-fingerprint ("" until an administrator first sets one), or null when not offered: it
 *                      changes when the server's data was restored from a backup (PROTOCOL.md §8, lesson 4)
 */
public record DavEntry(
    String path,
    boolean collection,
    String etag,
    long size,
    Instant lastModified,
    String fileId,
    String permissions,
    String checksum,
    String dataFingerprint) {

  public DavEntry(String path, boolean collection, String etag, long size, Instant lastModified, String fileId,
      String permissions, String checksum) {
    this(path, collection, etag, size, lastModified, fileId, permissions, checksum, null);
  }

  /** The last path segment; "" for the root. */
  public String name() {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }
}
