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
import akka.Done;
import akka.japi.Pair;
import akka.pattern.Patterns;
import akka.stream.KillSwitches;
import akka.stream.Materializer;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
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
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Nextcloud chunked upload v2 of one file, built on Akka Streams:
 *
 * <pre>
 *   PUT chunk n = file slice → checksummed → throttle → request entity, up to {@link TransferSettings#chunkParallelism}
 *       chunks in flight, each planned when a slot frees and sized from how long the last one took
 *   ∥ the whole file read once in order: SHA-256, the server's checksum type, block CRC32Cs
 *   → MOVE .file (Destination, OC-Total-Length, X-OC-MTime, OC-Checksum, If: &lt;dest&gt; (["etag"]) or Overwrite: F)
 * </pre>
 *
 * <p>Chunks go in parallel, at most {@link TransferSettings#chunkParallelismFor} at once (the server's published
 * {@code max_parallel_count} bounds it): while one chunk's answer is on its way, or the server writes it, the next one
 * streams. Their bytes cannot feed one whole-file hash in order, so the file is read once more beside them, in order, for
 * the MOVE's {@code OC-Checksum} and the SHA-256 the result reports. That read and every chunk also take a CRC32C of
 * each block (1 MiB, or the first chunk's size when smaller; chunk lengths are whole blocks): before the MOVE each block
 * as read must equal the block as the chunk that landed sent it, so the hashes describe exactly what the server got, and
 * a file changed under the upload fails it ({@link SourceChangedException}) even when its size and mtime look the same.
 * Each attempt of a chunk (the transport repeats one after a lost answer) checksums its own bytes; the attempt that
 * landed counts. Each chunk's own SHA-256 is checked against the server's {@code X-Hash-SHA256}.
 *
 * <p>Chunk sizes: the first ones are {@link TransferSettings#chunkSizeFor}; each later one is sized so that it takes
 * about {@link TransferSettings#chunkTargetDuration()} at the rate the last one that landed went
 * ({@link TransferSettings#nextChunkSize}), as the desktop client's dynamic chunking does: on a fast link a large file
 * goes in a few large chunks instead of hundreds of small requests. A chunk refused as too large (413, a proxy's body
 * limit) is sent again at half its size, the chunks after it resent to fit, and later chunks stay below it, down to the
 * first chunk's size.
 *
 * <p>Memory stays flat whatever the file or chunk size: every chunk is streamed from disk in pieces ({@link FileBytes});
 * nothing holds a chunk in memory.
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
 * <p>Resume: every chunk's length is noted in the session before its PUT. A session given back by the caller is checked
 * against the upload folder (PROPFIND): the unbroken run of chunks from 1 with the lengths the session recorded is kept
 * (chunks that landed out of order after a gap are deleted), the rest is sent. A vanished
 * upload folder (expired after 24 h) restarts the upload once from scratch. When the server cannot do chunking at all
 * (the upload folder cannot be created, or the first chunk is refused as unsupported) the file goes as one plain PUT.
 */
final class ChunkedUpload {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_RESTARTS = 1;
  private static final long BLOCK_BYTES = 1L << 20;

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
  private final long firstChunkSize;
  private final long largestChunk;
  /** Chunk lengths but the last are multiples of this, so that chunk and file block checksums line up. */
  private final long blockSize;
  private final int parallelism;
  private final Materializer materializer;
  private final Executor dispatcher;
  private int restarts;
  /** Below the size of a chunk a proxy refused as too large (413); no limit until then. */
  private volatile long sizeLimit = Long.MAX_VALUE;

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
    this.largestChunk = transfers.largestChunk(features.maxChunkSize());
    long first = transfers.chunkSizeFor(local.size(), features.maxChunkSize());
    this.blockSize = Math.min(BLOCK_BYTES, first);
    this.firstChunkSize = aligned(first, largestChunk);
    this.parallelism = transfers.chunkParallelismFor(features.maxParallelChunks());
    this.materializer = transport.materializer();
    this.dispatcher = transport.system().dispatcher();
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

  /** A chunk was refused as too large (413): it goes again, smaller, unless it is no larger than the first. */
  private static final class ChunkTooLarge extends RuntimeException {
    final DavException failure;

    ChunkTooLarge(DavException failure) {
      super(failure.getMessage(), null, false, false);
      this.failure = failure;
    }
  }

  /** Where the upload stands: the session as persisted, and the whole file's hashes over the chunks it holds. */
  private record Progress(UploadSession session, SentContent hashed) {}

  CompletionStage<UploadResult> run() {
    return attempt(options.resume());
  }

  private CompletionStage<UploadResult> attempt(UploadSession resume) {
    AtomicReference<UploadSession> current = new AtomicReference<>();
    AtomicReference<FileRead> reading = new AtomicReference<>();
    CompletionStage<UploadResult> upload = checkGuard()
        .thenCompose(guardHolds -> open(resume))
        .thenCompose(session -> {
          current.set(session);
          FileRead read = new FileRead(session.bytesDone());
          reading.set(read);
          Map<Long, Integer> sent = new ConcurrentHashMap<>();
          return sendChunks(session, firstChunkSize, read.origin, sent, current)
              .whenComplete((sentSession, error) -> {
                // A combined stage waits for both sides: a failed upload does not wait for the rest of a long read.
                if (error != null) read.stop.shutdown();
              })
              .thenCombine(read.done, (sentSession, readFile) -> {
                readFile.requireSentAsRead(sent);
                try {
                  local.requireUnchanged(source);
                } catch (IOException e) {
                  throw new CompletionException(e);
                }
                return new Progress(sentSession, readFile.hashed);
              });
        })
        .thenCompose(progress -> assemble(progress, 1, false,
            System.nanoTime() + transfers.assemblyTimeout(local.size()).toNanos(), transfers.assemblyRetryDelay()));
    return upload.handle((result, error) -> {
      FileRead read = reading.get();
      if (read != null) read.stop.shutdown(); // done already, or of no use any more
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
    return new PlainUpload(store, path, source, local, options, null).run();
  }

  // ---- Upload folder -----------------------------------------------------------------------------------------------

  private String folderUrl(String transferId) {
    return features.uploadsRoot().toASCIIString() + UrlPaths.encodeSegment(transferId);
  }

  private CompletionStage<UploadSession> open(UploadSession resume) {
    if (resume != null && resume.matches(destination, local.size(), local.mtimeSeconds())) {
      return listChunks(resume.transferId()).thenCompose(chunks -> {
        if (chunks == null) return create(); // expired or never made: start over
        return keepUnbrokenRun(resume, chunks);
      });
    }
    if (resume != null) return deleteFolder(resume.transferId()).thenCompose(done -> create());
    return create();
  }

  private CompletionStage<UploadSession> create() {
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
            UploadSession session = UploadSession.started(transferId, destination, local.size(), local.mtimeSeconds(),
                firstChunkSize, Instant.now());
            options.sessionListener().accept(session);
            return session;
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

  /** Keeps chunks 1..k of the recorded sizes, deletes every later chunk (their order on the server is unknown). */
  private CompletionStage<UploadSession> keepUnbrokenRun(UploadSession resume, Map<Integer, Long> chunks) {
    int run = 0;
    while (run < resume.knownChunks() && chunks.getOrDefault(run + 1, -2L) == resume.chunkLength(run + 1)) run++;
    int kept = run;
    List<Integer> strays = chunks.keySet().stream().filter(n -> n > kept || n < 1).sorted().toList();
    CompletionStage<Void> deleted = done();
    for (int stray : strays) deleted = deleted.thenCompose(d -> deleteChunk(resume.transferId(), stray));
    UploadSession session = resume.keepingChunks(kept);
    return deleted.thenApply(d -> {
      options.sessionListener().accept(session);
      return session;
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

  /**
   * The whole file, read once in order beside the chunk PUTs: its hashes go into the MOVE's {@code OC-Checksum} and the
   * result, its block checksums from {@code origin} (where this attempt's first chunk starts) are compared with those
   * of the chunks that landed.
   */
  private final class FileRead {
    final long origin;
    final SentContent hashed = SentContent.withChecksum(features.checksumType());
    final BlockChecksums blocks;
    final UniqueKillSwitch stop;
    final CompletionStage<FileRead> done;

    FileRead(long origin) {
      this.origin = origin;
      this.blocks = new BlockChecksums(origin, blockSize, 0);
      Pair<UniqueKillSwitch, CompletionStage<Done>> running = FileBytes.slice(source, 0, local.size(), piece -> {
            hashed.update(piece);
            blocks.update(piece);
          })
          .viaMat(KillSwitches.single(), Keep.right())
          .toMat(Sink.ignore(), Keep.both())
          .run(materializer);
      this.stop = running.first();
      this.done = running.second().thenApply(d -> {
        if (!hashed.complete(local.size())) {
          throw new CompletionException(new SourceChangedException(source + " became shorter while it was uploaded"));
        }
        return this;
      });
    }

    /** The file's blocks as read equal those sent: else it changed under the upload and its hashes describe neither. */
    void requireSentAsRead(Map<Long, Integer> sent) {
      int[] read = blocks.values();
      for (int i = 0; i < read.length; i++) {
        Integer out = sent.get((long) i);
        if (out == null) throw new IllegalStateException("block " + i + " of " + source + " was never sent");
        if (out != read[i]) {
          throw new CompletionException(new SourceChangedException(
              source + " changed while it was uploaded: bytes from " + (origin + i * blockSize) + " went out otherwise than they read"));
        }
      }
    }
  }

  /** Raised by a round of chunks that hit 413 ("too large") at chunk {@code number}: resend from there, smaller. */
  private static final class Shrink extends RuntimeException {
    final UploadSession session;
    final int number;
    final ChunkTooLarge tooLarge;
    final List<Integer> landedAfter;

    Shrink(UploadSession session, int number, ChunkTooLarge tooLarge, List<Integer> landedAfter) {
      super(tooLarge.getMessage(), null, false, false);
      this.session = session;
      this.number = number;
      this.tooLarge = tooLarge;
      this.landedAfter = landedAfter;
    }
  }

  /**
   * Sends the chunks after the session's kept run, the first planned of {@code firstSize} bytes. A chunk refused as too
   * large goes again at half its size (in whole blocks), and the chunks after it are resent to fit: those of the round
   * that landed meanwhile are deleted first, since the server assembles whatever the folder holds.
   */
  private CompletionStage<UploadSession> sendChunks(UploadSession session, long firstSize, long origin,
      Map<Long, Integer> sent, AtomicReference<UploadSession> current) {
    return new ChunkRound(session, firstSize, origin, sent, current).run()
        .handle((done, error) -> {
          if (error == null) return CompletableFuture.completedFuture(done);
          Throwable cause = AkkaHttpRemoteStore.unwrap(error);
          if (!(cause instanceof Shrink shrink)) return CompletableFuture.<UploadSession>failedFuture(cause);
          long refused = shrink.session.chunkLength(shrink.number);
          if (refused <= firstChunkSize) return CompletableFuture.<UploadSession>failedFuture(shrink.tooLarge.failure);
          sizeLimit = Math.max(firstChunkSize, aligned(refused / 2, refused / 2));
          CompletionStage<Void> cleared = done();
          for (int stray : shrink.landedAfter) cleared = cleared.thenCompose(d -> deleteChunk(shrink.session.transferId(), stray));
          return cleared.thenCompose(d -> {
            UploadSession kept = shrink.session.keepingChunks(shrink.number - 1);
            current.set(kept);
            options.sessionListener().accept(kept);
            return sendChunks(kept, sizeLimit, origin, sent, current);
          });
        })
        .thenCompose(Function.identity());
  }

  /**
   * Chunk PUTs, at most {@link #parallelism} at once, each planned when a slot frees: its length is noted in the session
   * before its PUT, sized from how fast the last chunk that landed went. On a failure no new chunk starts, those in
   * flight finish, and the failure of the lowest-numbered chunk decides. State changes under this object's lock;
   * completions come back on the dispatcher, never inside {@link #fill()}.
   */
  private final class ChunkRound {
    private final CompletableFuture<UploadSession> finished = new CompletableFuture<>();
    private final long origin;
    private final Map<Long, Integer> sent;
    private final AtomicReference<UploadSession> current;
    private final Set<Integer> landed = new HashSet<>();
    private final TreeMap<Integer, Throwable> failures = new TreeMap<>();
    private UploadSession session;
    private long plannedEnd;
    private long nextSize;
    private int inFlight;
    private RuntimeException halted;

    ChunkRound(UploadSession start, long firstSize, long origin, Map<Long, Integer> sent,
        AtomicReference<UploadSession> current) {
      this.session = start;
      this.plannedEnd = start.bytesDone();
      this.nextSize = firstSize;
      this.origin = origin;
      this.sent = sent;
      this.current = current;
    }

    CompletionStage<UploadSession> run() {
      fill();
      return finished;
    }

    private synchronized void fill() {
      while (halted == null && failures.isEmpty() && inFlight < parallelism && plannedEnd < local.size()) {
        long cap = Math.min(sizeLimit, largestChunk);
        long length = Math.min(aligned(Math.min(nextSize, cap), cap), local.size() - plannedEnd);
        int number = session.knownChunks() + 1;
        long offset = plannedEnd;
        if (!note(session.withChunkAdded(length))) break;
        plannedEnd += length;
        inFlight++;
        long started = System.nanoTime();
        CompletionStage<BlockChecksums> put;
        try {
          put = putChunk(session.transferId(), number, offset, length, origin);
        } catch (RuntimeException e) {
          put = CompletableFuture.failedFuture(e);
        }
        put.whenCompleteAsync((blocks, error) -> settled(number, length, started, blocks, error), dispatcher);
      }
      if (inFlight == 0 && !finished.isDone()) finish();
    }

    private synchronized void settled(int number, long length, long startedNanos, BlockChecksums blocks, Throwable error) {
      inFlight--;
      if (error == null) {
        int[] values = blocks.values();
        for (int i = 0; i < values.length; i++) sent.put(blocks.firstBlock() + i, values[i]);
        landed.add(number);
        int run = session.chunksDone();
        while (landed.contains(run + 1)) run++;
        if (run != session.chunksDone()) note(session.withChunksDone(run));
        Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
        nextSize = transfers.nextChunkSize(length, took, local.size() - plannedEnd, session.knownChunks(),
            features.maxChunkSize());
      } else {
        failures.put(number, AkkaHttpRemoteStore.unwrap(error));
      }
      fill();
    }

    /** Persists the session through the caller's listener; false (and the round halts) when the listener failed. */
    private boolean note(UploadSession next) {
      session = next;
      current.set(next);
      try {
        options.sessionListener().accept(next);
        return true;
      } catch (RuntimeException e) {
        if (halted == null) halted = e;
        return false;
      }
    }

    private void finish() {
      if (halted != null) {
        finished.completeExceptionally(halted);
      } else if (failures.isEmpty()) {
        finished.complete(session);
      } else {
        Map.Entry<Integer, Throwable> first = failures.firstEntry();
        if (first.getValue() instanceof ChunkTooLarge tooLarge) {
          List<Integer> after = landed.stream().filter(n -> n > first.getKey()).sorted().toList();
          finished.completeExceptionally(new Shrink(session, first.getKey(), tooLarge, after));
        } else {
          finished.completeExceptionally(first.getValue());
        }
      }
    }
  }

  /**
   * {@code length} in whole blocks: rounded up, or down when that would pass {@code cap}; at least one block. Every
   * chunk but the last is such a length, so chunk and file block checksums line up.
   */
  private long aligned(long length, long cap) {
    long up = (length + blockSize - 1) / blockSize * blockSize;
    if (up <= cap) return Math.max(blockSize, up);
    return Math.max(blockSize, Math.min(length, cap) / blockSize * blockSize);
  }

  /**
   * One chunk PUT. Completes with the block checksums of the attempt that landed (the transport repeats a PUT whose
   * answer was lost; each attempt checksums its own bytes).
   */
  private CompletionStage<BlockChecksums> putChunk(String transferId, int number, long offset, long length, long origin) {
    String url = folderUrl(transferId) + "/" + chunkName(number);
    String put = "PUT chunk " + number + " (" + length + " bytes at " + offset + ") of " + store.describe(path);
    boolean verify = transfers.verifyUploads();
    Duration timeout = store.settings().transferTimeout(length);
    AtomicReference<SentContent> chunkSent = new AtomicReference<>();
    AtomicReference<BlockChecksums> blocksSent = new AtomicReference<>();
    return transport.send(() -> {
          SentContent chunk = new SentContent();
          BlockChecksums blocks = new BlockChecksums(origin, blockSize, offset);
          chunkSent.set(chunk);
          blocksSent.set(blocks);
          List<HttpHeader> headers = new ArrayList<>(List.of(
              RawHeader.create("Destination", destination),
              RawHeader.create("OC-Total-Length", Long.toString(local.size()))));
          if (verify) headers.add(RawHeader.create("X-Hash", "sha256"));
          Source<ByteString, ?> bytes = chunk.tap(FileBytes.slice(source, offset, length, blocks::update));
          bytes = store.throttled(bytes).completionTimeout(timeout).idleTimeout(store.requestTimeout());
          return HttpRequest.create(url).withMethod(HttpMethods.PUT).addHeaders(headers)
              .withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, length, bytes));
        }, Call.idempotent(put, timeout))
        .thenApply(response -> {
          int status = store.discard(response).status().intValue();
          if (status == 201 || status == 204 || status == 200) {
            SentContent chunk = chunkSent.get();
            if (!chunk.complete(length)) {
              throw new DavException(DavError.SERVER_ERROR, status, put + ": answered " + status + " after "
                  + chunk.bytes() + " bytes");
            }
            String answered = AkkaHttpRemoteStore.header(response, "X-Hash-SHA256");
            if (verify && answered != null && !chunk.sha256().equalsIgnoreCase(answered.strip())) {
              throw new DavException(DavError.INTEGRITY, status, put + ": the server received other bytes than were sent");
            }
            return blocksSent.get();
          }
          if (status == 404) throw new UploadFolderGone(put + " answered 404");
          if (status == 413) throw new ChunkTooLarge(HttpTransport.failure(put, response));
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

  private CompletionStage<UploadResult> assemble(Progress progress, int attempt, boolean saw423, long deadlineNanos,
      Duration nextWait) {
    String sum = progress.hashed().checksum();
    String sha256 = progress.hashed().sha256();
    String url = folderUrl(progress.session().transferId()) + "/.file";
    String move = "MOVE assembling " + store.describe(path);
    Duration timeout = transfers.assemblyTimeout(local.size());
    return transport.send(() -> HttpRequest.create(url).withMethod(AkkaHttpRemoteStore.MOVE).addHeaders(moveHeaders(sum)),
            Call.unsafe(move, timeout))
        .<CompletionStage<UploadResult>>handle((response, error) -> {
          if (error != null) {
            // No answer: the server may have assembled anyway. Look before sending anything again.
            DavException failure = HttpTransport.asDav(move, error);
            return ifLanded(sum, sha256, failure, () -> retryMove(progress, attempt, saw423, deadlineNanos, nextWait, failure));
          }
          int status = store.discard(response).status().intValue();
          DavException failure = HttpTransport.failure(move, response);
          if (status >= 200 && status <= 299) {
            String fileId = AkkaHttpRemoteStore.header(response, "OC-FileId");
            String etag = AkkaHttpRemoteStore.header(response, "OC-ETag");
            if (fileId != null && etag != null) {
              boolean mtimeAccepted = "accepted".equalsIgnoreCase(AkkaHttpRemoteStore.header(response, "X-OC-MTime"));
              if (local.mtimeSendable() && !mtimeAccepted) store.mtimeNotAccepted(path);
              return CompletableFuture.completedFuture(new UploadResult(status == 201, ETags.normalize(etag), fileId, sum,
                  local.size(), mtimeAccepted, sha256));
            }
            // Some servers answer 200 with an error in the body: only the destination tells.
            DavException unconfirmed = new DavException(DavError.SERVER_ERROR, status,
                move + ": answered " + status + " without OC-FileId/OC-ETag, and the destination does not hold the file");
            return ifLanded(sum, sha256, unconfirmed, () -> CompletableFuture.<UploadResult>failedFuture(unconfirmed));
          }
          if (status == 423) {
            if (System.nanoTime() + nextWait.toNanos() > deadlineNanos) {
              return ifLanded(sum, sha256, failure, () -> CompletableFuture.<UploadResult>failedFuture(failure));
            }
            Duration doubled = nextWait.multipliedBy(2);
            Duration following = doubled.compareTo(transfers.assemblyRetryMaxDelay()) > 0 ? transfers.assemblyRetryMaxDelay() : doubled;
            return later(nextWait, () -> assemble(progress, attempt, true, deadlineNanos, following));
          }
          if (status == 404) {
            if (saw423 || attempt > 1) {
              // Usually "finished meanwhile": the upload folder is gone because the file landed.
              return ifLanded(sum, sha256, failure,
                  () -> CompletableFuture.<UploadResult>failedFuture(new UploadFolderGone(move + " answered 404")));
            }
            return CompletableFuture.failedFuture(new UploadFolderGone(move + " answered 404"));
          }
          if (status == 400) {
            // "Chunks on server do not sum up": the folder's content is unusable; start over once.
            return CompletableFuture.failedFuture(new UploadFolderGone(move + " answered 400"));
          }
          if (status >= 500 && status != 507) {
            return ifLanded(sum, sha256, failure, () -> retryMove(progress, attempt, saw423, deadlineNanos, nextWait, failure));
          }
          return CompletableFuture.failedFuture(failure);
        })
        .thenCompose(Function.identity());
  }

  private CompletionStage<UploadResult> retryMove(Progress progress, int attempt, boolean saw423, long deadlineNanos,
      Duration nextWait, DavException failure) {
    if (attempt >= transport.settings().maxAttempts()) return CompletableFuture.failedFuture(failure);
    return later(transport.backoff(attempt), () -> assemble(progress, attempt + 1, saw423, deadlineNanos, nextWait));
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
  private CompletionStage<UploadResult> ifLanded(String sum, String sha256, DavException original,
      java.util.function.Supplier<CompletionStage<UploadResult>> otherwise) {
    return store.stat(path).<CompletionStage<UploadResult>>handle((entry, error) -> {
      if (error == null) {
        boolean replacedOld = options.ifMatchEtag() == null || !ETags.normalize(options.ifMatchEtag()).equals(entry.etag());
        if (replacedOld && ContentIdentity.holds(entry, local.size(), sum)) {
          return CompletableFuture.completedFuture(
              new UploadResult(options.ifMatchEtag() == null, entry.etag(), entry.fileId(), sum, local.size(), false, sha256));
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
