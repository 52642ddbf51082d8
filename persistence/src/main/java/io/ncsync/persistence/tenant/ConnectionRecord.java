package io.ncsync.persistence.tenant;

import io.ncsync.persistence.CborSerializable;
import java.time.Instant;

/**
 * A stored connection to a server. The app password is only ever held encrypted here; the daemon decrypts it when it
 * opens the connection.
 *
 * @param encryptedSecret   the app password, encrypted by the daemon (opaque to this module)
 * @param requestsPerSecond this connection's request pacing (0 = unlimited), or null for the daemon's default
 *                          ({@code ncsync.remote.requests-per-second}); connections stored before it existed have none
 */
public record ConnectionRecord(
    String id,
    String name,
    ConnectionKind kind,
    String url,
    String username,
    String encryptedSecret,
    boolean allowInsecureHttp,
    Instant createdAt,
    Integer requestsPerSecond)
    implements CborSerializable {

  public ConnectionRecord(String id, String name, ConnectionKind kind, String url, String username,
      String encryptedSecret, boolean allowInsecureHttp, Instant createdAt) {
    this(id, name, kind, url, username, encryptedSecret, allowInsecureHttp, createdAt, null);
  }

  public ConnectionRecord withEncryptedSecret(String replacement) {
    return new ConnectionRecord(id, name, kind, url, username, replacement, allowInsecureHttp, createdAt,
        requestsPerSecond);
  }

  /** Never prints the secret. */
  @Override
  public String toString() {
    return "ConnectionRecord[id=" + id + ", name=" + name + ", kind=" + kind + ", url=" + url + ", username=" + username + "]";
  }
}
