package io.ncsync.protocol;

/**
 * What a successful upload told us about the new remote version.
 *
 * @param created       true when the server answered 201 (new resource), false for 204 (overwritten)
 * @param etag          normalised ETag from OC-ETag or ETag, or null when the server sent none (mod_dav may not). Some
 *                      servers list another ETag later for the same content: compare content with
 *                      {@link ContentIdentity}, not this ETag alone
 * @param fileId        the file's id as listings give it ({@link FileIds#numeric}: the OC-FileId header's is converted), or
 *                      null
 * @param checksum      the checksum sent with the upload as "TYPE:hex" (Nextcloud stores it and lists it in
 *                      oc:checksums), or null when none was sent
 * @param size          bytes uploaded
 * @param mtimeAccepted true when the server confirmed the modification time ({@code X-OC-MTime: accepted})
 * @param sha256        hex SHA-256 of exactly the bytes that were sent, computed while they streamed out (so a file that
 *                      changed during the upload is described as uploaded, not as it is now), or null when the store
 *                      does not tell
 * @param etagListed    the ETag was read from a listing while nobody else could write the file (a server that answers
 *                      PUT without one, see {@code LockedUpload}): it is what listings show, not a PUT answer's
 */
public record UploadResult(
    boolean created, String etag, String fileId, String checksum, long size, boolean mtimeAccepted, String sha256,
    boolean etagListed) {

  public UploadResult {
    fileId = FileIds.numeric(fileId);
  }

  public UploadResult(
      boolean created, String etag, String fileId, String checksum, long size, boolean mtimeAccepted, String sha256) {
    this(created, etag, fileId, checksum, size, mtimeAccepted, sha256, false);
  }

  /**
   * True when the ETag came with the PUT's answer: some servers list another one later for the same content (see
   * {@link ContentIdentity}), which a listed ETag never differs from.
   */
  public boolean etagFromWrite() {
    return etag != null && !etagListed;
  }

  /** This result with {@code etag} (and {@code fileId} where it had none) read from a listing, see {@link #etagListed}. */
  public UploadResult withListedIdentity(String listedEtag, String listedFileId) {
    return new UploadResult(created, listedEtag, fileId != null ? fileId : listedFileId, checksum, size, mtimeAccepted,
        sha256, true);
  }

  /** A result without the SHA-256 of what was sent. */
  public UploadResult(boolean created, String etag, String fileId, String checksum, long size, boolean mtimeAccepted) {
    this(created, etag, fileId, checksum, size, mtimeAccepted, null);
  }

  /** A result without checksum, size or mtime confirmation (servers that tell nothing more). */
  public UploadResult(boolean created, String etag, String fileId) {
    this(created, etag, fileId, null, -1, false, null);
  }
}
