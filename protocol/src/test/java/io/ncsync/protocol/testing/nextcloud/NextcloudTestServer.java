package io.ncsync.protocol.testing.nextcloud;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;

import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.RequestEntityAcceptances;
import akka.http.javadsl.model.ResponseEntity;
import akka.http.javadsl.settings.ParserSettings;
import akka.http.javadsl.settings.ServerSettings;
import akka.pattern.Patterns;
import akka.NotUsed;
import akka.stream.KillSwitches;
import akka.stream.Materializer;
import akka.stream.SharedKillSwitch;
import akka.stream.TLSProtocol;
import akka.stream.javadsl.BidiFlow;
import akka.stream.javadsl.TLSPlacebo;
import akka.stream.javadsl.Tcp;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small Nextcloud-compatible server for tests and benchmarks: akka-http (own ActorSystem) over a data folder laid
 * out like Nextcloud's ({@code <data>/<user>/files}, {@code files_versions}, {@code files_trashbin}, {@code uploads}).
 *
 * <p>It speaks the subset ncsync and the desktop client ({@code nextcloudcmd}) use, the way Nextcloud 30 answers it:
 * {@code status.php}; OCS capabilities, user, activity v2, files_lock; app-password Basic auth with a session cookie
 * accepted alone afterwards; the DAV files tree with stable fileids, ETags that change on every change and propagate
 * to every ancestor, conditional requests ({@code If-Match}, {@code If-None-Match}, the WebDAV {@code If} header),
 * {@code X-OC-MTime}, {@code OC-Checksum}, {@code X-Hash}; chunked upload v2; bulk upload; versions; trashbin. See
 * the endpoint classes for details and for what is left out.
 *
 * <p>{@link #faults()} switches misbehaviour on (errors, resets, latency, 429, 503, 507, maintenance, chunk-assembly
 * 423 and header-less 200, one path failing, and the broken promises of PROTOCOL.md §9: ignored If-None-Match and
 * If-Match, MOVEs that leave folder ETags alone); {@link #requests()} counts every request. Requests are logged at DEBUG under this class's
 * logger, PROPFIND bodies at DEBUG under {@code FilesDav}.
 *
 * <p>Left out on purpose: Login Flow v2 and app-password conversion (401/403 only), shares, notify_push, DAV SEARCH
 * and REPORT (501), WebDAV class-2 locks (only files_lock's {@code X-User-Lock}), PATCH {@code X-Recalculate-Hash},
 * version expiry, restoring single items from inside a trashed folder, upload-folder expiry after 24 h, and
 * {@code Content-Length} on HEAD answers (akka-http does not render it; use PROPFIND). The chunked upload
 * sessions' Destination/total-length bookkeeping lives in memory (chunks on disk survive a restart).
 */
public final class NextcloudTestServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NextcloudTestServer.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String REALM = "Basic realm=\"Nextcloud\", charset=\"UTF-8\"";
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /**
   * How to start a server.
   *
   * @param userId       the user id in DAV paths
   * @param loginName    the name Basic auth expects (may differ from the user id)
   * @param appPassword  the only password accepted
   * @param port         0 = a free loopback port
   * @param dataDir      null = a temp folder deleted on close; otherwise kept, and the file index (fileids, ETags,
   *                     versions, trash, activities) is saved there on close and loaded on start
   * @param minChunkSize smallest chunk (all but the last) a chunked upload may have; Nextcloud documents 5 MiB
   * @param checksumsCapability publish {@code checksums.supportedTypes/preferredUploadType} in the capabilities
   *                     (Nextcloud's server does not; some compatible servers do)
   * @param maxChunkSize the chunk size published as {@code files.chunked_upload.max_size} (an admin's
   *                     {@code files.chunked_upload.max_size}); advice to clients, as in Nextcloud: only chunks above
   *                     5 GiB are refused
   */
  public record Options(String userId, String loginName, String appPassword, int port, Path dataDir,
                        boolean chunking, boolean bulkUpload, boolean activity, boolean versions, boolean trashbin,
                        boolean locking, long minChunkSize, boolean checksumsCapability, long maxChunkSize) {

    public static final long DEFAULT_MIN_CHUNK_SIZE = 5L << 20;

    public Options {
      Objects.requireNonNull(userId, "userId");
      Objects.requireNonNull(loginName, "loginName");
      Objects.requireNonNull(appPassword, "appPassword");
      if (userId.isEmpty() || userId.contains("/")) throw new IllegalArgumentException("invalid userId: " + userId);
      if (minChunkSize < 0) throw new IllegalArgumentException("minChunkSize must not be negative");
      if (maxChunkSize < 1) throw new IllegalArgumentException("maxChunkSize must be positive");
    }

    /** The documented shape without the additions (minChunkSize 5 MiB, no checksums capability). */
    public Options(String userId, String loginName, String appPassword, int port, Path dataDir, boolean chunking,
                   boolean bulkUpload, boolean activity, boolean versions, boolean trashbin, boolean locking) {
      this(userId, loginName, appPassword, port, dataDir, chunking, bulkUpload, activity, versions, trashbin, locking,
          DEFAULT_MIN_CHUNK_SIZE, false, UploadsDav.MAX_CHUNK_BYTES);
    }

    /** User "alice", login "alice", a random app password, a free port, a temp folder, every feature on. */
    public static Options defaults() {
      return new Options("alice", "alice", randomAppPassword(), 0, null, true, true, true, true, true, true,
          DEFAULT_MIN_CHUNK_SIZE, false, UploadsDav.MAX_CHUNK_BYTES);
    }

    public Options withUserId(String v) {
      return new Options(v, loginName, appPassword, port, dataDir, chunking,
          bulkUpload, activity, versions, trashbin, locking, minChunkSize, checksumsCapability, maxChunkSize);
    }

    public Options withLoginName(String v) {
      return new Options(userId, v, appPassword, port, dataDir, chunking,
          bulkUpload, activity, versions, trashbin, locking, minChunkSize, checksumsCapability, maxChunkSize);
    }

    public Options withAppPassword(String v) {
      return new Options(userId, loginName, v, port, dataDir, chunking,
          bulkUpload, activity, versions, trashbin, locking, minChunkSize, checksumsCapability, maxChunkSize);
    }

    public Options withPort(int v) {
      return new Options(userId, loginName, appPassword, v, dataDir, chunking,
          bulkUpload, activity, versions, trashbin, locking, minChunkSize, checksumsCapability, maxChunkSize);
    }

    public Options withDataDir(Path v) {
      return new Options(userId, loginName, appPassword, port, v, chunking,
          bulkUpload, activity, versions, trashbin, locking, minChunkSize, checksumsCapability, maxChunkSize);
    }

    public Options withChunking(boolean v) {
      return new Options(userId, loginName, appPassword, port, dataDir, v,
          bulkUpload, activity, versions, trashbin, locking, minChunkSize, checksumsCapability, maxChunkSize);
    }

    public Options withBulkUpload(boolean v) {
      return new Options(userId, loginName, appPassword, port, dataDir, chunking,
          v, activity, versions, trashbin, locking, minChunkSize, checksumsCapability, maxChunkSize);
    }

    public Options withActivity(boolean v) {
      return new Options(userId, loginName, appPassword, port, dataDir, chunking,
          bulkUpload, v, versions, trashbin, locking, minChunkSize, checksumsCapability, maxChunkSize);
    }

    public Options withVersions(boolean v) {
      return new Options(userId, loginName, appPassword, port, dataDir, chunking,
          bulkUpload, activity, v, trashbin, locking, minChunkSize, checksumsCapability, maxChunkSize);
    }

    public Options withTrashbin(boolean v) {
      return new Options(userId, loginName, appPassword, port, dataDir, chunking,
          bulkUpload, activity, versions, v, locking, minChunkSize, checksumsCapability, maxChunkSize);
    }

    public Options withLocking(boolean v) {
      return new Options(userId, loginName, appPassword, port, dataDir, chunking,
          bulkUpload, activity, versions, trashbin, v, minChunkSize, checksumsCapability, maxChunkSize);
    }

    public Options withMinChunkSize(long v) {
      return new Options(userId, loginName, appPassword, port, dataDir, chunking,
          bulkUpload, activity, versions, trashbin, locking, v, checksumsCapability, maxChunkSize);
    }

    public Options withChecksumsCapability(boolean v) {
      return new Options(userId, loginName, appPassword, port, dataDir, chunking,
          bulkUpload, activity, versions, trashbin, locking, minChunkSize, v, maxChunkSize);
    }

    public Options withMaxChunkSize(long v) {
      return new Options(userId, loginName, appPassword, port, dataDir, chunking,
          bulkUpload, activity, versions, trashbin, locking, minChunkSize, checksumsCapability, v);
    }

    @Override
    public String toString() {
      return "Options[user=" + userId + ", login=" + loginName + ", port=" + port + ", dataDir=" + dataDir
          + ", chunking=" + chunking + ", bulkUpload=" + bulkUpload + ", activity=" + activity + ", versions="
          + versions + ", trashbin=" + trashbin + ", locking=" + locking + ", minChunkSize=" + minChunkSize
          + ", checksumsCapability=" + checksumsCapability + ", maxChunkSize=" + maxChunkSize + "]";
    }
  }

  private final Options options;
  private final Path dataDir;
  private final boolean temporary;
  private final ActorSystem<Void> system;
  private final ExecutorService io;
  private final Store store;
  private final Faults faults = new Faults();
  private final RequestLog requests = new RequestLog();
  private final Map<String, String> sessions = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean appPasswordRevoked;
  private Tcp.ServerBinding binding;
  private URI baseUrl;
  private FilesDav files;
  private UploadsDav uploads;
  private VersionsDav versions;
  private TrashbinDav trashbin;
  private BulkUpload bulk;
  private Ocs ocs;
  private NotifyPush push;

  private NextcloudTestServer(Options options, Path dataDir, boolean temporary) throws IOException {
    this.options = options;
    this.dataDir = dataDir;
    this.temporary = temporary;
    this.system = ActorSystem.create(Behaviors.empty(), "nextcloud-test-server-" + INSTANCES.incrementAndGet(), config());
    this.io = Executors.newFixedThreadPool(16, runnable -> {
      Thread t = new Thread(runnable, "nextcloud-test-server-io");
      t.setDaemon(true);
      return t;
    });
    String displayName = Character.toUpperCase(options.userId().charAt(0)) + options.userId().substring(1);
    this.store = new Store(dataDir, options.userId(), displayName, options.versions(), options.trashbin(), faults::quota);
    store.activityEnabled(options.activity());
  }

  public static NextcloudTestServer start() throws Exception {
    return start(Options.defaults());
  }

  public static NextcloudTestServer start(Options options) throws Exception {
    if (!"UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding", "UTF-8"))) {
      log.warn("the JVM's file name encoding is {}, not UTF-8 (set LANG=C.UTF-8): non-ASCII names will fail",
          System.getProperty("sun.jnu.encoding"));
    }
    boolean temporary = options.dataDir() == null;
    Path dataDir = temporary ? Files.createTempDirectory("ncsync-nextcloud-") : Files.createDirectories(options.dataDir());
    NextcloudTestServer server = new NextcloudTestServer(options, dataDir, temporary);
    try {
      server.bind();
      return server;
    } catch (Exception e) {
      server.close();
      throw e;
    }
  }

  private static Config config() {
    return ConfigFactory.parseString("""
        akka.loglevel = "OFF"
        akka.stdout-loglevel = "OFF"
        akka.log-dead-letters = off
        akka.coordinated-shutdown.run-by-jvm-shutdown-hook = off
        akka.coordinated-shutdown.terminate-actor-system = on
        akka.http.server.server-header = ""
        akka.http.server.raw-request-uri-header = on
        akka.http.server.transparent-head-requests = off
        akka.http.server.request-timeout = 600 s
        akka.http.server.idle-timeout = 120 s
        akka.http.server.bind-timeout = 10 s
        akka.http.server.max-connections = 1024
        akka.http.server.parsing.max-content-length = infinite
        akka.http.server.parsing.max-uri-length = 16k
        akka.http.server.parsing.max-header-value-length = 16k
        akka.http.server.parsing.uri-parsing-mode = relaxed
        akka.http.server.parsing.illegal-header-warnings = off
        akka.http.server.parsing.ignore-illegal-header-for = ["if", "destination"]
        """).withFallback(ConfigFactory.load());
  }

  private void bind() throws Exception {
    Materializer mat = Materializer.matFromSystem(system);
    HttpMethod[] methods = {
        HttpMethods.custom("PROPFIND", true, true, RequestEntityAcceptances.Expected),
        HttpMethods.custom("PROPPATCH", false, true, RequestEntityAcceptances.Expected),
        HttpMethods.custom("MKCOL", false, true, RequestEntityAcceptances.Tolerated),
        HttpMethods.custom("MOVE", false, false, RequestEntityAcceptances.Tolerated),
        HttpMethods.custom("COPY", false, true, RequestEntityAcceptances.Tolerated),
        HttpMethods.custom("LOCK", false, false, RequestEntityAcceptances.Tolerated),
        HttpMethods.custom("UNLOCK", false, true, RequestEntityAcceptances.Tolerated),
        HttpMethods.custom("REPORT", true, true, RequestEntityAcceptances.Expected),
        HttpMethods.custom("SEARCH", true, true, RequestEntityAcceptances.Expected)};
    ServerSettings settings = ServerSettings.create(system.classicSystem())
        .withParserSettings(ParserSettings.forServer(system).withCustomMethods(methods));
    @SuppressWarnings({"unchecked", "rawtypes"})
    BidiFlow<TLSProtocol.SslTlsOutbound, ByteString, ByteString, TLSProtocol.SslTlsInbound, NotUsed> plainTcp =
        (BidiFlow) TLSPlacebo.getInstance();
    var layer = akka.http.javadsl.Http.get(system).serverLayer(settings).atop(plainTcp).reversed();
    binding = Tcp.get(system).bind("127.0.0.1", options.port(), 1024, List.of(), false, Optional.of(Duration.ofSeconds(120)))
        .to(Sink.foreach(connection -> {
          // One request at a time per connection (HTTP/1.1 without pipelining). The kill switch on the bytes going
          // out lets a reset fault abort the TCP connection without any answer: akka-http itself would send a 500.
          SharedKillSwitch kill = KillSwitches.shared("connection");
          Flow<HttpRequest, HttpResponse, NotUsed> handler =
              Flow.of(HttpRequest.class).mapAsync(1, request -> handle(request, kill));
          connection.handleWith(layer.join(handler).via(kill.flow()), mat);
        }))
        .run(mat)
        .toCompletableFuture().get(15, TimeUnit.SECONDS);
    baseUrl = URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/");
    Ctx ctx = new Ctx(options, store, faults, mat, io);
    files = new FilesDav(ctx);
    uploads = new UploadsDav(ctx, files);
    versions = new VersionsDav(ctx);
    trashbin = new TrashbinDav(ctx);
    bulk = new BulkUpload(ctx);
    ocs = new Ocs(ctx, baseUrl.toString());
    push = new NotifyPush(ctx);
    store.onChange(push::filesChanged);
  }

  // ---- Public API --------------------------------------------------------------------------------------------------

  /** How many notify_push websockets clients opened. */
  public int pushConnections() {
    return push.connections();
  }

  /** {@code http://127.0.0.1:PORT/} */
  public URI baseUrl() {
    return baseUrl;
  }

  /** {@code baseUrl + "remote.php/dav/files/" + userId + "/"} */
  public URI filesRoot() {
    return baseUrl.resolve("remote.php/dav/files/" + Paths.encode(options.userId()) + "/");
  }

  public String userId() {
    return options.userId();
  }

  public String loginName() {
    return options.loginName();
  }

  public String appPassword() {
    return options.appPassword();
  }

  public Options options() {
    return options;
  }

  /** The user's files on disk: what {@link #filesRoot()} serves. Changes made here are noticed on the next look. */
  public Path filesDir() {
    return store.filesDir;
  }

  /** The server's data folder (files, versions, trashbin, uploads, the saved index). */
  public Path dataDir() {
    return dataDir;
  }

  public Faults faults() {
    return faults;
  }

  public RequestLog requests() {
    return requests;
  }

  /** The file id of a path (relative to the user's root), or -1. */
  public long fileId(String path) {
    return store.fileIdOf(path);
  }

  /** The current ETag (unquoted) of a path, or null. */
  public String etag(String path) {
    Store.Entry e = store.stat(path);
    return e == null ? null : e.etag();
  }

  /**
   * {@code occ files:scan --path}: files written straight into {@link #filesDir()} below {@code path} (relative to the
   * user's root, "" for all) become visible, with new ETags up to the root and no activity, as on a real server.
   */
  public void scan(String path) {
    store.scan(path);
  }

  /** Sets {@code oc:data-fingerprint} of the root (as {@code occ maintenance:data-fingerprint} does after a restore). */
  public void dataFingerprint(String fingerprint) {
    store.dataFingerprint(fingerprint);
  }

  /** Forgets every session: requests with only a session cookie get 401 again. */
  public void expireSessions() {
    sessions.clear();
  }

  /** Puts an activity naming {@code path} (anything, "../x" included) into the stream, as a hostile server could. */
  public void injectActivity(String type, String path) {
    store.recordRaw(type, type.replace("file_", "") + "_self", 424242, path);
  }

  /** A files_lock lock on a path held by another user: writes to it answer 423. */
  public void lockByOtherUser(String path, String owner) {
    store.lock(path, owner, owner, 0);
  }

  /** Saves the file index to the data folder now (done on close anyway when the folder is not temporary). */
  public void saveIndex() {
    store.save();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    try {
      if (binding != null) binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("unbinding failed", e);
    }
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("actor system did not terminate in time", e);
    }
    io.shutdownNow();
    if (temporary) {
      Store.deleteRecursively(dataDir);
    } else {
      try {
        store.save();
      } catch (RuntimeException e) {
        log.warn("could not save the file index to {}", dataDir, e);
      }
      Store.deleteRecursively(store.stagingDir);
    }
  }

  @Override
  public String toString() {
    return "NextcloudTestServer[" + baseUrl + ", user=" + options.userId() + "]";
  }

  // ---- Request handling --------------------------------------------------------------------------------------------

  /** Thrown to drop a connection without an answer (reset fault). */
  private static final class ConnectionReset extends RuntimeException {
    ConnectionReset() {
      super("reset fault", null, false, false);
    }
  }

  private CompletionStage<HttpResponse> handle(HttpRequest request, SharedKillSwitch kill) {
    if (request.getUri().path().equals(NotifyPush.PATH) && faults.notifyPushOn()) {
      var upgraded = push.handle(request, Materializer.matFromSystem(system));
      if (upgraded.isPresent()) {
        requests.add(new RequestLog.Entry(Instant.now(), "GET", NotifyPush.PATH, "", 101, false, 0));
        return java.util.concurrent.CompletableFuture.completedFuture(upgraded.get());
      }
    }
    long start = System.nanoTime();
    Exchange ex = Exchange.of(request);
    List<HttpHeader> extra = new ArrayList<>();
    boolean statusPhp = ex.decodable() && ex.segments.equals(List.of("status.php"));
    boolean chunkPut = ex.method.equals("PUT") && ex.path().startsWith("/remote.php/dav/uploads/");
    if (chunkPut) requests.chunkPutStarted();
    if ("100-continue".equalsIgnoreCase(ex.header("Expect"))) requests.expectContinueAsked();
    CompletionStage<HttpResponse> result;
    Duration latency = statusPhp ? Duration.ZERO : faults.latency().plus(faults.queueDelay());
    if (latency.isZero()) {
      result = dispatchSafely(ex, extra);
    } else {
      result = Patterns.after(latency, system.classicSystem().scheduler(), system.executionContext(),
          () -> dispatchSafely(ex, extra));
    }
    return result.handle((response, error) -> {
      if (chunkPut) requests.chunkPutFinished();
      HttpResponse r = response != null ? response : errorResponse(ex, unwrap(error));
      if (!ex.bodyTaken) {
        ex.bodyTaken = true;
        request.discardEntityBytes(system);
      }
      if (!extra.isEmpty()) r = r.addHeaders(extra);
      boolean reset = !statusPhp && faults.rollReset();
      long millis = (System.nanoTime() - start) / 1_000_000;
      requests.add(new RequestLog.Entry(Instant.now(), ex.method, ex.path(), ex.rawQuery, r.status().intValue(), reset, millis));
      if (log.isDebugEnabled()) {
        log.debug("{} {}{} -> {}{} ({} ms)", ex.method, ex.path(), ex.rawQuery.isEmpty() ? "" : "?" + ex.rawQuery,
            r.status().intValue(), reset ? " RESET" : "", millis);
      }
      if (reset) return truncate(r, kill);
      return r;
    });
  }

  /** The answer cut off in its body, or no answer at all when it has none. */
  private HttpResponse truncate(HttpResponse response, SharedKillSwitch kill) {
    ResponseEntity entity = response.entity();
    long length = entity.getContentLengthOption().orElse(0);
    if (length <= 1) {
      entity.discardBytes(system);
      kill.abort(new ConnectionReset());
      throw new ConnectionReset();
    }
    long keep = length / 2;
    Source<ByteString, ?> half = entity.getDataBytes()
        .statefulMapConcat(() -> {
          long[] left = {keep};
          return bytes -> {
            if (left[0] <= 0) return List.of();
            ByteString taken = bytes.take((int) Math.min(bytes.size(), left[0]));
            left[0] -= taken.size();
            return List.of(taken);
          };
        })
        .concat(Source.failed(new ConnectionReset()));
    HttpEntity.Default cut = HttpEntities.create(entity.getContentType(), length, half);
    return response.withEntity(cut);
  }

  private CompletionStage<HttpResponse> dispatchSafely(Exchange ex, List<HttpHeader> extra) {
    try {
      return dispatch(ex, extra);
    } catch (Throwable t) {
      return CompletableFuture.failedFuture(t);
    }
  }

  private HttpResponse errorResponse(Exchange ex, Throwable error) {
    boolean ocsRequest = ex.decodable() && "ocs".equals(ex.segment(0));
    if (error instanceof Ocs.OcsError e) {
      List<HttpHeader> headers = e.httpStatus == 401 ? List.of(Http.header("WWW-Authenticate", REALM)) : List.of();
      return Ocs.failure(ex, e, headers, e.httpStatus == 401);
    }
    if (error instanceof DavError e) {
      if (ocsRequest) {
        // Maintenance, throttling, brute force and server errors are HTTP-level in v1 too (ocs/v1.php answers 503
        // itself in maintenance); only application failures become HTTP 200 with an OCS status code.
        boolean infrastructure = e.status == 401 || e.status == 429 || e.status >= 500;
        Ocs.OcsError ocsError = new Ocs.OcsError(e.status, e.status, e.getMessage());
        return Ocs.failure(ex, ocsError, List.of(), infrastructure);
      }
      return Http.davError(e);
    }
    log.warn("{} {} failed", ex.method, ex.path(), error);
    return Http.davError(DavError.of(500, "Sabre\\DAV\\Exception", "Internal Server Error: " + error));
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private CompletionStage<HttpResponse> dispatch(Exchange ex, List<HttpHeader> extra) {
    if (!ex.decodable()) throw DavError.badRequest("The request path is not valid percent-encoded UTF-8");
    List<String> s = ex.segments;
    if (s.equals(List.of("status.php"))) {
      return done(Http.json(200, json(Ocs.status(faults.inMaintenance())), List.of(Http.header("Access-Control-Allow-Origin", "*"))));
    }
    boolean ocsRequest = "ocs".equals(ex.segment(0)) && ("v1.php".equals(ex.segment(1)) || "v2.php".equals(ex.segment(1)));
    boolean remote = "remote.php".equals(ex.segment(0));
    if (!ocsRequest && !remote) {
      if (s.isEmpty() && ex.method.equals("GET")) {
        return done(Http.response(200, List.of(), HttpEntities.create(
            akka.http.javadsl.model.ContentTypes.TEXT_HTML_UTF8, "<html><body>Nextcloud test server</body></html>")));
      }
      throw DavError.notFound("Not found: " + ex.path());
    }

    if (faults.tooLarge(ex.request.entity().getContentLengthOption().orElse(0))) {
      return done(Http.response(413, List.of(), HttpEntities.create(akka.http.javadsl.model.ContentTypes.TEXT_HTML_UTF8,
          "<html><body><h1>413 Request Entity Too Large</h1></body></html>")));
    }
    if (faults.inMaintenance()) throw DavError.unavailable("System in maintenance mode.");
    int retryAfter = faults.takeThrottle();
    if (retryAfter >= 0) {
      return done(Http.xml(429, Xml.error(DavError.of(429, "OCA\\DAV\\Connector\\Sabre\\Exception\\TooManyRequests",
          "Too many requests")), List.of(Http.header("Retry-After", Integer.toString(retryAfter)))));
    }
    retryAfter = faults.takeLocked();
    if (retryAfter >= 0) {
      return done(Http.xml(423, Xml.error(DavError.locked("\"" + ex.path() + "\" is locked")),
          List.of(Http.header("Retry-After", Integer.toString(retryAfter)))));
    }
    retryAfter = faults.takeUnavailable();
    if (retryAfter >= 0) {
      return done(Http.xml(503, Xml.error(DavError.unavailable("Service unavailable")),
          List.of(Http.header("Retry-After", Integer.toString(retryAfter)))));
    }
    if (faults.rollError()) throw DavError.of(500, "Sabre\\DAV\\Exception", "Internal Server Error (fault)");
    if (faults.failsPath(ex.path())) throw DavError.of(500, "Sabre\\DAV\\Exception", "Internal Server Error (path fault)");
    if (faults.bruteForceBlocked()) {
      throw DavError.of(429, "OCA\\DAV\\Connector\\Sabre\\Exception\\TooManyRequests",
          "Too many requests: brute force protection");
    }

    Auth auth = authenticate(ex, extra);
    if (ocsRequest) return ocs.handle(ex, auth != Auth.NONE, auth == Auth.COOKIE);
    if (auth == Auth.NONE) {
      extra.add(Http.header("WWW-Authenticate", REALM));
      throw DavError.of(401, "Sabre\\DAV\\Exception\\NotAuthenticated",
          "No public access to this resource., No 'Authorization: Basic' header found, Either no credentials or wrong credentials were supplied");
    }
    return remote(ex, s);
  }

  private CompletionStage<HttpResponse> remote(Exchange ex, List<String> s) {
    String user = options.userId();
    String encodedUser = Paths.encode(user);
    String area = ex.segment(1);
    if ("webdav".equals(area)) return files.handle(ex, "/remote.php/webdav/", ex.rest(2));
    if (!"dav".equals(area)) throw DavError.notFound("Not found: " + ex.path());
    String collection = ex.segment(2);
    if ("bulk".equals(collection) && s.size() == 3) return bulk.handle(ex);
    if (collection == null || s.size() == 3) return davHome(ex, collection);
    if (!user.equals(ex.segment(3))) {
      throw DavError.notFound("Principal with name " + ex.segment(3) + " not found");
    }
    List<String> rest = s.subList(4, s.size());
    return switch (collection) {
      case "files" -> files.handle(ex, "/remote.php/dav/files/" + encodedUser + "/", ex.rest(4));
      case "uploads" -> uploads.handle(ex, "/remote.php/dav/uploads/" + encodedUser + "/", rest);
      case "versions" -> versions.handle(ex, "/remote.php/dav/versions/" + encodedUser + "/", rest);
      case "trashbin" -> trashbin.handle(ex, "/remote.php/dav/trashbin/" + encodedUser + "/", rest);
      default -> throw DavError.notFound("Not found: " + ex.path());
    };
  }

  /** {@code /remote.php/dav/} and {@code /remote.php/dav/<collection>/}: enough for a PROPFIND probe. */
  private CompletionStage<HttpResponse> davHome(Exchange ex, String collection) {
    if (ex.method.equals("OPTIONS")) return done(FilesDav.options());
    if (!ex.method.equals("PROPFIND")) throw DavError.methodNotAllowed(ex.method + " is not allowed here");
    String href = "/remote.php/dav/" + (collection == null ? "" : Paths.encode(collection) + "/");
    Xml.Multistatus ms = new Xml.Multistatus(true);
    ms.response(href, Map.of(Xml.QName.dav("resourcetype"), new Xml.Value("<d:collection/>")), List.of());
    return done(Http.xml(207, ms.build(), List.of()));
  }

  // ---- Authentication ----------------------------------------------------------------------------------------------

  private enum Auth { NONE, BASIC, COOKIE }

  /**
   * Basic auth with the login name and app password; or, without an Authorization header, the session cookie a
   * successful login handed out. Wrong credentials count as a failed login; a missing header does not.
   */
  private Auth authenticate(Exchange ex, List<HttpHeader> extra) {
    Map<String, String> cookies = cookies(ex);
    String sessionId = cookies.get(store.instanceId);
    boolean validSession = sessionId != null && !appPasswordRevoked
        && Objects.equals(sessions.get(sessionId), cookies.get("oc_sessionPassphrase"));
    String authorization = ex.header("Authorization");
    if (authorization != null) {
      spendAuthCost();
      if (!checkBasic(authorization)) {
        faults.loginFailed();
        return Auth.NONE;
      }
      faults.loginSucceeded();
      if (!validSession) newSession(extra);
      ex.user = options.userId();
      return Auth.BASIC;
    }
    if (validSession) {
      ex.user = options.userId();
      return Auth.COOKIE;
    }
    return Auth.NONE;
  }

  /** {@link Faults#authCost}: the CPU a PHP server spends hashing a Basic-auth password, as time. */
  private void spendAuthCost() {
    long millis = faults.authCostMillis();
    if (millis <= 0) return;
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean checkBasic(String authorization) {
    if (appPasswordRevoked || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) return false;
    try {
      String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      if (colon < 0) return false;
      return decoded.substring(0, colon).equals(options.loginName()) && decoded.substring(colon + 1).equals(options.appPassword());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private void newSession(List<HttpHeader> extra) {
    String id = randomToken(26);
    String passphrase = randomToken(32);
    sessions.put(id, passphrase);
    extra.add(Http.header("Set-Cookie", store.instanceId + "=" + id + "; path=/; secure; HttpOnly; SameSite=Lax"));
    extra.add(Http.header("Set-Cookie", "oc_sessionPassphrase=" + passphrase + "; path=/; secure; HttpOnly; SameSite=Lax"));
    extra.add(Http.header("Set-Cookie", "nc_sameSiteCookielax=true; path=/; httponly;secure; expires=Fri, 31-Dec-2100 23:59:59 GMT; SameSite=lax"));
    extra.add(Http.header("Set-Cookie", "nc_sameSiteCookiestrict=true; path=/; httponly;secure; expires=Fri, 31-Dec-2100 23:59:59 GMT; SameSite=strict"));
  }

  private static Map<String, String> cookies(Exchange ex) {
    Map<String, String> out = new java.util.HashMap<>();
    for (String header : ex.headers("Cookie")) {
      for (String pair : header.split(";")) {
        int eq = pair.indexOf('=');
        if (eq > 0) out.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
      }
    }
    return out;
  }

  // ---- Helpers -----------------------------------------------------------------------------------------------------

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  private static String json(Object value) {
    try {
      return new ObjectMapper().writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String randomToken(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static String randomAppPassword() {
    // Nextcloud app passwords: 72 characters in five dash-separated groups; any opaque string works the same here.
    String alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    StringBuilder out = new StringBuilder();
    for (int group = 0; group < 5; group++) {
      if (group > 0) out.append('-');
      for (int i = 0; i < 5; i++) out.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return out.toString();
  }

  /**
   * Runs a server until the process is killed: {@code --port N --data DIR --user U --login L --password P
   * [--no-chunking] [--no-bulk] [--no-activity] [--no-versions] [--no-trashbin] [--no-locking] [--min-chunk-size BYTES]
   * [--checksums-capability]}. Prints one line {@code NextcloudTestServer ready <baseUrl> user=<id> login=<login>
   * password=<pw> data=<dir>} once it listens.
   */
  public static void main(String[] args) throws Exception {
    Options o = Options.defaults();
    boolean minimal = false;
    long authCostMillis = 0;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--port" -> o = o.withPort(Integer.parseInt(args[++i]));
        case "--data" -> o = o.withDataDir(Path.of(args[++i]));
        case "--user" -> {
          String user = args[++i];
          boolean sameLogin = o.loginName().equals(o.userId());
          o = o.withUserId(user);
          if (sameLogin) o = o.withLoginName(user);
        }
        case "--login" -> o = o.withLoginName(args[++i]);
        case "--password" -> o = o.withAppPassword(args[++i]);
        case "--no-chunking" -> o = o.withChunking(false);
        case "--no-bulk" -> o = o.withBulkUpload(false);
        case "--no-activity" -> o = o.withActivity(false);
        case "--no-versions" -> o = o.withVersions(false);
        case "--no-trashbin" -> o = o.withTrashbin(false);
        case "--no-locking" -> o = o.withLocking(false);
        case "--min-chunk-size" -> o = o.withMinChunkSize(Long.parseLong(args[++i]));
        case "--checksums-capability" -> o = o.withChecksumsCapability(true);
        case "--minimal" -> minimal = true;
        case "--auth-cost-ms" -> authCostMillis = Long.parseLong(args[++i]);
        case "--help", "-h" -> {
          System.out.println("usage: NextcloudTestServer [--port N] [--data DIR] [--user U] [--login L] [--password P]"
              + " [--no-chunking] [--no-bulk] [--no-activity] [--no-versions] [--no-trashbin] [--no-locking]"
              + " [--min-chunk-size BYTES] [--checksums-capability] [--minimal] [--auth-cost-ms N]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown argument: " + arg);
      }
    }
    NextcloudTestServer server = start(o);
    if (minimal) server.faults().minimal(true);
    if (authCostMillis > 0) server.faults().authCost(java.time.Duration.ofMillis(authCostMillis));
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "nextcloud-test-server-shutdown"));
    System.out.println("NextcloudTestServer ready " + server.baseUrl() + " user=" + server.userId() + " login="
        + server.loginName() + " password=" + server.appPassword() + " data=" + server.dataDir());
    System.out.flush();
    server.system.getWhenTerminated().toCompletableFuture().get();
  }
}
