package io.ncsync.protocol.testing.nextcloud;

/**
 * A failure answered the way Nextcloud's Sabre server answers it: a status and a {@code <d:error>} body naming the
 * Sabre exception class. Thrown anywhere inside request handling.
 */
final class DavError extends RuntimeException {
  final int status;
  final String exception;
  /** For InvalidPath: Nextcloud adds {@code <o:retry>} and {@code <o:reason>}. */
  final boolean invalidPath;

  private DavError(int status, String exception, String message, boolean invalidPath) {
    super(message, null, false, false);
    this.status = status;
    this.exception = exception;
    this.invalidPath = invalidPath;
  }

  static DavError of(int status, String exception, String message) {
    return new DavError(status, exception, message, false);
  }

  static DavError badRequest(String message) {
    return of(400, "Sabre\\DAV\\Exception\\BadRequest", message);
  }

  static DavError invalidPath(String message) {
    return new DavError(400, "OCA\\DAV\\Connector\\Sabre\\Exception\\InvalidPath", message, true);
  }

  static DavError notFound(String message) {
    return of(404, "Sabre\\DAV\\Exception\\NotFound", message);
  }

  static DavError conflict(String message) {
    return of(409, "Sabre\\DAV\\Exception\\Conflict", message);
  }

  static DavError forbidden(String message) {
    return of(403, "Sabre\\DAV\\Exception\\Forbidden", message);
  }

  static DavError preconditionFailed(String message) {
    return of(412, "Sabre\\DAV\\Exception\\PreconditionFailed", message);
  }

  static DavError methodNotAllowed(String message) {
    return of(405, "Sabre\\DAV\\Exception\\MethodNotAllowed", message);
  }

  static DavError locked(String message) {
    return of(423, "OCA\\DAV\\Connector\\Sabre\\Exception\\FileLocked", message);
  }

  static DavError insufficientStorage(String message) {
    return of(507, "Sabre\\DAV\\Exception\\InsufficientStorage", message);
  }

  static DavError notImplemented(String message) {
    return of(501, "Sabre\\DAV\\Exception\\NotImplemented", message);
  }

  static DavError unavailable(String message) {
    return of(503, "Sabre\\DAV\\Exception\\ServiceUnavailable", message);
  }
}
