package io.ncsync.protocol;

/** ETags as servers send them versus the normalised form the journal compares. */
public final class ETags {
  private ETags() {}

  /**
   * Strips a weak marker ({@code W/}), surrounding quotes and a {@code -gzip} suffix (added by mod_deflate and some
   * proxies), so the same version compares equal however it reached us. Returns null for null or blank input.
   */
  public static String normalize(String raw) {
    if (raw == null) return null;
    String etag = raw.strip();
    if (etag.startsWith("W/") || etag.startsWith("w/")) etag = etag.substring(2).strip();
    if (etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")) etag = etag.substring(1, etag.length() - 1);
    if (etag.endsWith("-gzip")) etag = etag.substring(0, etag.length() - "-gzip".length());
    return etag.isEmpty() ? null : etag;
  }

  /** The form If-Match expects: a normalised ETag in quotes. */
  public static String quote(String etag) {
    String normalized = normalize(etag);
    if (normalized == null) throw new IllegalArgumentException("empty ETag");
    return "\"" + normalized + "\"";
  }
}
