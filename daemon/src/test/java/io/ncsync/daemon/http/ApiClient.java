package io.ncsync.daemon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small blocking client for the admin API in tests. */
public final class ApiClient {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String baseUrl;
  private final String token;

  public ApiClient(String baseUrl, String token) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  /** A response: status, raw body, and the body parsed as JSON (null if it is not JSON). */
  public record Response(int status, String body, JsonNode json, HttpResponse<String> raw) {
    public String error() {
      return json == null || json.get("message") == null ? null : json.get("message").asText();
    }

    /** The error code ({@code "error"}), e.g. {@code not_found}. */
    public String errorCode() {
      return json == null || json.get("error") == null ? null : json.get("error").asText();
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  public Response get(String path) {
    return send(request(path).GET().build());
  }

  public Response post(String path, String json) {
    return send(request(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build());
  }

  public Response patch(String path, String json) {
    return send(request(path).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(json)).build());
  }

  public Response delete(String path) {
    return send(request(path).DELETE().build());
  }

  public Response postEmpty(String path) {
    return send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  public Response send(HttpRequest request) {
    try {
      // An event stream never ends: its body is not read (the status and headers are what a caller checks).
      HttpResponse<String> response = http.send(request, info -> info.headers().firstValue("Content-Type").orElse("")
          .startsWith("text/event-stream")
          ? new NotRead()
          : HttpResponse.BodySubscribers.ofString(java.nio.charset.StandardCharsets.UTF_8));
      JsonNode json = null;
      try {
        json = response.body().isEmpty() ? null : MAPPER.readTree(response.body());
      } catch (Exception notJson) {
        // left null
      }
      return new Response(response.statusCode(), response.body(), json, response);
    } catch (Exception e) {
      throw new AssertionError("request failed: " + request.method() + " " + request.uri() + ": " + e, e);
    }
  }

  /** A body left unread: the stream is cancelled at once and the body is empty. */
  private static final class NotRead implements HttpResponse.BodySubscriber<String> {
    @Override
    public java.util.concurrent.CompletionStage<String> getBody() {
      return java.util.concurrent.CompletableFuture.completedFuture("");
    }

    @Override
    public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
      subscription.cancel();
    }

    @Override
    public void onNext(java.util.List<java.nio.ByteBuffer> item) {}

    @Override
    public void onError(Throwable throwable) {}

    @Override
    public void onComplete() {}
  }

  public HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20));
    if (token != null) builder.header("Authorization", "Bearer " + token);
    return builder;
  }

  public static String json(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
