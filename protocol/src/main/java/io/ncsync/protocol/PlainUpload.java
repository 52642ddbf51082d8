package io.ncsync.protocol;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.RequestEntity;
import akka.http.javadsl.model.headers.RawHeader;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.HttpTransport.Call;
import io.ncsync.protocol.nextcloud.NextcloudFeatures;
import akka.dispatch.Dispatchers;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * One whole-file PUT, streamed from disk through the bandwidth limiters and hashed (SHA-256) on its way out, so the
 * result tells what was sent without a second read. On Nextcloud it carries {@code OC-Checksum} (computed by a read
 * before the PUT: a header goes before the body, and a PUT without it would clear the stored checksum; files this
 * small are below the chunking threshold) and {@code X-Hash: sha256}; the server's {@code X-Hash-SHA256} must then
 * match what was sent (INTEGRITY otherwise). Repeated by the transport after a lost answer like any idempotent request;
 * when such a repeat meets 412, the target is checked: if it holds our content, an earlier attempt landed and the
 * upload succeeded.
 */
final class PlainUpload {
  private final AkkaHttpRemoteStore store;
  private final String path;
  private final Path source;
  private final LocalFile local;
  private final UploadOptions options;
  private final NextcloudFeatures features;
  private final String what;
  /** The write lock this PUT goes under ({@link LockedUpload}), or null. */
  private final String lockToken;

  PlainUpload(AkkaHttpRemoteStore store, String path, Path source, LocalFile local, UploadOptions options,
      String lockToken) {
    this.lockToken = lockToken;
    this.store = store;
    this.path = path;
    this.source = source;
    this.local = local;
    this.options = options;
    this.features = store.features();
    this.what = "PUT " + store.describe(path);
  }

  /**
   * Files up to this size go as one body held in memory: read once (the hashes and {@code OC-Checksum} come from the
   * same bytes), and no stream per request, which is what bounds many small PUTs (about 1,200 a second streamed
   * against 2,000 held, on two cores). Memory stays bounded: at most this much per request in flight.
   */
  static final int IN_MEMORY_BODY_MAX = 256 * 1024;

  CompletionStage<UploadResult> run() {
    if (local.size() > 0 && local.size() <= IN_MEMORY_BODY_MAX) return readWhole().thenCompose(this::putHeld);
    CompletionStage<String> checksum = features.nextcloud()
        ? Checksums.ofFile(source, features.checksumType(), store.shared().transport().materializer())
        : CompletableFuture.completedFuture(null);
    return checksum
        .exceptionally(error -> {
          throw new CompletionException(localFailure(error));
        })
        .thenCompose(this::put);
  }

