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
 * @param expectedSize     the size the listing gave ({@link DavEntry#size()}), or {@link #UNKNOWN_SIZE}. The download
 *                         takes exactly this many bytes: more or fewer fails it, and its deadline is computed from it.
 *                         When unknown, the download asks the server for it first (a Depth 0 PROPFIND)
 */
public record DownloadOptions(String expectedChecksum, String expectedEtag, boolean resumePartial, long expectedSize) {

  public static final long UNKNOWN_SIZE = -1;

  public DownloadOptions {
    if (expectedSize < 0) expectedSize = UNKNOWN_SIZE;
  }

  /** Options without a listed size: the download asks the server for it first. */
  public DownloadOptions(String expectedChecksum, String expectedEtag, boolean resumePartial) {
    this(expectedChecksum, expectedEtag, resumePartial, UNKNOWN_SIZE);
  }

  public static DownloadOptions defaults() {
    return new DownloadOptions(null, null, false, UNKNOWN_SIZE);
  }

  /** Verify against a listing entry's checksum and size, and keep its version. */
  public static DownloadOptions of(DavEntry entry) {
    return new DownloadOptions(entry.checksum(), entry.etag(), false, entry.collection() ? UNKNOWN_SIZE : entry.size());
  }

  public DownloadOptions resumingPartial() {
    return new DownloadOptions(expectedChecksum, expectedEtag, true, expectedSize);
  }

  /** The same options for a file the listing gave {@code bytes} (negative: unknown). */
  public DownloadOptions withExpectedSize(long bytes) {
    return new DownloadOptions(expectedChecksum, expectedEtag, resumePartial, bytes);
  }

  public boolean sizeKnown() {
    return expectedSize >= 0;
  }
}
