package io.ncsync.protocol;

import java.time.Duration;
import java.util.Optional;

/** A failed WebDAV operation, classified. The message names the method, the path and the cause; never a credential. */
public final class DavException extends RuntimeException {
  private final DavError error;
  private final int status;
  private final Duration retryAfter;

  public DavException(DavError error, int status, String message) {
    this(error, status, message, null, null);
  }

  public DavException(DavError error, int status, String message, Throwable cause) {
    this(error, status, message, cause, null);
  }

  /** With the server's {@code Retry-After} (429, 503), when it sent one. */
  public DavException(DavError error, int status, String message, Throwable cause, Duration retryAfter) {
    super(message, cause);
    this.error = error;
    this.status = status;
    this.retryAfter = retryAfter;
  }

  public DavError error() {
    return error;
  }

  /** HTTP status, or 0 when there was no HTTP answer. */
  public int status() {
    return status;
  }

  /** How long the server asked us to wait (Retry-After of a 429 or 503), when it said so. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** Maps an HTTP status to its error class. */
  public static DavError classify(int status) {
    return switch (status) {
      case 401 -> DavError.UNAUTHORIZED;
      case 403 -> DavError.FORBIDDEN;
      case 404 -> DavError.NOT_FOUND;
      case 405 -> DavError.METHOD_NOT_ALLOWED;
      case 409 -> DavError.CONFLICT;
      case 412 -> DavError.PRECONDITION_FAILED;
      case 423 -> DavError.LOCKED;
      case 429 -> DavError.TOO_MANY_REQUESTS;
      case 507 -> DavError.INSUFFICIENT_STORAGE;
      default -> status >= 500 ? DavError.SERVER_ERROR : DavError.UNEXPECTED_STATUS;
    };
  }
}
