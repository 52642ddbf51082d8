package io.ncsync.protocol;

import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.headers.RawHeader;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.HttpTransport.Call;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The size of a file as the server lists it, for a download whose caller has no listing: a download always stops at a
 * listed size, never at one the server announces with the body.
 */
final class ListedSize {
  private static final long MAX_BODY_BYTES = 1L << 20;

  private ListedSize() {}

  /** A Depth 0 PROPFIND of {@code url}; fails when it names a folder or gives no size. */
  static CompletionStage<Long> ask(AkkaHttpRemoteStore store, String url, String described) {
    String what = "PROPFIND " + described;
    return store.transport().sendStrict(() -> HttpRequest.create(url).withMethod(AkkaHttpRemoteStore.PROPFIND)
                .addHeader(RawHeader.create("Depth", "0")).withEntity(AkkaHttpRemoteStore.PROPFIND_ENTITY),
            Call.idempotent(what, store.requestTimeout()), MAX_BODY_BYTES)
        .thenApply(response -> {
          if (response.status() != 207) throw HttpTransport.failure(what, response);
          List<MultistatusReader.Response> responses = MultistatusReader.read(response.body());
          if (responses.size() != 1) {
            throw new DavException(DavError.MALFORMED_RESPONSE, 207, what + ": " + responses.size()
                + " responses to a Depth 0 request");
          }
          MultistatusReader.Response self = responses.get(0);
          if (self.collection()) throw new DavException(DavError.CONFLICT, 207, what + ": a folder, not a file");
          String length = self.get(MultistatusReader.DAV, "getcontentlength");
          if (length == null) length = self.get(MultistatusReader.OC, "size");
          try {
            long size = length == null ? -1 : Long.parseLong(length.strip());
            if (size >= 0) return size;
          } catch (NumberFormatException e) {
            // said below
          }
          throw new DavException(DavError.MALFORMED_RESPONSE, 207, what + ": the server gives no size for the file ("
              + (length == null ? "no getcontentlength" : "getcontentlength " + RemotePaths.printable(length))
              + "), and a download must know where it ends");
        });
  }
}
