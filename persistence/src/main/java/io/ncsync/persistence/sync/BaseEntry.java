package io.ncsync.persistence.sync;

import io.ncsync.persistence.CborSerializable;

/**
 * The last state both sides agreed on for one path: what a run compares each side against to tell who changed.
 *
 * @param path           library-relative path
 * @param folder         true for folders
 * @param fileId         remote oc:fileid, or null on servers without it
 * @param etag           remote ETag at the time of sync, or null when unknown
 * @param size           file size in bytes (0 for folders)
 * @param mtimeMillis    local modification time in milliseconds (0 for folders)
 * @param sha256         hex SHA-256 of the content (null for folders)
 * @param remoteChecksum the checksum the server holds for this content ("SHA1:hex", as we sent or it listed), or null
 * @param etagFromWrite  true when {@code etag} is what the server answered to our own write: some servers list another
 *                       ETag for the same version later, so a difference alone does not prove a change
 */
public record BaseEntry(
    String path,
    boolean folder,
    String fileId,
    String etag,
    long size,
    long mtimeMillis,
    String sha256,
    String remoteChecksum,
    boolean etagFromWrite)
    implements CborSerializable {

  public BaseEntry(String path, boolean folder, String fileId, String etag, long size, long mtimeMillis, String sha256) {
    this(path, folder, fileId, etag, size, mtimeMillis, sha256, null, false);
  }

  public static BaseEntry folder(String path, String fileId, String etag) {
    return new BaseEntry(path, true, fileId, etag, 0, 0, null);
  }

  /** The same version, as the server now lists it. */
  public BaseEntry withListedEtag(String listedEtag) {
    return new BaseEntry(path, folder, fileId, listedEtag, size, mtimeMillis, sha256, remoteChecksum, false);
  }
}
