package io.ncsync.protocol;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.pattern.Patterns;
import akka.stream.Materializer;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.HttpTransport.Call;
import io.ncsync.protocol.nextcloud.NextcloudFeatures;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Nextcloud chunked upload v2 of one file, built on Akka Streams:
 *
 * <pre>
 *   chunk numbers → mapAsyncUnordered(n): PUT chunk k = FileIO slice [offset, offset+len) → throttle → request entity
 *   (meanwhile FileIO → SHA1 for OC-Checksum)
 *   → MOVE .file (Destination, OC-Total-Length, X-OC-MTime, OC-Checksum, If: &lt;dest&gt; (["etag"]) or Overwrite: F)
 * </pre>
 *
 * <p>Memory stays flat whatever the file size: every chunk is streamed from disk in pieces ({@link FileBytes}), at most n chunks at
 * a time; nothing holds a chunk in memory. The whole-file checksum is computed by a second sequential read running
 * alongside (the page cache serves both reads).
 *
 * <p>Guards on the final MOVE: an If-Match on the MOVE would apply to the upload folder, so the ETag guard goes into an
 * {@code If:} header tagged with the destination (as Nextcloud's desktop client sends it); "must not exist" is
 * {@code Overwrite: F} (If-None-Match: * would test the {@code .file} source, which always exists).
 *
 * <p>Outcomes of the MOVE: 201/204 with {@code OC-FileId} and {@code OC-ETag} is success. A 2xx without them, a
 * timeout, a 5xx, and a 404 after a 423 are checked at the destination (size, checksum, ETag changed) before anything
 * is sent again. 423 means "still assembling": wait (from {@link TransferSettings#assemblyRetryDelay()}, doubling) and
 * ask again, within {@link TransferSettings#assemblyTimeout(long)}.
 *
 * <p>Resume: a session given back by the caller is checked against the upload folder (PROPFIND): the unbroken run of
 * correctly sized chunks from 1 is kept, later chunks are deleted, the rest is sent. A vanished upload folder (expired
 * after 24 h) restarts the upload once from scratch. When the server cannot do chunking at all (the upload folder cannot
 * be created, or the first chunk is refused as unsupported) the file goes as one plain PUT.
 */
final class ChunkedUpload {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_RESTARTS = 1;

  private static final String PROPFIND_BODY = """
      <?xml version="1.0" encoding="utf-8"?>
      <d:propfind xmlns:d="DAV:"><d:prop><d:getcontentlength/><d:resourcetype/></d:prop></d:propfind>
      """;

  private final AkkaHttpRemoteStore store;
  private final String path;
  private final Path source;
  private final LocalFile local;
  private final UploadOptions options;
  private final NextcloudFeatures features;
  private final HttpTransport transport;
  private final TransferSettings transfers;
  private final String destination;
  private final String what;
  private final long chunkSize;
  private final Materializer materializer;
  private CompletionStage<String> checksum;
  private int restarts;

  ChunkedUpload(AkkaHttpRemoteStore store, String path, Path source, LocalFile local, UploadOptions options) {
    this.store = store;
    this.path = path;
    this.source = source;
    this.local = local;
    this.options = options;
    this.features = store.features();
    this.transport = store.shared().transport();
    this.transfers = store.settings().transfers();
    this.destination = store.url(path);
    this.what = "chunked upload of " + store.describe(path);
    this.chunkSize = transfers.chunkSizeFor(local.size(), features.maxChunkSize());
    this.materializer = transport.materializer();
  }

  /** Raised inside the upload when the server has lost the upload folder: the upload starts over. */
  private static final class UploadFolderGone extends RuntimeException {
    UploadFolderGone(String message) {
      super(message, null, false, false);
    }
  }

  /** The server cannot do chunked uploads: plain PUT instead. */
  private static final class ChunkingUnavailable extends RuntimeException {
    ChunkingUnavailable(String message) {
      super(message, null, false, false);
    }
  }

  private record Opened(UploadSession session, int chunksPresent) {}

  CompletionStage<UploadResult> run() {
    checksum = Checksums.ofFile(source, features.checksumType(), materializer).toCompletableFuture();
    return attempt(options.resume());
  }

  private CompletionStage<UploadResult> attempt(UploadSession resume) {
    AtomicReference<UploadSession> current = new AtomicReference<>();
    CompletionStage<UploadResult> upload = checkGuard()
        .thenCompose(guardHolds -> open(resume))
        .thenCompose(opened -> {
          current.set(opened.session);
          return sendMissingChunks(opened.session, opened.chunksPresent);
        })
        .thenCompose(session -> {
          try {
            local.requireUnchanged(source);
          } catch (IOException e) {
            throw new CompletionException(e);
          }
          return checksum.thenCompose(sum -> assemble(session, sum, 1, false,
              System.nanoTime() + transfers.assemblyTimeout(local.size()).toNanos(), transfers.assemblyRetryDelay()));
        });
    return upload.handle((result, error) -> {
      if (error == null) return CompletableFuture.completedFuture(result);
      Throwable cause = PlainUpload.localFailure(error);
      UploadSession session = current.get();
      if (cause instanceof ChunkingUnavailable unavailable) {
        store.shared().transport().system().log().info("{}: {}; uploading with one PUT instead", what, unavailable.getMessage());
        return session == null ? plainPut() : deleteFolder(session.transferId()).thenCompose(done -> plainPut());
      }
      if (cause instanceof UploadFolderGone gone) {
        if (restarts++ < MAX_RESTARTS) {
          CompletionStage<Void> cleared = session == null ? done() : deleteFolder(session.transferId());
          return cleared.thenCompose(done -> attempt(null));
        }
        return CompletableFuture.<UploadResult>failedFuture(new DavException(DavError.SERVER_ERROR, 0,
            what + ": the server lost the upload folder twice: " + gone.getMessage()));
      }
      // Chunks stay for a resume unless the upload can never use them: the server refused for good, or the file changed.
      boolean definitive = (cause instanceof DavException dav && !dav.error().retryable())
          || cause instanceof SourceChangedException;
      if (session != null && definitive) {
        // Nothing a later attempt could reuse: the chunks only take the user's space until the server expires them.
        return deleteFolder(session.transferId()).thenCompose(done -> CompletableFuture.<UploadResult>failedFuture(cause));
      }
      return CompletableFuture.<UploadResult>failedFuture(cause);
    }).thenCompose(Function.identity());
  }

  /**
   * Fails with PRECONDITION_FAILED before any byte is sent when the guard cannot hold: the target exists although it
   * must not, or no longer has the ETag to replace. The MOVE carries the guard too (the target may change meanwhile);
   * this only spares sending a large file for nothing, and protects against servers that ignore Overwrite: F.
   */
  private CompletionStage<Void> checkGuard() {
    if (options.ifMatchEtag() == null && !options.mustNotExist()) return done();
    return store.stat(path).handle((entry, error) -> {
      Throwable cause = error == null ? null : AkkaHttpRemoteStore.unwrap(error);
      boolean missing = cause instanceof DavException dav && dav.error() == DavError.NOT_FOUND;
      if (cause != null && !missing) throw new CompletionException(cause);
      if (options.mustNotExist() && !missing) {
        throw new DavException(DavError.PRECONDITION_FAILED, 412, what + ": something exists at the target already");
      }
      if (options.ifMatchEtag() != null && (missing || !ETags.normalize(options.ifMatchEtag()).equals(entry.etag()))) {
        throw new DavException(DavError.PRECONDITION_FAILED, 412, what + ": the target is no longer the version to replace");
      }
      return null;
    });
  }

  private CompletionStage<UploadResult> plainPut() {
    return new PlainUpload(store, path, source, local, options).run();
  }

  // ---- Upload folder -----------------------------------------------------------------------------------------------

  private String folderUrl(String transferId) {
    return features.uploadsRoot().toASCIIString() + UrlPaths.encodeSegment(transferId);
  }

  private CompletionStage<Opened> open(UploadSession resume) {
    if (resume != null && resume.matches(destination, local.size(), local.mtimeSeconds())
        && resume.chunkSize() == chunkSize) {
      return listChunks(resume.transferId()).thenCompose(chunks -> {
        if (chunks == null) return create(); // expired or never made: start over
        return keepUnbrokenRun(resume, chunks);
      });
    }
    if (resume != null) return deleteFolder(resume.transferId()).thenCompose(done -> create());
    return create();
  }

  private CompletionStage<Opened> create() {
    String transferId = "ncsync-" + HexFormat.of().formatHex(randomBytes());
    String url = folderUrl(transferId);
    String mkcol = "MKCOL upload folder for " + store.describe(path);
    AtomicInteger attempts = new AtomicInteger();
    return transport.send(() -> {
          attempts.incrementAndGet();
          return HttpRequest.create(url).withMethod(AkkaHttpRemoteStore.MKCOL).addHeaders(List.of(
              RawHeader.create("Destination", destination),
              RawHeader.create("OC-Total-Length", Long.toString(local.size()))));
        }, Call.idempotent(mkcol, store.requestTimeout()))
        .thenApply(response -> {
          int status = store.discard(response).status().intValue();
          if (status == 201 || (status == 405 && attempts.get() > 1)) {
            UploadSession session = new UploadSession(transferId, destination, local.size(), local.mtimeSeconds(),
                chunkSize, 0, Instant.now());
            options.sessionListener().accept(session);
            return new Opened(session, 0);
          }
          if (status == 400 || status == 403 || status == 404 || status == 405 || status == 501) {
            throw new ChunkingUnavailable(mkcol + " answered " + status);
          }
          throw HttpTransport.failure(mkcol, response);
        });
  }

  /** Chunk number → size of what the upload folder holds; null when the folder does not exist. */
  private CompletionStage<Map<Integer, Long>> listChunks(String transferId) {
    String url = folderUrl(transferId);
    String folderRawPath = URI.create(url).getRawPath();
    String propfind = "PROPFIND upload folder " + transferId;
    return transport.sendStrict(() -> HttpRequest.create(url).withMethod(AkkaHttpRemoteStore.PROPFIND)
                .addHeader(RawHeader.create("Depth", "1"))
                .withEntity(HttpEntities.create(ContentTypes.create(MediaTypes.APPLICATION_XML, HttpCharsets.UTF_8),
                    PROPFIND_BODY.getBytes(StandardCharsets.UTF_8))),
            Call.idempotent(propfind, store.requestTimeout()), store.settings().maxListingBytes())
        .thenApply(response -> {
          if (response.status() == 404) return null;
          if (response.status() != 207) throw AkkaHttpRemoteStore.statusFailure(propfind, response);
          Map<Integer, Long> chunks = new HashMap<>();
          for (MultistatusReader.Response entry : MultistatusReader.read(response.body())) {
            String name = MultistatusReader.childName(entry.href(), folderRawPath);
            if (name.isEmpty() || entry.collection() || !name.chars().allMatch(Character::isDigit) || name.length() > 9) continue;
            String length = entry.get(MultistatusReader.DAV, "getcontentlength");
            chunks.put(Integer.parseInt(name), length == null ? -1 : parseLong(length));
          }
          return chunks;
        });
  }

  /** Keeps chunks 1..k of the expected sizes, deletes every later chunk (their order on the server is unknown). */
  private CompletionStage<Opened> keepUnbrokenRun(UploadSession resume, Map<Integer, Long> chunks) {
    int run = 0;
    while (run < resume.chunkCount() && chunks.getOrDefault(run + 1, -2L) == resume.chunkLength(run + 1)) run++;
    int kept = run;
    List<Integer> strays = chunks.keySet().stream().filter(n -> n > kept || n < 1).sorted().toList();
    CompletionStage<Void> deleted = done();
    for (int stray : strays) deleted = deleted.thenCompose(d -> deleteChunk(resume.transferId(), stray));
    UploadSession session = resume.withChunksDone(kept);
    return deleted.thenApply(d -> {
      options.sessionListener().accept(session);
      return new Opened(session, kept);
    });
  }

  private CompletionStage<Void> deleteChunk(String transferId, int number) {
    String url = folderUrl(transferId) + "/" + chunkName(number);
    String delete = "DELETE stray chunk " + number + " of upload " + transferId;
    return transport.send(() -> HttpRequest.create(url).withMethod(HttpMethods.DELETE), Call.idempotent(delete, store.requestTimeout()))
        .thenApply(response -> {
          int status = store.discard(response).status().intValue();
          if (status >= 200 && status < 300 || status == 404) return null;
          throw HttpTransport.failure(delete, response);
        });
  }

  /** Best effort: a folder that cannot be deleted expires on the server after 24 h. */
  private CompletionStage<Void> deleteFolder(String transferId) {
    String url = folderUrl(transferId);
    return transport.send(() -> HttpRequest.create(url).withMethod(HttpMethods.DELETE),
            Call.idempotent("DELETE upload folder " + transferId, store.requestTimeout()))
        .handle((response, error) -> {
          if (response != null) store.discard(response);
          return null;
        });
  }

  // ---- Chunks ------------------------------------------------------------------------------------------------------

  private CompletionStage<UploadSession> sendMissingChunks(UploadSession session, int present) {
    int count = session.chunkCount();
    int parallelism = transfers.chunkParallelism();
    if (features.maxParallelChunks() > 0) parallelism = Math.min(parallelism, features.maxParallelChunks());
    TreeSet<Integer> finished = new TreeSet<>();
    int[] contiguous = {present};
    return Source.from(IntStream.rangeClosed(present + 1, count).boxed().toList())
        .mapAsyncUnordered(parallelism, number -> putChunk(session, number).thenApply(done -> number))
        .runForeach(number -> {
          finished.add(number);
          while (finished.remove(contiguous[0] + 1)) contiguous[0]++;
          options.sessionListener().accept(session.withChunksDone(contiguous[0]));
        }, materializer)
        .thenApply(done -> session.withChunksDone(count));
  }

  private CompletionStage<Void> putChunk(UploadSession session, int number) {
    long offset = (number - 1) * session.chunkSize();
    long length = session.chunkLength(number);
    String url = folderUrl(session.transferId()) + "/" + chunkName(number);
    String put = "PUT chunk " + number + "/" + session.chunkCount() + " of " + store.describe(path);
    boolean verify = transfers.verifyUploads();
    Duration timeout = store.settings().transferTimeout(length);
    AtomicReference<Checksums.Digest> sent = new AtomicReference<>();
    return transport.send(() -> {
          Checksums.Digest digest = verify ? Checksums.digest("SHA256") : null;
          sent.set(digest);
          List<HttpHeader> headers = new ArrayList<>(List.of(
              RawHeader.create("Destination", destination),
              RawHeader.create("OC-Total-Length", Long.toString(local.size()))));
          if (verify) headers.add(RawHeader.create("X-Hash", "sha256"));
          Source<ByteString, ?> bytes = FileBytes.slice(source, offset, length);
          if (digest != null) bytes = bytes.map(piece -> {
            digest.update(piece);
            return piece;
          });
          bytes = store.throttled(bytes).completionTimeout(timeout).idleTimeout(store.requestTimeout());
          return HttpRequest.create(url).withMethod(HttpMethods.PUT).addHeaders(headers)
              .withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, length, bytes));
        }, Call.idempotent(put, timeout))
        .thenApply(response -> {
          int status = store.discard(response).status().intValue();
          if (status == 201 || status == 204 || status == 200) {
            String answered = AkkaHttpRemoteStore.header(response, "X-Hash-SHA256");
            Checksums.Digest digest = sent.get();
            if (digest != null && answered != null) {
              String ours = digest.result();
              if (!Checksums.equal(ours, "SHA256:" + answered.strip())) {
                throw new DavException(DavError.INTEGRITY, status, put + ": the server received other bytes than were sent");
              }
            }
            return null;
          }
          if (status == 404) throw new UploadFolderGone(put + " answered 404");
          if (number == 1 && (status == 400 || status == 405 || status == 501)) {
            throw new ChunkingUnavailable(put + " answered " + status);
          }
          throw HttpTransport.failure(put, response);
        });
  }

  static String chunkName(int number) {
    return String.format("%05d", number);
  }

  // ---- Assembly ----------------------------------------------------------------------------------------------------

  private CompletionStage<UploadResult> assemble(UploadSession session, String sum, int attempt, boolean saw423,
      long deadlineNanos, Duration nextWait) {
    String url = folderUrl(session.transferId()) + "/.file";
    String move = "MOVE assembling " + store.describe(path);
    Duration timeout = transfers.assemblyTimeout(local.size());
    return transport.send(() -> HttpRequest.create(url).withMethod(AkkaHttpRemoteStore.MOVE).addHeaders(moveHeaders(sum)),
            Call.unsafe(move, timeout))
        .<CompletionStage<UploadResult>>handle((response, error) -> {
          if (error != null) {
            // No answer: the server may have assembled anyway. Look before sending anything again.
            DavException failure = HttpTransport.asDav(move, error);
            return ifLanded(sum, failure, () -> retryMove(session, sum, attempt, saw423, deadlineNanos, nextWait, failure));
          }
          int status = store.discard(response).status().intValue();
          DavException failure = HttpTransport.failure(move, response);
          if (status >= 200 && status <= 299) {
            String fileId = AkkaHttpRemoteStore.header(response, "OC-FileId");
            String etag = AkkaHttpRemoteStore.header(response, "OC-ETag");
            if (fileId != null && etag != null) {
              boolean mtimeAccepted = "accepted".equalsIgnoreCase(AkkaHttpRemoteStore.header(response, "X-OC-MTime"));
              return CompletableFuture.completedFuture(new UploadResult(status == 201, ETags.normalize(etag), fileId, sum,
                  local.size(), mtimeAccepted));
            }
            // Some servers answer 200 with an error in the body: only the destination tells.
            DavException unconfirmed = new DavException(DavError.SERVER_ERROR, status,
                move + ": answered " + status + " without OC-FileId/OC-ETag, and the destination does not hold the file");
            return ifLanded(sum, unconfirmed, () -> CompletableFuture.<UploadResult>failedFuture(unconfirmed));
          }
          if (status == 423) {
            if (System.nanoTime() + nextWait.toNanos() > deadlineNanos) {
              return ifLanded(sum, failure, () -> CompletableFuture.<UploadResult>failedFuture(failure));
            }
            Duration doubled = nextWait.multipliedBy(2);
            Duration following = doubled.compareTo(transfers.assemblyRetryMaxDelay()) > 0 ? transfers.assemblyRetryMaxDelay() : doubled;
            return later(nextWait, () -> assemble(session, sum, attempt, true, deadlineNanos, following));
          }
          if (status == 404) {
            if (saw423 || attempt > 1) {
              // Usually "finished meanwhile": the upload folder is gone because the file landed.
              return ifLanded(sum, failure,
                  () -> CompletableFuture.<UploadResult>failedFuture(new UploadFolderGone(move + " answered 404")));
            }
            return CompletableFuture.failedFuture(new UploadFolderGone(move + " answered 404"));
          }
          if (status == 400) {
            // "Chunks on server do not sum up": the folder's content is unusable; start over once.
            return CompletableFuture.failedFuture(new UploadFolderGone(move + " answered 400"));
          }
          if (status >= 500 && status != 507) {
            return ifLanded(sum, failure, () -> retryMove(session, sum, attempt, saw423, deadlineNanos, nextWait, failure));
          }
          return CompletableFuture.failedFuture(failure);
        })
        .thenCompose(Function.identity());
  }

  private CompletionStage<UploadResult> retryMove(UploadSession session, String sum, int attempt, boolean saw423,
      long deadlineNanos, Duration nextWait, DavException failure) {
    if (attempt >= transport.settings().maxAttempts()) return CompletableFuture.failedFuture(failure);
    return later(transport.backoff(attempt), () -> assemble(session, sum, attempt + 1, saw423, deadlineNanos, nextWait));
  }

  private List<HttpHeader> moveHeaders(String sum) {
    List<HttpHeader> headers = new ArrayList<>();
    headers.add(RawHeader.create("Destination", destination));
    headers.add(RawHeader.create("OC-Total-Length", Long.toString(local.size())));
    if (local.mtimeSendable()) headers.add(RawHeader.create("X-OC-MTime", Long.toString(local.mtimeSeconds())));
    if (sum != null) headers.add(RawHeader.create("OC-Checksum", sum));
    if (options.ifMatchEtag() != null) {
      headers.add(RawHeader.create("If",
          "<" + URI.create(destination).getRawPath() + "> ([" + ETags.quote(options.ifMatchEtag()) + "])"));
    }
    if (options.mustNotExist()) headers.add(RawHeader.create("Overwrite", "F"));
    return headers;
  }

  /**
   * Looks at the destination: when it holds a file of our size, with our checksum if it lists one, and (for a guarded
   * replacement) no longer the old ETag, the upload landed; otherwise {@code otherwise} decides.
   */
  private CompletionStage<UploadResult> ifLanded(String sum, DavException original,
      java.util.function.Supplier<CompletionStage<UploadResult>> otherwise) {
    return store.stat(path).<CompletionStage<UploadResult>>handle((entry, error) -> {
      if (error == null) {
        boolean replacedOld = options.ifMatchEtag() == null || !ETags.normalize(options.ifMatchEtag()).equals(entry.etag());
        if (replacedOld && ContentIdentity.holds(entry, local.size(), sum)) {
          return CompletableFuture.completedFuture(
              new UploadResult(options.ifMatchEtag() == null, entry.etag(), entry.fileId(), sum, local.size(), false));
        }
        return otherwise.get();
      }
      Throwable cause = AkkaHttpRemoteStore.unwrap(error);
      if (cause instanceof DavException dav && dav.error() == DavError.NOT_FOUND) return otherwise.get();
      return CompletableFuture.<UploadResult>failedFuture(original);
    }).thenCompose(Function.identity());
  }

  // ---- Helpers -----------------------------------------------------------------------------------------------------

  private <T> CompletionStage<T> later(Duration delay, java.util.concurrent.Callable<CompletionStage<T>> next) {
    return Patterns.after(delay, transport.system().scheduler(), transport.system().dispatcher(), next);
  }

  private static CompletionStage<Void> done() {
    return CompletableFuture.completedFuture(null);
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private static long parseLong(String value) {
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
