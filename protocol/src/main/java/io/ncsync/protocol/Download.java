package io.ncsync.protocol;

import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.scaladsl.model.EntityStreamException;
import akka.japi.pf.PFBuilder;
import akka.pattern.Patterns;
import akka.stream.IOResult;
import akka.stream.javadsl.FileIO;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.ncsync.protocol.http.ByteLimit;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.HttpTransport.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * One GET streamed into a file, resumed after a broken connection: the bytes already written stay, and the next attempt
 * asks for the rest with {@code Range: bytes=N-} and {@code If-Range: "etag"} (so a file that changed meanwhile comes
 * whole, with 200, and the partial bytes are dropped). Without an ETag there is no safe resume: the download starts
 * over. The checksum is computed while streaming; after a resume it is computed over the finished file.
 *
 * <p>The file's size is the listed one ({@link DownloadOptions#expectedSize()}, asked for with a Depth 0 PROPFIND when
 * the caller has none), never what the server announces with the body: a Content-Length other than the bytes still
 * missing fails at once, before a byte is written; a body that goes past them fails on the piece that would, before it
 * is written; a body that ends short is resumed like a broken connection, then fails. These failures are INTEGRITY
 * (retryable: the file may have changed since it was listed, and the next sync lists it again) and remove the partial
 * file. The deadline of an attempt comes from the bytes it must move.
 */
