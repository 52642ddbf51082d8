package io.ncsync.daemon.http;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.ExceptionHandler;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.scaladsl.model.EntityStreamSizeException;
import akka.http.scaladsl.model.IllegalRequestException;
import akka.pattern.StatusReply;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.extractRequest;

/**
 * The one place failures become HTTP responses: every error body is {@code {"error": "<code>", "message": "<what is
 * wrong>", "field": "<the request field at fault, or null>"}} (plus extra fields an {@link ApiException} carries), for
 * thrown exceptions, failed futures and akka-http rejections alike. The code is the status's name
 * ({@code bad_request}, {@code not_found}, ...) unless the exception names a more precise one.
 */
public final class ApiErrors {
  private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

  private final ObjectMapper mapper;

  public ApiErrors(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** Maps any failure to its response. Unexpected ones are logged (with stack trace) and answered 500. */
  public HttpResponse toResponse(Throwable failure) {
    Throwable error = unwrap(failure);
    if (error instanceof ApiException api) {
      return errorResponse(api.status(), api.code(), api.getMessage(), api.field(), api.extra());
    }
    if (error instanceof EntityStreamSizeException tooLarge) {
      return errorResponse(StatusCodes.PAYLOAD_TOO_LARGE,
          "request body too large (limit " + tooLarge.limit() + " bytes)", Map.of());
    }
    if (error instanceof IllegalRequestException illegal) {
      return errorResponse(illegal.status(), illegal.info().summary(), Map.of());
    }
    if (error instanceof TimeoutException) {
      return errorResponse(StatusCodes.SERVICE_UNAVAILABLE,
          "the daemon did not answer in time (it may be starting or overloaded); try again", Map.of());
    }
    if (error instanceof StatusReply.ErrorMessage message) {
      // An entity refused a command in a way the route did not anticipate: the request conflicts with its state.
      return errorResponse(StatusCodes.CONFLICT, message.getMessage(), Map.of());
    }
    log.error("request failed unexpectedly", error);
    return errorResponse(StatusCodes.INTERNAL_SERVER_ERROR,
        "internal error (" + error.getClass().getSimpleName() + "); see the daemon's log", Map.of());
  }

  /** Completes with the response {@code response} makes, or with the error it throws or fails with. */
  public akka.http.javadsl.server.Route respond(
      java.util.function.Supplier<java.util.concurrent.CompletionStage<HttpResponse>> response) {
    java.util.concurrent.CompletionStage<HttpResponse> stage;
    try {
      stage = response.get();
    } catch (RuntimeException e) {
      stage = java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    return akka.http.javadsl.server.Directives.completeWithFuture(stage.exceptionally(this::toResponse));
  }

  /** A JSON response. */
  public HttpResponse json(StatusCode status, Object body) {
    try {
      return HttpResponse.create().withStatus(status)
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, mapper.writeValueAsBytes(body)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("response not serializable: " + body.getClass().getName(), e);
    }
  }

  public HttpResponse errorResponse(StatusCode status, String message, Map<String, Object> extra) {
    return errorResponse(status, null, message, null, extra);
  }

  /** @param code null for the status's own ({@link #code(StatusCode)}) */
  public HttpResponse errorResponse(StatusCode status, String code, String message, String field,
      Map<String, Object> extra) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", code != null ? code : code(status));
    body.put("message", message);
    body.put("field", field);
    body.putAll(extra);
    return json(status, body);
  }

  /** "bad_request", "not_found", "payload_too_large": the status's reason in snake case. */
  static String code(StatusCode status) {
    String reason = status.reason();
    return reason.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
  }

  /** Exceptions thrown while building or running a route. */
  public ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder().matchAny(error -> complete(toResponse(error))).build();
  }

  /** akka-http's default rejection handling (404, 405, 415, ...) with its plain-text messages turned into JSON. */
  public RejectionHandler rejectionHandler() {
    RejectionHandler notFound = RejectionHandler.newBuilder()
        .handleNotFound(extractRequest(request -> complete(errorResponse(StatusCodes.NOT_FOUND,
            "no such endpoint: " + request.method().name() + " " + request.getUri().path(), Map.of()))))
        .build();
    return notFound.withFallback(RejectionHandler.defaultHandler()).mapRejectionResponse(response -> {
      if (response.entity() instanceof HttpEntity.Strict strict
          && !strict.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
        String text = strict.getData().decodeString(StandardCharsets.UTF_8);
        if (text.isBlank()) text = response.status().reason();
        return errorResponse(response.status(), text, Map.of()).withHeaders(response.getHeaders());
      }
      return response;
    });
  }

  /** A failure to throw on from a {@code handle} stage: its cause when that is unchecked, else wrapped. */
  static RuntimeException rethrow(Throwable error) {
    Throwable cause = unwrap(error);
    return cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
  }

  static Throwable unwrap(Throwable error) {
    Throwable current = error;
    while ((current instanceof CompletionException || current instanceof ExecutionException) && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
