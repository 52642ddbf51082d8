package io.ncsync.protocol.http;

/**
 * Which failures of one request {@link HttpTransport} may answer by sending it again. The rule, in one place:
 *
 * <ul>
 *   <li>Every request is sent again after 429 or 503 (honouring {@code Retry-After}) and after a connection that could
 *       not be opened: in those cases the server did not act on it.
 *   <li>{@link #IDEMPOTENT} requests are also sent again after other 5xx answers (except 501, 505 and 507), timeouts and
 *       connections reset mid-request. Repeating them cannot change the outcome: GET, PROPFIND, MKCOL (a repeat answers
 *       405, which callers tolerate), DELETE (a repeat answers 404, which callers tolerate), a PUT of a whole file or of
 *       one chunk with the same guard (a repeat after a success answers 412 under If-Match/If-None-Match: the uploader
 *       then checks the target instead of failing).
 *   <li>{@link #UNSAFE} requests (MOVE, COPY, POST of a bulk upload, the chunk-assembly MOVE) are not repeated after a
 *       timeout, a reset or a 5xx, because the server may have acted: their callers check the outcome (e.g. stat the
 *       destination) before trying again.
 *   <li>Never retried by the transport: 401 (a wrong app password stays wrong; the connection pauses after repeated
 *       ones), 403, 404, 409, 412, 423, 507 and every other 4xx. 423 is handled only where Nextcloud documents it: the
 *       chunk-assembly MOVE.
 * </ul>
 */
public enum RetryPolicy {
  IDEMPOTENT,
  UNSAFE;

  /** Statuses after which the server has not acted on the request, so any request may be sent again. */
  static boolean refusedBeforeActing(int status) {
    return status == 429 || status == 503;
  }

  /** Statuses worth another attempt under this policy. */
  boolean retriesStatus(int status) {
    if (refusedBeforeActing(status)) return true;
    if (this != IDEMPOTENT) return false;
    return status >= 500 && status != 501 && status != 505 && status != 507;
  }
}
