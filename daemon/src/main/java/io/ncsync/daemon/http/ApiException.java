package io.ncsync.daemon.http;

import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that cannot be served, with the HTTP status, the message and the field at fault the client sees in
 * {@code {"error", "message", "field"}}.
 * Extra fields (e.g. the active {@code runId} of a 409) are added to the JSON body. Messages never carry secrets.
 */
public final class ApiException extends RuntimeException {
  private final StatusCode status;
  private final String code;
  private final String field;
  private final Map<String, Object> extra;

  public ApiException(StatusCode status, String message) {
    this(status, message, Map.of());
  }

  public ApiException(StatusCode status, String message, Map<String, Object> extra) {
    this(status, null, message, null, extra);
  }

  /**
   * @param code  the error code clients can branch on; null for the status's own
   * @param field the request field at fault, or null
   */
  public ApiException(StatusCode status, String code, String message, String field, Map<String, Object> extra) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
    this.extra = new LinkedHashMap<>(extra);
  }

  public String code() {
    return code;
  }

  public String field() {
    return field;
  }

  public StatusCode status() {
    return status;
  }

  public Map<String, Object> extra() {
    return extra;
  }

  public static ApiException badRequest(String message) {
    return new ApiException(StatusCodes.BAD_REQUEST, message);
  }

  /** A 400 naming the field at fault. */
  public static ApiException badField(String field, String message) {
    return new ApiException(StatusCodes.BAD_REQUEST, null, message, field, Map.of());
  }

  public static ApiException notFound(String message) {
    return new ApiException(StatusCodes.NOT_FOUND, message);
  }

  public static ApiException conflict(String message) {
    return new ApiException(StatusCodes.CONFLICT, message);
  }

  public static ApiException badGateway(String message) {
    return new ApiException(StatusCodes.BAD_GATEWAY, message);
  }
}
