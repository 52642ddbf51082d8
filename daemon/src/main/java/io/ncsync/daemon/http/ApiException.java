package io.ncsync.daemon.http;

import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that cannot be served, with the HTTP status and the message the client sees as {@code {"error": ...}}.
 * Extra fields (e.g. the active {@code runId} of a 409) are added to the JSON body. Messages never carry secrets.
 */
public final class ApiException extends RuntimeException {
  private final StatusCode status;
  private final Map<String, Object> extra;

  public ApiException(StatusCode status, String message) {
    this(status, message, Map.of());
  }

  public ApiException(StatusCode status, String message, Map<String, Object> extra) {
    super(message, null, false, false);
    this.status = status;
    this.extra = new LinkedHashMap<>(extra);
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
