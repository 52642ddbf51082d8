package io.ncsync.protocol.nextcloud;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.RequestEntityAcceptances;
import akka.http.javadsl.model.headers.RawHeader;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.MultistatusReader;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.HttpTransport.Call;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** The few raw WebDAV calls the Nextcloud side APIs (versions, trash bin, upload folders) need. */
final class DavCalls {
  private DavCalls() {}

  static final HttpMethod PROPFIND = HttpMethods.custom("PROPFIND", true, true, RequestEntityAcceptances.Expected);
  static final HttpMethod MOVE = HttpMethods.custom("MOVE", false, false, RequestEntityAcceptances.Tolerated);
  static final long MAX_LISTING_BYTES = 64L << 20;

  /** PROPFIND with the given {@code <d:prop>} content; 404 → null. */
  static CompletionStage<List<MultistatusReader.Response>> propfind(
      HttpTransport transport, String url, String depth, String props, String what, Duration timeout) {
    String body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><d:propfind xmlns:d=\"DAV:\" xmlns:oc=\"http://owncloud.org/ns\""
        + " xmlns:nc=\"http://nextcloud.org/ns\"><d:prop>" + props + "</d:prop></d:propfind>";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return transport.sendStrict(() -> HttpRequest.create(url).withMethod(PROPFIND)
                .addHeader(RawHeader.create("Depth", depth))
                .withEntity(HttpEntities.create(ContentTypes.create(MediaTypes.APPLICATION_XML, HttpCharsets.UTF_8), bytes)),
            Call.idempotent(what, timeout), MAX_LISTING_BYTES)
        .thenApply(response -> {
          if (response.status() == 404) return null;
          if (response.status() != 207) {
            throw HttpTransport.failure(what, response);
          }
          return MultistatusReader.read(response.body());
        });
  }

  /** MOVE, never repeated after an unclear outcome. */
  static CompletionStage<Void> move(HttpTransport transport, String from, String to, String what, Duration timeout) {
    return expect(transport, () -> HttpRequest.create(from).withMethod(MOVE)
        .addHeader(RawHeader.create("Destination", to)), Call.unsafe(what, timeout), 201, 204);
  }

  /** DELETE; 404 counts as done when {@code missingIsDone}. */
  static CompletionStage<Void> delete(HttpTransport transport, String url, String what, Duration timeout, boolean missingIsDone) {
    return missingIsDone
        ? expect(transport, () -> HttpRequest.create(url).withMethod(HttpMethods.DELETE), Call.idempotent(what, timeout), 200, 204, 404)
        : expect(transport, () -> HttpRequest.create(url).withMethod(HttpMethods.DELETE), Call.idempotent(what, timeout), 200, 204);
  }

  private static CompletionStage<Void> expect(
      HttpTransport transport, java.util.function.Supplier<HttpRequest> request, Call call, int... ok) {
    return transport.send(request, call).thenApply(response -> {
      int status = transport.discard(response).status().intValue();
      for (int code : ok) if (code == status) return null;
      throw HttpTransport.failure(call.what(), response);
    });
  }
}
