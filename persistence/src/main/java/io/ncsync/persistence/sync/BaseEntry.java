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
 * @param localKey       the local file's identity ({@link LocalEntry#fileKey()}) when it was synced, or null when unknown:
 *                       finding it at another path later is a local move
 * @param documentId     the document's id, stable across moves and renames ({@link DocumentIds}); null in entries the
 *                       engine produces (the library stamps it) and in those journaled before ids existed
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
    boolean etagFromWrite,
    String localKey,
    String documentId)
    implements CborSerializable {

  public BaseEntry {
    // Journals from before kept an upload's OC-FileId form (00000017oc…), which no listing shows: see FileIds.
    fileId = io.ncsync.protocol.FileIds.numeric(fileId);
  }

  public BaseEntry(String path, boolean folder, String fileId, String etag, long size, long mtimeMillis, String sha256,
      String remoteChecksum, boolean etagFromWrite, String localKey) {
    this(path, folder, fileId, etag, size, mtimeMillis, sha256, remoteChecksum, etagFromWrite, localKey, null);
  }

  public BaseEntry(String path, boolean folder, String fileId, String etag, long size, long mtimeMillis, String sha256,
      String remoteChecksum, boolean etagFromWrite) {
    this(path, folder, fileId, etag, size, mtimeMillis, sha256, remoteChecksum, etagFromWrite, null);
  }

  public BaseEntry(String path, boolean folder, String fileId, String etag, long size, long mtimeMillis, String sha256) {
    this(path, folder, fileId, etag, size, mtimeMillis, sha256, null, false, null);
  }

  public static BaseEntry folder(String path, String fileId, String etag) {
    return new BaseEntry(path, true, fileId, etag, 0, 0, null);
  }

  public static BaseEntry folder(String path, String fileId, String etag, String localKey) {
    return new BaseEntry(path, true, fileId, etag, 0, 0, null, null, false, localKey);
  }

  /** The same version, as the server now lists it (with its fileid, where the write's answer gave none). */
  public BaseEntry withListedEtag(String listedEtag, String listedFileId) {
    return new BaseEntry(path, folder, fileId != null ? fileId : listedFileId, listedEtag, size, mtimeMillis, sha256,
        remoteChecksum, false, localKey, documentId);
  }

  /** The same entry with the fileid a listing showed: servers that answer a PUT without one (PROTOCOL.md §9). */
  public BaseEntry withFileId(String listedFileId) {
    return new BaseEntry(path, folder, listedFileId, etag, size, mtimeMillis, sha256, remoteChecksum, etagFromWrite,
        localKey, documentId);
  }

  /** The same entry under another path (a move carried it there). */
  public BaseEntry at(String newPath) {
    return new BaseEntry(newPath, folder, fileId, etag, size, mtimeMillis, sha256, remoteChecksum, etagFromWrite, localKey,
        documentIdOrDerived());
  }

  /** The same entry, synced with the local file of identity {@code key}. */
  public BaseEntry withLocalKey(String key) {
    return new BaseEntry(path, folder, fileId, etag, size, mtimeMillis, sha256, remoteChecksum, etagFromWrite, key,
        documentId);
  }

  /** The same entry, as the document {@code id}. */
  public BaseEntry withDocumentId(String id) {
    return new BaseEntry(path, folder, fileId, etag, size, mtimeMillis, sha256, remoteChecksum, etagFromWrite, localKey, id);
  }

  /** The recorded id, or for an entry journaled before ids existed the one {@link DocumentIds#derived} gives it. */
  public String documentIdOrDerived() {
    return documentId != null ? documentId : DocumentIds.derived(path, fileId);
  }
}
