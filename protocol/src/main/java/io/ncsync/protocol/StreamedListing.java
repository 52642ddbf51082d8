package io.ncsync.protocol;

import akka.http.javadsl.model.HttpResponse;
import akka.japi.pf.PFBuilder;
import akka.stream.javadsl.Source;
import akka.stream.javadsl.StreamConverters;
import akka.util.ByteString;
import io.ncsync.protocol.http.ByteLimit;
import io.ncsync.protocol.http.HttpTransport;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A PROPFIND answer parsed while it arrives: the body is never held whole, and it is cut off as soon as it passes
 * {@link AkkaHttpRemoteStore.Settings#maxListingBytes()}. That limit alone decides: akka-http's entity limits are lifted
 * (its {@code toStrict} would stop at 8 MiB, about 8,000 entries of a Nextcloud folder).
 */
final class StreamedListing {
  private static final String BLOCKING_DISPATCHER = "akka.actor.default-blocking-io-dispatcher";

  private StreamedListing() {}

  /**
   * Parses a 207 answer of {@code what} (a PROPFIND of {@code requestedPath} below {@code rootRawPath}); fails with
   * MALFORMED_RESPONSE naming the folder and the limit when the body is larger, TRANSPORT when it stalls or breaks.
   */
  static CompletionStage<Listing> parse(AkkaHttpRemoteStore store, HttpResponse response, String what,
      String rootRawPath, String requestedPath) {
    AkkaHttpRemoteStore.Settings settings = store.settings();
    long limit = settings.maxListingBytes();
    Duration idle = settings.requestTimeout();
    // What broke the stream, when something did: the parser only sees an IOException and would call it bad XML.
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Source<ByteString, ?> bytes = ByteLimit.apply(response.entity().withoutSizeLimit().getDataBytes(), limit,
            received -> tooLarge(what, limit))
        .completionTimeout(settings.transferTimeout(limit))
        .idleTimeout(idle)
        .mapError(new PFBuilder<Throwable, Throwable>().matchAny(e -> {
          failure.compareAndSet(null, e);
          return e;
        }).build());
    HttpTransport transport = store.transport();
    // The idle timeout above fires first; this one only keeps a reader from waiting forever.
    InputStream body = bytes.runWith(StreamConverters.asInputStream(idle.plusSeconds(5)), transport.materializer());
    Executor blocking = transport.system().dispatchers().lookup(BLOCKING_DISPATCHER);
    return CompletableFuture.supplyAsync(() -> {
      BodyStart start = new BodyStart(body);
      try (InputStream in = start) {
        try {
          return MultistatusParser.parse(in, rootRawPath, requestedPath);
        } finally {
          drain(in);
        }
      } catch (IOException | RuntimeException e) {
        Throwable broke = failure.get();
        if (broke != null) throw HttpTransport.asDav(what, broke);
        if (e instanceof DavException dav) {
          // What a proxy or a broken server sent instead of XML is the first thing an operator needs to see.
          String shown = dav.error() == DavError.MALFORMED_RESPONSE ? "; the body began with " + start.printable() : "";
          throw new DavException(dav.error(), dav.status(), what + ": " + dav.getMessage() + shown, dav);
        }
        throw HttpTransport.asDav(what, e);
      }
    }, blocking);
  }

  /**
   * Reads what the parser left (the newline after the root element, or the rest of a body it gave up on) so the entity
   * ends on its own. Closing it early would cancel it, and akka-http's pool may then hand the next request to the
   * connection that cancellation is closing: that request fails with this one's error, or reads its leftover bytes. The
   * body is bounded by the listing limit and the idle timeout, so this ends.
   */
  private static void drain(InputStream in) {
    try {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    } catch (IOException | RuntimeException broken) {
      // the stream failed (limit, timeout, reset): it is closed anyway, and the caller reports why
    }
  }

  /** Keeps the first bytes read through it, to show in an error. */
  private static final class BodyStart extends java.io.FilterInputStream {
    private static final int KEPT = 96;
    private final byte[] kept = new byte[KEPT];
    private int keptCount;

    BodyStart(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0 && keptCount < KEPT) kept[keptCount++] = (byte) b;
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0 && keptCount < KEPT) {
        int copied = Math.min(n, KEPT - keptCount);
        System.arraycopy(buffer, offset, kept, keptCount, copied);
        keptCount += copied;
      }
      return n;
    }

    /** The kept bytes as text with control characters escaped, e.g. {@code "<html>\n<he"}, or "nothing". */
    String printable() {
      if (keptCount == 0) return "nothing";
      StringBuilder out = new StringBuilder("\"");
      for (char c : new String(kept, 0, keptCount, java.nio.charset.StandardCharsets.ISO_8859_1).toCharArray()) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') out.append(c);
        else out.append(String.format("\\x%02x", (int) c));
      }
      return out.append(keptCount == KEPT ? "...\"" : "\"").toString();
    }
  }

  private static DavException tooLarge(String what, long limit) {
    return new DavException(DavError.MALFORMED_RESPONSE, 207, what + ": the listing is larger than " + limit
        + " bytes, the configured limit for one folder's listing (ncsync.remote.max-listing-size); raise it to sync a"
        + " folder this large");
  }
}
