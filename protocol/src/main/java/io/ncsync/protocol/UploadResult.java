package io.ncsync.protocol;

/**
 * What a successful upload told us about the new remote version.
 *
 * @param created true when the server answered 201 (new resource), false for 204 (overwritten)
 * @param etag    normalised ETag from OC-ETag or ETag, or null when the server sent none (mod_dav may not)
 * @param fileId  OC-FileId, or null
 */
public record UploadResult(boolean created, String etag, String fileId) {}
