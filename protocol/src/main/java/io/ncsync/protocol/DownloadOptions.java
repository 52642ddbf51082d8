package io.ncsync.protocol;

/**
 * How one download should go.
 *
 * @param expectedChecksum "TYPE:hex" the content must match (e.g. {@link DavEntry#checksum()}), or null; when null the
 *                         server's {@code OC-Checksum} response header is checked if it sends one
 * @param expectedEtag     the version wanted, or null. With {@code resumePartial} it guards the Range request
 *                         ({@code If-Range}), so bytes of two versions are never mixed
 * @param resumePartial    when the target already holds the first bytes of this version (a download interrupted
 *                         earlier), continue after them instead of starting over; needs {@code expectedEtag}
 */
public record DownloadOptions(String expectedChecksum, String expectedEtag, boolean resumePartial) {

  public static DownloadOptions defaults() {
    return new DownloadOptions(null, null, false);
  }

  /** Verify against a listing entry's checksum and keep its version. */
  public static DownloadOptions of(DavEntry entry) {
    return new DownloadOptions(entry.checksum(), entry.etag(), false);
  }

  public DownloadOptions resumingPartial() {
    return new DownloadOptions(expectedChecksum, expectedEtag, true);
  }
}
