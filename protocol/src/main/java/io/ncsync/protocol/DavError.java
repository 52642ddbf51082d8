package io.ncsync.protocol;

/** The error classes a WebDAV operation can end in; each maps to one way of handling it. */
public enum DavError {
  /** 401: wrong login or app password. Never retried. */
  UNAUTHORIZED,
  /** 403: no permission, or a server policy refused it. */
  FORBIDDEN,
  /** 404: the resource (or the store's root) does not exist. */
  NOT_FOUND,
  /** 405: method not allowed, e.g. MKCOL on an existing folder. */
  METHOD_NOT_ALLOWED,
  /** 409: parent folder missing. */
  CONFLICT,
  /** 412: an If-Match / If-None-Match guard failed: the remote changed meanwhile. */
  PRECONDITION_FAILED,
  /** 423: locked. */
  LOCKED,
  /** 429: throttled. */
  TOO_MANY_REQUESTS,
  /** 507: quota exceeded. */
  INSUFFICIENT_STORAGE,
  /** 5xx other than 507. */
  SERVER_ERROR,
  /** Any other unexpected HTTP status. */
  UNEXPECTED_STATUS,
  /** Connection refused, reset, DNS, TLS or timeout: no HTTP answer. */
  TRANSPORT,
  /** The server's answer could not be understood: malformed or hostile XML, oversized body, missing ETag. */
  MALFORMED_RESPONSE,
  /** The server named a resource with a name that cannot be a safe local path ('/', '..', NUL, control characters). */
  HOSTILE_NAME,
  /** A transfer ended with fewer or more bytes than announced, or a checksum mismatch. */
  INTEGRITY;

  /** True for errors that a later attempt may cure without anybody acting. */
  public boolean retryable() {
    return switch (this) {
      case LOCKED, TOO_MANY_REQUESTS, SERVER_ERROR, TRANSPORT, INTEGRITY -> true;
      default -> false;
    };
  }
}