final class Download {
  private static final Set<OpenOption> FRESH =
      Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
  private static final Set<OpenOption> APPEND =
      Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.APPEND);

  private final AkkaHttpRemoteStore store;
  private final HttpTransport transport;
  private final String url;
  /** The resource for messages: "'path' at root" or its URL. */
  private final String described;
  private final String what;
  private final Path target;
  private final DownloadOptions options;
  private final int maxAttempts;
  /** Whether this download has written to the target (so a final failure must remove it). */
  private volatile boolean touchedTarget;

  /** The file's size as listed; set once before the first attempt. */
  private volatile long listedSize = DownloadOptions.UNKNOWN_SIZE;

  Download(AkkaHttpRemoteStore store, String url, String described, Path target, DownloadOptions options) {
    this.store = store;
    this.transport = store.shared().transport();
    this.url = url;
    this.described = described;
    this.what = "GET " + described;
    this.target = target;
    this.options = options;
    this.maxAttempts = store.settings().transfers().downloadAttempts();
  }

  /** A failure of the network side while streaming, as opposed to a failure to write the local file. */
  /** Set when the attempts ran out on broken connections or short bodies (not on a failed check). */
  private volatile boolean brokenOff;

  private static final class NetworkFailure extends RuntimeException {
    final DavException dav;

    NetworkFailure(DavException dav) {
      super(dav.getMessage(), dav, false, false);
      this.dav = dav;
    }
  }

  CompletionStage<DownloadResult> run() {
    CompletionStage<Long> size = options.sizeKnown()
        ? CompletableFuture.completedFuture(options.expectedSize())
        : ListedSize.ask(store, url, described);
    return size.thenCompose(this::start)
        .whenComplete((result, error) -> {
          // Never leave a truncated file that looks like content; a caller continuing partial downloads keeps the bytes
          // a broken connection left (they are of the expected version), never those of a failed check.
          if (error != null && touchedTarget && !(options.resumePartial() && (brokenOff || stopped(error)))) {
            deleteQuietly(target);
          }
        });
  }

  /** The download was cut by its own side going away (a stop), not by anything wrong with the bytes. */
  private static boolean stopped(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.CancellationException || t instanceof akka.stream.AbruptStageTerminationException
          || t instanceof akka.stream.AbruptTerminationException) {
        return true;
      }
    }
    return false;
  }

  private CompletionStage<DownloadResult> start(long size) {
    listedSize = size;
    long offset = 0;
    if (options.resumePartial() && options.expectedEtag() != null) offset = sizeOf(target);
    // More than the whole file cannot be a part of it.
    if (offset > size) offset = 0;
    return attempt(1, offset, options.expectedEtag(), offset > 0);
  }

  private CompletionStage<DownloadResult> attempt(int attempt, long offset, String etag, boolean resumed) {
    boolean ranged = offset > 0 && etag != null;
    return transport.send(() -> {
          HttpRequest request = HttpRequest.create(url).withMethod(HttpMethods.GET);
          if (ranged) {
            request = request.addHeader(RawHeader.create("Range", "bytes=" + offset + "-"))
                .addHeader(RawHeader.create("If-Range", ETags.quote(etag)));
          }
          return request;
        }, Call.idempotent(what, store.requestTimeout()))
        .thenCompose(response -> {
          int status = response.status().intValue();
          if (status == 200) return stream(attempt, response, false, 0, resumed);
          if (status == 206 && ranged && rangeStart(response) == offset) {
            return stream(attempt, response, true, offset, true);
          }
          store.discard(response);
          if (status == 206 || status == 416) {
            // A range we did not ask for, or the file shrank: start over.
            return next(attempt, 0, null, HttpTransport.failure(what, response));
          }
          throw HttpTransport.failure(what, response);
        });
  }

  private CompletionStage<DownloadResult> stream(
      int attempt, HttpResponse response, boolean append, long offset, boolean resumed) {
    HttpEntity entity = response.entity().withoutSizeLimit();
    long start = append ? offset : 0;
    long missing = listedSize - start;
    OptionalLong announced = entity.getContentLengthOption();
    touchedTarget = true;
    if (announced.isPresent() && announced.getAsLong() != missing) {
      // Cancelled, not discarded: discarding would read all of what may be an endless body.
      entity.getDataBytes().runWith(Sink.cancelled(), transport.materializer());
      return CompletableFuture.failedFuture(new DavException(DavError.INTEGRITY, response.status().intValue(),
          what + ": the server announced " + announced.getAsLong() + " bytes (Content-Length) for a file listed with "
              + listedSize + (start > 0 ? ", of which " + start + " were here already" : "")
              + "; stopped before writing any, the partial file removed (if the file changed since it was listed, the"
              + " next sync lists and takes it again)"));
    }
    String servedEtag = AkkaHttpRemoteStore.etagOf(response);
    String checksum = checksumToVerify(response, servedEtag);
    boolean streamDigest = checksum != null && !append && !resumed;
    Checksums.Digest digest = streamDigest ? Checksums.digest(Checksums.type(checksum)) : null;
    Source<ByteString, ?> network = store.throttled(entity.getDataBytes())
        .completionTimeout(store.settings().transferTimeout(missing))
        .idleTimeout(store.requestTimeout())
        // Marks failures that came from the network, so they are not mistaken for local write errors below.
        .mapError(new PFBuilder<Throwable, Throwable>().matchAny(e -> new NetworkFailure(networkFailure(e))).build());
    // After the marking: going past the listed size is no broken connection to resume, it fails the download.
    Source<ByteString, ?> bytes = ByteLimit.apply(network, missing, received -> new DavException(DavError.INTEGRITY,
        response.status().intValue(), what + ": the server sent more than the " + listedSize + " bytes listed (" + (start + received)
            + " by now); stopped before writing past them, the partial file removed"));
    if (digest != null) bytes = bytes.map(piece -> {
      digest.update(piece);
      return piece;
    });
    return bytes.runWith(FileIO.toPath(target, append ? APPEND : FRESH), transport.materializer())
        .handle((IOResult written, Throwable error) -> {
          if (error != null) {
            NetworkFailure networkFailure = networkCause(error);
            if (networkFailure != null) return next(attempt, sizeOf(target), servedEtag, networkFailure.dav);
            DavException integrity = integrityCause(error);
            if (integrity != null) throw integrity;
            throw new CompletionException(localFailure(error));
          }
          long total = start + written.getCount();
          if (total < listedSize) {
            // The body ended early without the connection failing (no Content-Length, or a chunked body cut short).
            DavException short_ = new DavException(DavError.INTEGRITY, response.status().intValue(),
                what + ": the server sent " + total + " bytes of a file listed with " + listedSize);
            return next(attempt, sizeOf(target), servedEtag, short_);
          }
          return verify(total, servedEtag, checksum, digest);
        })
        .thenCompose(Function.identity());
  }

  /** Another attempt from {@code offset} (with If-Range on {@code etag}), or the failure when attempts are used up. */
  private CompletionStage<DownloadResult> next(int attempt, long offset, String etag, DavException failure) {
    if (attempt >= maxAttempts) {
      brokenOff = true; // what is in the file is a true beginning of the version: a later download may continue it
      return CompletableFuture.failedFuture(failure);
    }
    boolean resume = offset > 0 && etag != null;
    return Patterns.after(transport.backoff(attempt), transport.system().scheduler(), transport.system().dispatcher(),
        () -> attempt(attempt + 1, resume ? offset : 0, etag, resume));
  }

  private CompletionStage<DownloadResult> verify(long total, String etag, String checksum, Checksums.Digest digest) {
    if (checksum == null) return CompletableFuture.completedFuture(new DownloadResult(total, etag, null));
    CompletionStage<String> actual = digest != null
        ? CompletableFuture.completedFuture(digest.result())
        : Checksums.ofFile(target, Checksums.type(checksum), transport.materializer());
    return actual.thenApply(sum -> {
      if (!Checksums.equal(sum, checksum)) {
        throw new DavException(DavError.INTEGRITY, 200,
            what + ": content does not match its checksum (expected " + checksum + ", got " + sum + ")");
      }
      return new DownloadResult(total, etag, checksum);
    });
  }

  /**
   * The expected checksum when it belongs to the version served (same ETag, or none named), else the server's own
   * {@code OC-Checksum} header; null when neither is usable.
   */
  private String checksumToVerify(HttpResponse response, String servedEtag) {
    String expected = Checksums.firstSupported(options.expectedChecksum());
    boolean sameVersion = options.expectedEtag() == null || servedEtag == null
        || ETags.normalize(options.expectedEtag()).equals(servedEtag);
    if (expected != null && sameVersion) return expected;
    return Checksums.firstSupported(AkkaHttpRemoteStore.header(response, "OC-Checksum"));
  }

  private static long rangeStart(HttpResponse response) {
    String range = AkkaHttpRemoteStore.header(response, "Content-Range");
    if (range == null) return -1;
    String value = range.strip();
    if (!value.startsWith("bytes ")) return -1;
    int dash = value.indexOf('-');
    try {
      return dash < 0 ? -1 : Long.parseLong(value.substring(6, dash).strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private DavException networkFailure(Throwable error) {
    Throwable cause = AkkaHttpRemoteStore.unwrap(error);
    if (cause instanceof EntityStreamException) {
      return new DavException(DavError.INTEGRITY, 200, what + ": body shorter than Content-Length: " + cause.getMessage(), cause);
    }
    return HttpTransport.asDav(what, cause);
  }

  private static DavException integrityCause(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof DavException dav) return dav;
    }
    return null;
  }

  private static NetworkFailure networkCause(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof NetworkFailure network) return network;
    }
    return null;
  }

  /** The local file-system failure itself. */
  private Throwable localFailure(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof IOException io && !(t instanceof akka.stream.IOOperationIncompleteException)) return io;
    }
    return new IOException(what + ": cannot write " + target + ": " + error, error);
  }

  private static long sizeOf(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // the caller's next attempt truncates it anyway
    }
  }
}
