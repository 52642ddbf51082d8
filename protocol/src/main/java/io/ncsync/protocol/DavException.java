package io.ncsync.protocol;

/** A failed WebDAV operation, classified. The message names the method, the path and the cause; never a credential. */
public final class DavException extends RuntimeException {
  private final DavError error;
  private final int status;

  public DavException(DavError error, int status, String message) {
    super(message);
    this.error = error;
    this.status = status;
  }

  public DavException(DavError error, int status, String message, Throwable cause) {
    super(message, cause);
    this.error = error;
    this.status = status;
  }

  public DavError error() {
    return error;
  }

  /** HTTP status, or 0 when there was no HTTP answer. */
  public int status() {
    return status;
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
