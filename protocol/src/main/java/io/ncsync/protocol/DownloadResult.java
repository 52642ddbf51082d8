package io.ncsync.protocol;

/**
 * What a completed download wrote.
 *
 * @param bytes    bytes written to the target file
 * @param etag     normalised ETag of the version served, or null
 * @param checksum the checksum the content was verified against ("TYPE:hex"), or null when none was known
 */
public record DownloadResult(long bytes, String etag, String checksum) {

  public DownloadResult(long bytes, String etag) {
    this(bytes, etag, null);
  }
}
