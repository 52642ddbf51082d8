package io.ncsync.protocol.nextcloud;

import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.headers.RawHeader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.HttpTransport.Call;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** OCS API calls: JSON, {@code OCS-APIRequest: true}, the envelope {@code {"ocs":{"meta":{...},"data":...}}} checked. */
final class Ocs {
  private Ocs() {}

  static final ObjectMapper JSON = new ObjectMapper();
  static final long MAX_BODY_BYTES = 4L << 20;

  /** A JSON answer with its HTTP status and headers. */
  record Answer(int status, JsonNode json, HttpTransport.StrictResponse raw) {}

  /** GET with the OCS header; the JSON is null when the body is empty or not JSON. */
  static CompletionStage<Answer> get(HttpTransport transport, String url, String what, Duration timeout) {
    return transport.sendStrict(() -> HttpRequest.create(url)
                .addHeader(RawHeader.create("OCS-APIRequest", "true"))
                .addHeader(RawHeader.create("Accept", "application/json")),
            Call.idempotent(what, timeout), MAX_BODY_BYTES)
        .thenApply(response -> new Answer(response.status(), parse(response.body()), response));
  }

  static JsonNode parse(byte[] body) {
    if (body.length == 0) return null;
    try {
      return JSON.readTree(body);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The {@code ocs.data} of a successful answer. v1 answers HTTP 200 with {@code meta.statuscode} 100 for success (997
   * unauthorised, 998 not found); v2 uses real HTTP statuses and {@code meta.statuscode} 200.
   */
  static JsonNode data(Answer answer, String what) {
    if (answer.status() != 200) {
      throw HttpTransport.failure(what, answer.raw());
    }
    if (answer.json() == null || !answer.json().path("ocs").isObject()) {
      throw new DavException(DavError.MALFORMED_RESPONSE, 200, what + ": not an OCS JSON answer");
    }
    JsonNode meta = answer.json().path("ocs").path("meta");
    int code = meta.path("statuscode").asInt(-1);
    if (code == 100 || code == 200) return answer.json().path("ocs").path("data");
    String message = meta.path("message").asText("");
    DavError error = switch (code) {
      case 997 -> DavError.UNAUTHORIZED;
      case 998 -> DavError.NOT_FOUND;
      case 996 -> DavError.SERVER_ERROR;
      default -> DavError.UNEXPECTED_STATUS;
    };
    throw new DavException(error, 200, what + ": OCS status " + code + (message.isEmpty() ? "" : " (" + message + ")"));
  }
}