  /** The whole file, read on the blocking-I/O dispatcher; it must still have the size the upload was planned with. */
  private CompletionStage<ByteString> readWhole() {
    Executor blocking = store.shared().transport().system().dispatchers().lookup(Dispatchers.DefaultBlockingDispatcherId());
    return CompletableFuture.supplyAsync(() -> {
      try {
        byte[] bytes = Files.readAllBytes(source);
        if (bytes.length != local.size()) {
          throw new SourceChangedException(source + " changed while being uploaded: " + bytes.length
              + " bytes now, " + local.size() + " when the upload began");
        }
        return ByteString.fromArrayUnsafe(bytes);
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    }, blocking);
  }

  /** Every attempt sends the same bytes, so what was sent is hashed once. */
  private CompletionStage<UploadResult> putHeld(ByteString body) {
    SentContent sent = features.nextcloud() ? SentContent.withChecksum(features.checksumType()) : new SentContent();
    sent.update(body);
    return put(sent.checksum(), () -> sent, timeout -> store.throttlesTransfers()
        ? HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, body.size(), store.throttled(Source.single(body)))
        : HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, body));
  }

  private CompletionStage<UploadResult> put(String checksum) {
    return put(checksum, SentContent::new, timeout -> null);
  }

  /**
   * @param attempt what one attempt sends: a fresh {@link SentContent} to stream into, or the one of a held body
   * @param held    the entity of a held body for an attempt's timeout, or null to stream the file
   */
  private CompletionStage<UploadResult> put(String checksum, java.util.function.Supplier<SentContent> attempt,
      java.util.function.Function<Duration, RequestEntity> held) {
    HttpTransport transport = store.shared().transport();
    boolean verify = features.nextcloud() && store.settings().transfers().verifyUploads();
    Duration timeout = store.settings().transferTimeout(local.size());
    String url = store.url(path);
    List<SentContent> attempts = new CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean expected = new java.util.concurrent.atomic.AtomicBoolean();
    return transport.send(() -> {
          SentContent sent = attempt.get();
          attempts.add(sent);
          if (attempts.size() == 2 && expected.get()) store.shared().writes().expectContinueFailed();
          RequestEntity heldEntity = held.apply(timeout);
          List<HttpHeader> headers = new ArrayList<>();
          if (options.ifMatchEtag() != null) headers.add(RawHeader.create("If-Match", ETags.quote(options.ifMatchEtag())));
          if (options.mustNotExist()) headers.add(RawHeader.create("If-None-Match", "*"));
          // A guard the server may refuse: it looks at the headers first, so a 412 costs no body (as curl does above
          // 1 MiB). The first attempt only: a repeat after no answer sends its body at once.
          boolean expect = attempts.size() == 1 && (options.ifMatchEtag() != null || options.mustNotExist())
              && local.size() > EXPECT_CONTINUE_ABOVE && store.shared().writes().honoursExpectContinue();
          if (expect) {
            headers.add(EXPECT_CONTINUE);
            expected.set(true);
          }
          if (lockToken != null) headers.add(RawHeader.create("If", "(<" + lockToken + ">)"));
          if (local.mtimeSendable()) headers.add(RawHeader.create("X-OC-MTime", Long.toString(local.mtimeSeconds())));
          if (checksum != null) headers.add(RawHeader.create("OC-Checksum", checksum));
          if (verify) headers.add(RawHeader.create("X-Hash", "sha256"));
          return HttpRequest.create(url).withMethod(HttpMethods.PUT).addHeaders(headers)
              .withEntity(heldEntity != null ? heldEntity : entity(sent, timeout));
        }, Call.idempotent(what, timeout))
        .handle((response, error) -> {
          if (error != null) throw new CompletionException(localFailure(error));
          return response;
        })
        .thenCompose(response -> {
          int status = store.discard(response).status().intValue();
          SentContent last = attempts.get(attempts.size() - 1);
          if (status >= 200 && status <= 299) {
            verifyHash(response, last);
            if (!features.nextcloud()) store.shared().writes().putAnswered(AkkaHttpRemoteStore.etagOf(response) != null);
            return CompletableFuture.completedFuture(resultOf(response, status, checksum, last));
          }
          DavException failure = HttpTransport.failure(what, response);
          if (status == 412 && attempts.size() > 1) return confirmEarlierAttempt(checksum, attempts, failure);
          return CompletableFuture.failedFuture(failure);
        });
  }

  /** A guarded PUT of a body larger than this waits for the server's 100 Continue before sending it. */
  static final long EXPECT_CONTINUE_ABOVE = 1L << 20;

  /** Parsed, not raw: only the modelled header makes akka-http hold the body back until 100 Continue. */
  private static final HttpHeader EXPECT_CONTINUE = HttpHeader.parse("Expect", "100-continue");



  private RequestEntity entity(SentContent sent, Duration timeout) {
    if (local.size() == 0) return HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, new byte[0]);
    Source<ByteString, ?> bytes = store.throttled(FileBytes.of(source, sent::update))
        .completionTimeout(timeout)
        .idleTimeout(store.requestTimeout());
    return HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, local.size(), bytes);
  }

  private UploadResult resultOf(HttpResponse response, int status, String checksum, SentContent sent) {
    boolean mtimeAccepted = "accepted".equalsIgnoreCase(AkkaHttpRemoteStore.header(response, "X-OC-MTime"));
    if (store.features().nextcloud() && local.mtimeSendable() && !mtimeAccepted) store.mtimeNotAccepted(path);
    return new UploadResult(status == 201, AkkaHttpRemoteStore.etagOf(response),
        AkkaHttpRemoteStore.header(response, "OC-FileId"), checksum, local.size(), mtimeAccepted, sent.sha256());
  }

  /** The server hashed what it received; anything but our hash means the bytes were damaged on the way. */
  private void verifyHash(HttpResponse response, SentContent sent) {
    String answered = AkkaHttpRemoteStore.header(response, "X-Hash-SHA256");
    if (answered == null) return;
    String ours = sent.sha256();
    if (!ours.equalsIgnoreCase(answered.strip())) {
      throw new DavException(DavError.INTEGRITY, response.status().intValue(),
          what + ": the server received other bytes than were sent (SHA-256 " + answered.strip() + ", sent " + ours + ")");
    }
  }

  /**
   * A repeated PUT met 412: if the target holds our content, the lost earlier attempt landed. What it sent is the first
   * attempt that streamed the whole body (a later one may have been refused before its body was read).
   */
  private CompletionStage<UploadResult> confirmEarlierAttempt(String checksum, List<SentContent> attempts,
      DavException failure) {
    String sha256 = attempts.stream().filter(a -> a.complete(local.size())).findFirst().map(SentContent::sha256).orElse(null);
    return store.stat(path).handle((entry, error) -> {
      if (error == null && ContentIdentity.holds(entry, local.size(), checksum)
          && (options.ifMatchEtag() == null || !options.ifMatchEtag().equals(entry.etag()))) {
        return new UploadResult(options.ifMatchEtag() == null, entry.etag(), entry.fileId(), checksum, local.size(), false,
            sha256);
      }
      throw failure;
    });
  }

  /** A local read failure (the file vanished or is unreadable) surfaces as the IOException, not as a network error. */
  static Throwable localFailure(Throwable error) {
    Throwable cause = AkkaHttpRemoteStore.unwrap(error);
    // Network failures are IOExceptions too ("connection reset by peer"): only file-system ones count as local.
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof FileSystemException io) return io;
    }
    return cause;
  }
}
