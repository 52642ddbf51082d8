package io.ncsync.persistence.sync;

/**
 * What went wrong, as a stable name the API shows and clients may match on; each code belongs to one
 * {@link FailureClass}. {@link Failures} translates exceptions into codes; nothing else decides a class.
 */
public enum FailureCode {
  /** The server refused the login: the app password is wrong or was revoked. */
  UNAUTHORIZED(FailureClass.FATAL),
  /** The server's quota for this user is full (507). */
  QUOTA_FULL(FailureClass.FATAL),
  /** The server failed so often that the connection stopped sending (its circuit breaker is open). */
  SERVER_UNREACHABLE(FailureClass.FATAL),
  /** The workspace's root folder cannot be read or written. */
  WORKSPACE_UNAVAILABLE(FailureClass.FATAL),
  /** The local disk is full. */
  DISK_FULL(FailureClass.FATAL),

  /** No answer from the server (connection refused or reset, timeout) after the transport's own retries. */
  NETWORK(FailureClass.SOFT),
  /** The server asked us to slow down (429) longer than the transport waits. */
  THROTTLED(FailureClass.SOFT),
  /** A 5xx answer after the transport's own retries. */
  SERVER_ERROR(FailureClass.SOFT),
  /** Someone else holds a lock on the file (423). */
  LOCKED(FailureClass.SOFT),
  /** The other side changed while we acted (a failed If-Match, a file that moved or appeared): the next run sees it. */
  CHANGED_MEANWHILE(FailureClass.SOFT),
  /** The local file changed while it was being uploaded. */
  SOURCE_CHANGED(FailureClass.SOFT),
  /** The actor carrying the document's work stopped before it answered. */
  WORKER_STOPPED(FailureClass.SOFT),

  /** The server does not allow this (403), e.g. a read-only share or a server policy. */
  FORBIDDEN(FailureClass.DOCUMENT),
  /** The server answered that something the action needs does not exist. */
  NOT_FOUND(FailureClass.DOCUMENT),
  /** A folder is missing or a file is in the way of a folder (409, 405). */
  PATH_CONFLICT(FailureClass.DOCUMENT),
  /** The bytes that arrived are not the bytes that were sent (size or checksum). */
  INTEGRITY(FailureClass.DOCUMENT),
  /** The server's answer could not be understood. */
  MALFORMED_RESPONSE(FailureClass.DOCUMENT),
  /** The server named something with a name that cannot be a safe local path. */
  HOSTILE_NAME(FailureClass.DOCUMENT),
  /** An HTTP status the client does not expect. */
  UNEXPECTED_STATUS(FailureClass.DOCUMENT),
  /** Reading or writing the local file failed. */
  LOCAL_IO(FailureClass.DOCUMENT),
  /** The local file or its folder may not be read or written by the daemon. */
  LOCAL_ACCESS_DENIED(FailureClass.DOCUMENT),
  /** The engine refused the action (e.g. the library's mode does not allow it, or a policy needs a setting). */
  REFUSED(FailureClass.DOCUMENT),
  /** A fault in ncsync itself. */
  INTERNAL(FailureClass.DOCUMENT),

  /** Not a failure: the name cannot be synced (see {@link Discovery#skipped()}); left alone on both sides. */
  EXCLUDED_NAME(FailureClass.SOFT);

  private final FailureClass failureClass;

  FailureCode(FailureClass failureClass) {
    this.failureClass = failureClass;
  }

  public FailureClass failureClass() {
    return failureClass;
  }

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  /** The code of a wire name, or null for none. */
  public static FailureCode fromWire(String wire) {
    for (FailureCode code : values()) if (code.wireName().equals(wire)) return code;
    return null;
  }
}
