package io.ncsync.protocol.nextcloud;

import io.ncsync.protocol.UrlPaths;
import java.net.URI;
import java.util.Objects;

/**
 * What a file store may use on one connection, decided once from the server's capabilities (see
 * {@link #from(Capabilities, URI, String)}); {@link #PLAIN_WEBDAV} for servers that are not Nextcloud.
 *
 * @param nextcloud         the server is Nextcloud (or compatible): folder ETags propagate to the root, uploads carry
 *                          {@code OC-Checksum}/{@code X-Hash}, {@code OC-ETag}/{@code OC-FileId} headers are expected
 * @param serverBase        the server's base URL ending with '/', e.g. {@code https://cloud.example.com/}; null for
 *                          plain WebDAV
 * @param userId            the user id used in DAV paths (may differ from the login name); null for plain WebDAV
 * @param chunkingV2        chunked upload v2 may be used ({@code dav.chunking} ≥ 1.0 and big-file chunking enabled)
 * @param maxChunkSize      largest chunk the server accepts, 0 when it does not say
 * @param maxParallelChunks most chunk PUTs of one upload the server wants at once, 0 when it does not say; bounds
 *                          {@code TransferSettings.chunkParallelism}
 * @param bulkUpload        {@code /remote.php/dav/bulk} may be used
 * @param checksumType      checksum algorithm sent as {@code OC-Checksum} ("SHA1", "MD5", "SHA256", "ADLER32")
 * @param notifyPushWebsocket the notify_push app's websocket, or null (only one on the server's own host is taken)
 * @param filesLocking      the files_lock app is on: a file can be locked for the user ({@code LOCK} with {@code X-User-Lock: 1})
 */
public record NextcloudFeatures(
    boolean nextcloud,
    URI serverBase,
    String userId,
    boolean chunkingV2,
    long maxChunkSize,
    int maxParallelChunks,
    boolean bulkUpload,
    String checksumType,
    boolean filesLocking,
    URI notifyPushWebsocket) {

  public NextcloudFeatures(boolean nextcloud, URI serverBase, String userId, boolean chunkingV2, long maxChunkSize,
      int maxParallelChunks, boolean bulkUpload, String checksumType) {
    this(nextcloud, serverBase, userId, chunkingV2, maxChunkSize, maxParallelChunks, bulkUpload, checksumType, false,
        null);
  }

  /** A plain WebDAV server: no chunking, no bulk upload, no checksums, no ETag propagation. */
  public static final NextcloudFeatures PLAIN_WEBDAV = new NextcloudFeatures(false, null, null, false, 0, 0, false, "SHA1");

  public NextcloudFeatures {
    Objects.requireNonNull(checksumType, "checksumType");
    if (nextcloud) {
      Objects.requireNonNull(serverBase, "serverBase");
      Objects.requireNonNull(userId, "userId");
      if (!serverBase.toString().endsWith("/")) throw new IllegalArgumentException("serverBase must end with '/'");
    }
  }

  /** The features a Nextcloud server with these capabilities offers to {@code userId}. */
  public static NextcloudFeatures from(Capabilities capabilities, URI serverBase, String userId) {
    String checksum = capabilities.preferredChecksumType() != null ? capabilities.preferredChecksumType() : "SHA1";
    return new NextcloudFeatures(true, withSlash(serverBase), userId, capabilities.chunkingV2(),
        capabilities.maxChunkSize(), capabilities.maxParallelChunks(), capabilities.bulkUpload(), checksum,
        capabilities.filesLocking(), sameHost(capabilities.notifyPushWebsocket(), serverBase));
  }

  /**
   * The push websocket, only when it is on the server's own host with a matching scheme (wss for https, ws for http):
   * the app password is sent over it, never to a host the capabilities merely name.
   */
  public static URI sameHost(String websocket, URI serverBase) {
    if (websocket == null || websocket.isBlank()) return null;
    try {
      URI ws = URI.create(websocket.strip());
      String expected = "https".equalsIgnoreCase(serverBase.getScheme()) ? "wss" : "ws";
      boolean ok = expected.equalsIgnoreCase(ws.getScheme()) && ws.getHost() != null
          && ws.getHost().equalsIgnoreCase(serverBase.getHost());
      return ok ? ws : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Every Nextcloud feature on, for tests and for servers known to be recent. */
  public static NextcloudFeatures allOn(URI serverBase, String userId) {
    return new NextcloudFeatures(true, withSlash(serverBase), userId, true, 0, 0, true, "SHA1");
  }

  public NextcloudFeatures withChunkingV2(boolean value) {
    return new NextcloudFeatures(nextcloud, serverBase, userId, value, maxChunkSize, maxParallelChunks, bulkUpload, checksumType,
        filesLocking, notifyPushWebsocket);
  }

  public NextcloudFeatures withBulkUpload(boolean value) {
    return new NextcloudFeatures(nextcloud, serverBase, userId, chunkingV2, maxChunkSize, maxParallelChunks, value, checksumType,
        filesLocking, notifyPushWebsocket);
  }

  /** {@code <base>remote.php/dav/files/<user>/}: the root of the user's files. */
  public URI filesRoot() {
    return URI.create(requireNextcloud() + "remote.php/dav/files/" + UrlPaths.encodeSegment(userId) + "/");
  }

  /** {@code <base>remote.php/dav/uploads/<user>/}: where chunked uploads keep their chunks. */
  public URI uploadsRoot() {
    return URI.create(requireNextcloud() + "remote.php/dav/uploads/" + UrlPaths.encodeSegment(userId) + "/");
  }

  /** {@code <base>remote.php/dav/bulk}. */
  public URI bulkEndpoint() {
    return URI.create(requireNextcloud() + "remote.php/dav/bulk");
  }

  private String requireNextcloud() {
    if (!nextcloud) throw new IllegalStateException("not a Nextcloud connection");
    return serverBase.toString();
  }

  static URI withSlash(URI base) {
    String s = base.toString();
    return s.endsWith("/") ? base : URI.create(s + "/");
  }
}
