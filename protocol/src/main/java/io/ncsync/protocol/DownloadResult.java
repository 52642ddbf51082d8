package io.ncsync.protocol;

/**
 * What a completed download wrote.
 *
 * @param bytes  bytes written to the target file
 * @param etag   normalised ETag of the version served, or null
 */
public record DownloadResult(long bytes, String etag) {}
