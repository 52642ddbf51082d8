package io.ncsync.protocol.nextcloud;

/**
 * What a {@link ConnectionTest} found: one outcome, a message for people, and whatever was learnt on the way.
 *
 * @param outcome      the first problem found, or {@link Outcome#OK}
 * @param message      what is wrong and what to do, in plain words; never a credential
 * @param status       status.php, when it was read
 * @param capabilities the capabilities, when they were read
 * @param userId       the user id DAV paths use, when it was read
 */
public record ConnectionTestResult(
    Outcome outcome, String message, ServerStatus status, Capabilities capabilities, String userId) {

  /** Everything a connection test can report; the first failing step decides. */
  public enum Outcome {
    OK,
    /** The host name does not resolve. */
    DNS_FAILURE,
    /** Nothing answers on that host and port (refused, unreachable). */
    CONNECT_FAILURE,
    /** The TLS handshake failed (certificate not trusted, expired, wrong host, protocol mismatch). */
    TLS_FAILURE,
    /** The server accepted the connection but did not answer in time. */
    TIMEOUT,
    /** No Nextcloud at that URL: status.php is missing or is not Nextcloud's (wrong base URL). */
    NOT_NEXTCLOUD,
    /** The URL names a path inside Nextcloud (its WebDAV or index.php), not the server's base URL. */
    WRONG_URL,
    /** Nextcloud is there but not installed yet. */
    NOT_INSTALLED,
    /** Maintenance mode: try again later. */
    MAINTENANCE,
    /** An upgrade is pending: an administrator has to run it. */
    NEEDS_DB_UPGRADE,
    /** 401: wrong login name or app password (or the app password was revoked). */
    BAD_CREDENTIALS,
    /** 429: the server's brute-force protection is slowing this client down. */
    THROTTLED,
    /** The login works but the user's files root does not exist (wrong user). */
    WRONG_USER,
    /** The capabilities are missing or unreadable, or lack WebDAV. */
    MISSING_CAPABILITIES,
    /** The server failed (5xx). */
    SERVER_ERROR,
    /** Anything else; the message says what. */
    UNEXPECTED
  }

  public boolean ok() {
    return outcome == Outcome.OK;
  }

  static ConnectionTestResult failed(Outcome outcome, String message, ServerStatus status, Capabilities capabilities,
      String userId) {
    return new ConnectionTestResult(outcome, message, status, capabilities, userId);
  }
}
