package io.ncsync.protocol;

import akka.event.Logging;
import akka.actor.ClassicActorSystemProvider;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.RequestEntityAcceptances;
import akka.http.javadsl.model.headers.RawHeader;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.ncsync.protocol.http.BandwidthLimiter;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.HttpTransport.Call;
import io.ncsync.protocol.http.TransportSettings;
import io.ncsync.protocol.nextcloud.NextcloudFeatures;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@link RemoteStore} over akka-http, through one {@link HttpTransport} per connection (keep-alive pool, session
 * cookie, rate and concurrency limits, retries, circuit breaker: see there).
 *
 * <p>Paths are checked with {@link RemotePaths#requireSafePath} and percent-encoded per segment. Bodies of files are
 * streamed both ways, never held in memory; PROPFIND answers are parsed as they arrive, up to
 * {@link Settings#maxListingBytes()}. Every response entity is either read or discarded, because an unconsumed entity
 * stalls its pooled connection.
 *
 * <p>On a Nextcloud connection ({@link #withFeatures(NextcloudFeatures)}) uploads above
 * {@link TransferSettings#chunkThreshold()} use chunked upload v2 (resumable, chunks sized by their duration), plain
 * uploads carry {@code OC-Checksum} and are verified with {@code X-Hash}, and {@link #uploadBatch} uses bulk upload.
 * Without features the store speaks plain RFC 4918 (Apache mod_dav and the like). Every upload reports the SHA-256 of
 * the bytes it sent ({@link UploadResult#sha256()}).
 *
 * <p>Failures complete the stages with {@link DavException}: HTTP statuses classified by
 * {@link DavException#classify(int)}, no answer (refused, reset, timeout) as TRANSPORT. The one exception: a local
 * file that cannot be read (upload) or written (download) fails the stage with that {@link IOException}, because the
 * cure lies on this machine, not on the server.
 */
public final class AkkaHttpRemoteStore implements RemoteStore {

  /**
   * Tuning knobs.
   *
   * @param maxConnections          connections per host kept in the pool
   * @param maxListingBytes         largest PROPFIND body accepted (default 256 MiB, about 250,000 entries of a
   *                                Nextcloud folder); larger answers fail with MALFORMED_RESPONSE. The body is parsed
   *                                as it arrives, so this bounds parsing time and entries, not a buffer
   * @param requestTimeout          deadline for requests without a file body (PROPFIND, MKCOL, DELETE, MOVE), and the
   *                                longest a transfer may stall without a byte moving
   * @param transferBaseTimeout     fixed part of a transfer's deadline
   * @param transferMinBytesPerSecond slowest rate a transfer may average before its deadline passes (that is, seconds
   *                                per MiB = 1 MiB / this)
   * @param keepAliveTimeout        how long an idle pooled connection is reused; below the usual server default (5 s on
   *                                Apache) so we do not send into a connection the server is closing
   * @param transport               pacing, retries, circuit breaker, cookies (its pool size and keep-alive are
   *                                replaced by the two fields above)
   * @param transfers               chunking, assembly waits, verification, bulk limits
   */
  public record Settings(
      int maxConnections,
      long maxListingBytes,
      Duration requestTimeout,
      Duration transferBaseTimeout,
      long transferMinBytesPerSecond,
      Duration keepAliveTimeout,
      TransportSettings transport,
      TransferSettings transfers) {

    public Settings {
      if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be at least 1");
      if (maxListingBytes < 1) throw new IllegalArgumentException("maxListingBytes must be positive");
      if (transferMinBytesPerSecond < 1) throw new IllegalArgumentException("transferMinBytesPerSecond must be positive");
      Objects.requireNonNull(requestTimeout, "requestTimeout");
      Objects.requireNonNull(transferBaseTimeout, "transferBaseTimeout");
      Objects.requireNonNull(keepAliveTimeout, "keepAliveTimeout");
      Objects.requireNonNull(transport, "transport");
      Objects.requireNonNull(transfers, "transfers");
    }

    /** The original knobs; transport and transfers at their defaults. */
    public Settings(int maxConnections, long maxListingBytes, Duration requestTimeout, Duration transferBaseTimeout,
        long transferMinBytesPerSecond, Duration keepAliveTimeout) {
      this(maxConnections, maxListingBytes, requestTimeout, transferBaseTimeout, transferMinBytesPerSecond,
          keepAliveTimeout, TransportSettings.defaults(), TransferSettings.defaults());
    }

    public static Settings defaults() {
      return new Settings(8, DEFAULT_MAX_LISTING_BYTES, Duration.ofSeconds(60), Duration.ofSeconds(60), 1L << 20, Duration.ofSeconds(4));
    }

    public Settings withMaxConnections(int value) {
      return new Settings(value, maxListingBytes, requestTimeout, transferBaseTimeout, transferMinBytesPerSecond,
          keepAliveTimeout, transport, transfers);
    }

    public Settings withMaxListingBytes(long value) {
      return new Settings(maxConnections, value, requestTimeout, transferBaseTimeout, transferMinBytesPerSecond,
          keepAliveTimeout, transport, transfers);
    }

    public Settings withRequestTimeout(Duration value) {
      return new Settings(maxConnections, maxListingBytes, value, transferBaseTimeout, transferMinBytesPerSecond,
          keepAliveTimeout, transport, transfers);
    }

    public Settings withTransferTimeout(Duration base, long minBytesPerSecond) {
      return new Settings(maxConnections, maxListingBytes, requestTimeout, base, minBytesPerSecond, keepAliveTimeout,
          transport, transfers);
    }

    /** Transfer deadlines as a base plus so much time per MiB (e.g. 1 s per MiB = at least 1 MiB/s on average). */
    public Settings withTransferTimeoutPerMiB(Duration base, Duration perMiB) {
      long bytesPerSecond = Math.max(1, (long) ((1L << 20) / Math.max(0.001, perMiB.toMillis() / 1000.0)));
      return withTransferTimeout(base, bytesPerSecond);
    }

    public Settings withKeepAliveTimeout(Duration value) {
      return new Settings(maxConnections, maxListingBytes, requestTimeout, transferBaseTimeout,
          transferMinBytesPerSecond, value, transport, transfers);
    }

    public Settings withTransport(TransportSettings value) {
      return new Settings(maxConnections, maxListingBytes, requestTimeout, transferBaseTimeout,
          transferMinBytesPerSecond, keepAliveTimeout, value, transfers);
    }

    public Settings withTransfers(TransferSettings value) {
      return new Settings(maxConnections, maxListingBytes, requestTimeout, transferBaseTimeout,
          transferMinBytesPerSecond, keepAliveTimeout, transport, value);
    }

    /**
     * A Nextcloud folder's entry takes about 1 KiB of PROPFIND answer (20,000 entries: 20 MiB), so this admits about
     * 250,000 entries in one folder while still stopping a server that sends an endless answer.
     */
    public static final long DEFAULT_MAX_LISTING_BYTES = 256L << 20;

    /** Deadline for moving {@code bytes}: the base plus one second per {@code transferMinBytesPerSecond}. */
    public Duration transferTimeout(long bytes) {
      return transferBaseTimeout.plusSeconds(Math.max(0, bytes) / transferMinBytesPerSecond);
    }

    /** The transport settings with this record's pool size and keep-alive. */
    public TransportSettings effectiveTransport() {
      return transport.withMaxConnections(maxConnections).withKeepAliveTimeout(keepAliveTimeout);
    }
  }

  static final HttpMethod PROPFIND = HttpMethods.custom("PROPFIND", true, true, RequestEntityAcceptances.Expected);
  static final HttpMethod MKCOL = HttpMethods.custom("MKCOL", false, false, RequestEntityAcceptances.Tolerated);
  static final HttpMethod MOVE = HttpMethods.custom("MOVE", false, false, RequestEntityAcceptances.Tolerated);

  /** Only the properties the engine uses: smaller answers, and fewer 404 propstats on plain WebDAV servers. */
  static final String PROPFIND_BODY = """
      <?xml version="1.0" encoding="utf-8"?>
      <d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
        <d:prop>
          <d:getetag/>
          <d:getlastmodified/>
          <d:getcontentlength/>
          <d:resourcetype/>
          <oc:fileid/>
          <oc:permissions/>
          <oc:size/>
          <oc:checksums/>
          <oc:data-fingerprint/>
        </d:prop>
      </d:propfind>
      """;

  static final HttpEntity.Strict PROPFIND_ENTITY = HttpEntities.create(
      ContentTypes.create(MediaTypes.APPLICATION_XML, HttpCharsets.UTF_8),
      PROPFIND_BODY.getBytes(StandardCharsets.UTF_8));

  /** What every scoped store of one connection shares. */
  record Shared(HttpTransport transport, Settings settings, NextcloudFeatures features, BandwidthLimiter extraLimiter,
      ForbiddenNames forbidden, ConnectionWrites writes) {}

  private final Shared shared;
  private final DavEndpoint endpoint;
  /** Scoped like this store; null when the server offers none. */
  private final ChangeFeed changeFeed;

  private AkkaHttpRemoteStore(Shared shared, DavEndpoint endpoint, ChangeFeed changeFeed) {
    this.shared = shared;
    this.endpoint = endpoint;
    this.changeFeed = changeFeed;
  }

  public static AkkaHttpRemoteStore create(ClassicActorSystemProvider system, DavEndpoint endpoint) {
    return create(system, endpoint, Settings.defaults());
  }

  /** A store with a transport of its own (and so its own pool, pacing and session). Plain WebDAV until {@link #withFeatures}. */
  public static AkkaHttpRemoteStore create(ClassicActorSystemProvider system, DavEndpoint endpoint, Settings settings) {
    HttpTransport transport = HttpTransport.create(system, endpoint.username(), endpoint.password(),
        settings.effectiveTransport());
    return create(transport, endpoint, settings);
  }

  /**
   * A store on a connection's shared transport (the one its {@link io.ncsync.protocol.nextcloud.ServerDiscovery} and
   * other API clients use). The endpoint's credentials must be the transport's.
   */
  public static AkkaHttpRemoteStore create(HttpTransport transport, DavEndpoint endpoint, Settings settings) {
    if (!transport.loginName().equals(endpoint.username())) {
      throw new IllegalArgumentException("the endpoint's login name differs from the transport's");
    }
    return new AkkaHttpRemoteStore(
        new Shared(transport, settings, NextcloudFeatures.PLAIN_WEBDAV, BandwidthLimiter.unlimited(), null,
            new ConnectionWrites("ncsync " + java.util.UUID.randomUUID())), endpoint, null);
  }

  /** The same store (same transport) using what the server offers; see {@link NextcloudFeatures#from}. */
  public AkkaHttpRemoteStore withFeatures(NextcloudFeatures features) {
    return new AkkaHttpRemoteStore(
        new Shared(shared.transport, shared.settings, features, shared.extraLimiter, shared.forbidden, shared.writes), endpoint, changeFeed);
  }

  /**
   * The same store whose transfers also pass through {@code limiter} (e.g. one shared by all connections of a tenant),
   * besides the connection's own {@link TransportSettings#bytesPerSecond()}.
   */
  public AkkaHttpRemoteStore withBandwidthLimiter(BandwidthLimiter limiter) {
    return new AkkaHttpRemoteStore(
        new Shared(shared.transport, shared.settings, shared.features, limiter, shared.forbidden, shared.writes), endpoint, changeFeed);
  }

  /**
   * The same store, taking its WebDAV locks (see {@link LockedUpload}) as {@code owner}: a name that stays the same
   * across restarts and is nobody else's, so that a lock a crash left behind is known as ours and lifted.
   */
  public AkkaHttpRemoteStore withLockOwner(String owner) {
    return new AkkaHttpRemoteStore(new Shared(shared.transport, shared.settings, shared.features, shared.extraLimiter,
        shared.forbidden, new ConnectionWrites(owner)), endpoint, changeFeed);
  }

  /** The same store, refusing what this server's capabilities forbid (see {@link #forbiddenNames()}). */
  public AkkaHttpRemoteStore withForbiddenNames(ForbiddenNames forbidden) {
    return new AkkaHttpRemoteStore(
        new Shared(shared.transport, shared.settings, shared.features, shared.extraLimiter, forbidden, shared.writes), endpoint, changeFeed);
  }

  /**
   * What {@link #withForbiddenNames} set; else Nextcloud's own rules on a Nextcloud server and nothing more on plain
   * WebDAV.
   */
  @Override
  public ForbiddenNames forbiddenNames() {
    if (shared.forbidden != null) return shared.forbidden;
    return shared.features.nextcloud() ? ForbiddenNames.NEXTCLOUD : ForbiddenNames.NONE;
  }

  /** The same store, reading its changes from {@code feed} (scoped to this store's root, as this store is). */
  public AkkaHttpRemoteStore withChangeFeed(ChangeFeed feed) {
    return new AkkaHttpRemoteStore(shared, endpoint, feed);
  }

  @Override
  public java.util.Optional<ChangeFeed> changeFeed() {
    return java.util.Optional.ofNullable(changeFeed);
  }

  public DavEndpoint endpoint() {
    return endpoint;
  }

  public NextcloudFeatures features() {
    return shared.features;
  }

  public HttpTransport transport() {
    return shared.transport;
  }

  public Settings settings() {
    return shared.settings;
  }

  @Override
  public boolean etagsPropagate() {
    return shared.features.nextcloud();
  }

  @Override
  public RemoteStore scoped(String subPath) {
    RemotePaths.requireSafePath(subPath);
    return subPath.isEmpty() ? this
        : new AkkaHttpRemoteStore(shared, endpoint.resolve(subPath), changeFeed == null ? null : changeFeed.scoped(subPath));
  }

  @Override
  public String toString() {
    return "AkkaHttpRemoteStore[" + endpoint.root() + "]";
  }

  // ---- PROPFIND ----------------------------------------------------------------------------------------------------

  @Override
  public CompletionStage<DavEntry> stat(String path) {
    return propfind(path, "0").thenApply(Listing::self);
  }

  @Override
  public CompletionStage<Listing> list(String folderPath) {
    return propfind(folderPath, "1").thenCompose(listing -> {
      if (!listing.self().collection()) {
        throw new DavException(DavError.CONFLICT, 0,
            "PROPFIND " + describe(folderPath) + ": a file, not a folder, cannot be listed");
      }
      return withoutStagedCreates(listing);
    });
  }

  /**
   * Leaves out the staging files of {@link StagedCreate}s, and deletes the abandoned ones before answering: ours that no
   * upload of this process is writing (a crash left them), and anyone's not modified for an hour (a staging file lives
   * seconds, from its PUT's end to its MOVE).
   */
  private CompletionStage<Listing> withoutStagedCreates(Listing listing) {
    List<DavEntry> children = new java.util.ArrayList<>(listing.children().size());
    List<CompletableFuture<Void>> deletions = new java.util.ArrayList<>();
    java.time.Instant stale = java.time.Instant.now().minus(StagedCreate.ABANDONED_AFTER);
    for (DavEntry child : listing.children()) {
      String name = RemotePaths.name(child.path());
      if (child.collection() || !StagedCreate.isStagingName(name)) {
        children.add(child);
        continue;
      }
      boolean oursAbandoned = shared.writes.madeHere(name) && !shared.writes.staging(url(child.path()));
      boolean old = child.lastModified() != null && child.lastModified().isBefore(stale);
      if (oursAbandoned || old) {
        // Ours unguarded (mod_dav's ETag of a file written in the last second is weak and fails If-Match); another's
        // only as it was listed.
        java.util.Optional<String> guard = oursAbandoned ? java.util.Optional.empty() : java.util.Optional.ofNullable(child.etag());
        deletions.add(delete(child.path(), guard)
            .handle((done, error) -> (Void) null).toCompletableFuture());
      }
    }
    if (children.size() == listing.children().size()) return CompletableFuture.completedFuture(listing);
    Listing without = new Listing(listing.self(), children, listing.excluded());
    return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new)).thenApply(done -> without);
  }

  private CompletionStage<Listing> propfind(String path, String depth) {
    String what = "PROPFIND " + describe(path);
    return guarded(path, () -> {
      // No trailing slash even for folders: Apache answers 400 to "file/", and list() must say "a file" instead.
      String url = url(path);
      Call call = Call.idempotent(what, requestTimeout());
      return shared.transport.send(() -> HttpRequest.create(url).withMethod(PROPFIND)
                  .addHeader(RawHeader.create("Depth", depth)).withEntity(PROPFIND_ENTITY), call)
          .thenCompose(response -> {
            if (response.status().intValue() != 207) throw HttpTransport.failure(what, discard(response));
            return StreamedListing.parse(this, response, what, endpoint.root().getRawPath(), path);
          });
    });
  }

  // ---- GET ---------------------------------------------------------------------------------------------------------

  @Override
  public CompletionStage<DownloadResult> download(String path, Path target) {
    return download(path, target, DownloadOptions.defaults());
  }

  /**
   * GET streamed into {@code target}; a connection that breaks mid-body is resumed with a Range request (guarded by
   * If-Range with the ETag first served), up to {@link TransferSettings#downloadAttempts()} attempts. It takes exactly
   * {@link DownloadOptions#expectedSize()} bytes (asked for first when unknown): more, or fewer, fails with INTEGRITY,
   * and the deadline comes from that size, never from the server's Content-Length. The content is checked against
   * {@link DownloadOptions#expectedChecksum()} or, failing that, the server's {@code OC-Checksum} header (INTEGRITY on
   * mismatch). A download that fails in the end leaves no file behind.
   */
  @Override
  public CompletionStage<DownloadResult> download(String path, Path target, DownloadOptions options) {
    return guarded(path, () -> new Download(this, url(path), describe(path), target, options).run());
  }

  /**
   * Like {@link #download(String, Path, DownloadOptions)} for another resource of the same server (a file version, a
   * trash-bin item), addressed by its full URL.
   */
  public CompletionStage<DownloadResult> downloadFrom(URI url, Path target, DownloadOptions options) {
    URI root = endpoint.root();
    if (!Objects.equals(url.getScheme(), root.getScheme()) || !Objects.equals(url.getRawAuthority(), root.getRawAuthority())
        || url.getRawUserInfo() != null) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("not a URL of this server: " + url));
    }
    return new Download(this, url.toASCIIString(), url.toString(), target, options).run();
  }

  // ---- PUT ---------------------------------------------------------------------------------------------------------

  @Override
  public CompletionStage<UploadResult> upload(String path, Path source, Optional<String> ifMatchEtag, boolean mustNotExist) {
    return upload(path, source, UploadOptions.of(ifMatchEtag, mustNotExist));
  }

  /**
   * PUT streamed from {@code source}, or on a Nextcloud connection with chunking and a file above
   * {@link TransferSettings#chunkThreshold()}, chunked upload v2 (see {@link ChunkedUpload}), which falls back to a
   * plain PUT when the server cannot do it.
   */
  @Override
  public CompletionStage<UploadResult> upload(String path, Path source, UploadOptions options) {
    String what = "PUT " + describe(path);
    return guarded(path, () -> {
      if (path.isEmpty()) throw new DavException(DavError.FORBIDDEN, 0, what + ": the store's root is a folder");
      return LocalFile.describe(source).thenCompose(local -> {
        boolean chunk = shared.features.chunkingV2() && local.size() > shared.settings.transfers().chunkThreshold();
        if (chunk) return new ChunkedUpload(this, path, source, local, options).run();
        // Without an ETag in the PUT's answer, the one read back afterwards must surely be of our bytes.
        if (shared.features.nextcloud() || !shared.writes.readsBackEtags()) {
          return new PlainUpload(this, path, source, local, options, null).run();
        }
        if (options.mustNotExist()) return new StagedCreate(this, path, source, local, options).run();
        if (!shared.writes.takesLocks()) return new PlainUpload(this, path, source, local, options, null).run();
        return new LockedUpload(this, path, local, options).replace(source,
            locked -> new PlainUpload(this, path, source, local, locked.options(), locked.token()).run());
      });
    });
  }

  /**
   * Uploads new files (each must not exist yet). On a Nextcloud connection with bulk upload, small files go in
   * multipart bulk requests ({@code /remote.php/dav/bulk}), and every entry of the answer is checked; the rest, and
   * every file on other servers, is PUT with If-None-Match: *. Results come in the order of {@code files}; one file's
   * failure does not fail the others. Bulk upload cannot refuse to overwrite: a file created remotely between the
   * caller's listing and this call is replaced (its old content goes to the server's versions).
   */
  @Override
  public CompletionStage<List<BatchUploadResult>> uploadBatch(List<BatchUpload> files) {
    return new BatchUploader(this).upload(files);
  }

  // ---- MKCOL, DELETE, MOVE -----------------------------------------------------------------------------------------

  @Override
  public CompletionStage<Void> mkcol(String path) {
    String what = "MKCOL " + describe(path);
    return guarded(path, () -> {
      if (path.isEmpty()) throw new DavException(DavError.METHOD_NOT_ALLOWED, 0, what + ": the root always exists");
      AtomicInteger attempts = new AtomicInteger();
      String url = url(path);
      return shared.transport.send(() -> {
            attempts.incrementAndGet();
            return HttpRequest.create(url).withMethod(MKCOL);
          }, Call.idempotent(what, requestTimeout()))
          .thenCompose(response -> {
            int status = discard(response).status().intValue();
            if (status == 201) return CompletableFuture.<Void>completedFuture(null);
            DavException failure = HttpTransport.failure(what, response);
            // A repeat of a MKCOL whose answer was lost finds the folder it made.
            if (status == 405 && attempts.get() > 1) return requireFolder(path, failure);
            return CompletableFuture.<Void>failedFuture(failure);
          });
    });
  }

  /**
   * Tries the deepest folder first, since its parent usually exists: one request in the common case, one per missing
   * ancestor otherwise.
   */
  @Override
  public CompletionStage<Void> mkdirs(String path) {
    return guarded(path, () -> {
      if (path.isEmpty()) return CompletableFuture.completedFuture(null);
      return recoverWith(mkcol(path), error -> {
        if (error.error() == DavError.METHOD_NOT_ALLOWED) return requireFolder(path, error);
        if (error.error() == DavError.CONFLICT) {
          return mkdirs(RemotePaths.parent(path)).thenCompose(parentDone -> recoverWith(mkcol(path), again ->
              again.error() == DavError.METHOD_NOT_ALLOWED ? requireFolder(path, again) : CompletableFuture.failedFuture(again)));
        }
        return CompletableFuture.failedFuture(error);
      });
    });
  }

  /** 405 also answers MKCOL on an existing file; only an existing folder counts as success. */
  private CompletionStage<Void> requireFolder(String path, DavException mkcolFailure) {
    return stat(path).thenApply(entry -> {
      if (!entry.collection()) {
        throw new DavException(DavError.CONFLICT, mkcolFailure.status(),
            "MKCOL " + describe(path) + ": a file is in the way of the folder");
      }
      return null;
    });
  }

  @Override
  public CompletionStage<Void> delete(String path, Optional<String> ifMatchEtag) {
    String what = "DELETE " + describe(path);
    return guarded(path, () -> {
      if (path.isEmpty()) throw new DavException(DavError.FORBIDDEN, 0, what + ": refusing to delete the store's root");
      String url = url(path);
      AtomicInteger attempts = new AtomicInteger();
      return StaleLocks.retryingAfterLifting(this, List.of(path), () -> shared.transport.send(() -> {
            attempts.incrementAndGet();
            HttpRequest request = HttpRequest.create(url).withMethod(HttpMethods.DELETE);
            return ifMatchEtag.map(etag -> request.addHeader(RawHeader.create("If-Match", ETags.quote(etag)))).orElse(request);
          }, Call.idempotent(what, requestTimeout()))
          .thenApply(response -> {
            int status = discard(response).status().intValue();
            // A repeat of a DELETE whose answer was lost finds nothing left.
            if (status == 200 || status == 204 || (status == 404 && attempts.get() > 1)) return null;
            throw HttpTransport.failure(what, response);
          }));
    });
  }

  @Override
  public CompletionStage<Void> move(String fromPath, String toPath, boolean overwrite) {
    String what = "MOVE " + describe(fromPath) + " to " + RemotePaths.printable(toPath);
    return guarded(fromPath, () -> {
      RemotePaths.requireSafePath(toPath);
      if (fromPath.isEmpty() || toPath.isEmpty()) {
        throw new DavException(DavError.FORBIDDEN, 0, what + ": the store's root cannot be moved or replaced");
      }
      String from = url(fromPath);
      String to = url(toPath);
      return StaleLocks.retryingAfterLifting(this, List.of(fromPath, toPath), () -> sendExpecting(
          () -> HttpRequest.create(from).withMethod(MOVE).addHeaders(List.of(
              RawHeader.create("Destination", to),
              RawHeader.create("Overwrite", overwrite ? "T" : "F"))),
          Call.unsafe(what, requestTimeout()), 201, 204));
    });
  }

  // ---- Plumbing shared with the transfer classes ---------------------------------------------------------------------

  /** Validates the path and turns synchronous throws into a failed stage, so callers see one failure channel. */
  static <T> CompletionStage<T> guarded(String path, ThrowingSupplier<CompletionStage<T>> body) {
    try {
      RemotePaths.requireSafePath(path);
      return body.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @FunctionalInterface
  interface ThrowingSupplier<T> {
    T get();
  }

  Shared shared() {
    return shared;
  }

  /**
   * An upload with {@code X-OC-MTime} was not answered {@code accepted}: said once per connection. Nothing decides by
   * the server's times (ETags and content do), so this is for people comparing the times they see.
   */
  void mtimeNotAccepted(String path) {
    if (!shared.writes.mtimeIgnoredFirstTime()) return;
    Logging.getLogger(shared.transport.system().classicSystem(), AkkaHttpRemoteStore.class).warning(
        "{} did not confirm the modification time of {} (no X-OC-MTime: accepted): files uploaded keep the server's time"
            + " there; syncing is not affected (it goes by ETag and content)", endpoint.root(), RemotePaths.printable(path));
  }

  /** True once this connection's server was seen not to apply the modification times it is sent. */
  public boolean ignoresModificationTimes() {
    return shared.writes.ignoresMtime();
  }

  /** The URL of a path as sent to the server; only the root (that is, the root URL itself) ends with '/'. */
  String url(String path) {
    return endpoint.root().toASCIIString() + UrlPaths.encodePath(path);
  }

  String describe(String path) {
    return RemotePaths.printable(path) + " at " + endpoint.root();
  }

  Duration requestTimeout() {
    return shared.settings.requestTimeout();
  }

  /** True when a bandwidth limit applies to this store's transfers. */
  boolean throttlesTransfers() {
    return shared.transport.bandwidth().bytesPerSecond() > 0 || shared.extraLimiter.bytesPerSecond() > 0;
  }

  /** Bytes of a transfer through the connection's and the extra bandwidth limiters; an unlimited one adds no stage. */
  <M> Source<ByteString, M> throttled(Source<ByteString, M> bytes) {
    for (BandwidthLimiter limiter : List.of(shared.transport.bandwidth(), shared.extraLimiter)) {
      if (limiter.bytesPerSecond() > 0) bytes = bytes.via(limiter.flow());
    }
    return bytes;
  }

  CompletionStage<Void> sendExpecting(java.util.function.Supplier<HttpRequest> request, Call call, int... expected) {
    return shared.transport.send(request, call).thenApply(response -> {
      int status = discard(response).status().intValue();
      for (int ok : expected) if (status == ok) return null;
      throw HttpTransport.failure(call.what(), response);
    });
  }

  HttpResponse discard(HttpResponse response) {
    return shared.transport.discard(response);
  }

  static DavException statusFailure(String what, HttpTransport.StrictResponse response) {
    return HttpTransport.failure(what, response);
  }

  static String etagOf(HttpResponse response) {
    Optional<HttpHeader> header = response.getHeader("OC-ETag");
    if (header.isEmpty()) header = response.getHeader("ETag");
    return header.map(h -> ETags.normalize(h.value())).orElse(null);
  }

  static String header(HttpResponse response, String name) {
    return response.getHeader(name).map(HttpHeader::value).orElse(null);
  }

  static Throwable unwrap(Throwable error) {
    return HttpTransport.unwrap(error);
  }

  static <T> CompletionStage<T> recoverWith(
      CompletionStage<T> stage, Function<DavException, CompletionStage<T>> recovery) {
    return stage.handle((value, error) -> {
      if (error == null) return CompletableFuture.completedFuture(value);
      Throwable cause = unwrap(error);
      if (cause instanceof DavException dav) return recovery.apply(dav);
      return CompletableFuture.<T>failedFuture(cause);
    }).thenCompose(Function.identity());
  }

  /** Rethrows the cause of a failed stage so it reaches callers unwrapped. */
  static CompletionException rethrow(Throwable error) {
    return new CompletionException(unwrap(error));
  }
}
