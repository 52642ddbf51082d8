package io.ncsync.protocol.http;

import akka.actor.ActorSystem;
import akka.actor.Cancellable;
import akka.actor.ClassicActorSystemProvider;
import akka.event.LoggingAdapter;
import akka.http.javadsl.Http;
import akka.http.javadsl.HttpsConnectionContext;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.headers.Authorization;
import akka.http.javadsl.model.headers.HttpCookie;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.model.headers.SetCookie;
import akka.http.javadsl.settings.ConnectionPoolSettings;
import akka.http.scaladsl.model.EntityStreamSizeException;
import akka.pattern.CircuitBreaker;
import akka.pattern.CircuitBreakerOpenException;
import akka.pattern.Patterns;
import akka.stream.BoundedSourceQueue;
import akka.stream.Materializer;
import akka.stream.QueueOfferResult;
import akka.stream.ThrottleMode;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Everything one connection (one server, one account) shares, and the one place where requests are paced, retried and
 * cut off:
 *
 * <ul>
 *   <li>akka-http's client pool: HTTP/1.1 keep-alive, {@link TransportSettings#maxConnections()} connections. The pool
 *       never retries by itself; {@link RetryPolicy} decides.
 *   <li>Pacing: a queue drained through Akka Streams' {@code throttle} (only when {@link TransportSettings#requestsPerSecond()}
 *       is set), an adaptive {@link ConcurrencyWindow} (starting at 8, halved by 429 and 503, growing while answers are
 *       healthy) and {@code mapAsyncUnordered} (at most {@link TransportSettings#maxConcurrentRequests()} requests waiting for their
 *       response head). Retries queue again, so they are paced too.
 *   <li>Retries with exponential back-off and jitter, honouring {@code Retry-After} on 429, 503 and 423 (see
 *       {@link RetryPolicy} for what is retried).
 *   <li>An {@link CircuitBreaker} per connection: after {@link TransportSettings#breakerMaxFailures()} consecutive
 *       connection-level failures requests fail at once with TRANSPORT until the reset timeout lets a trial request
 *       through. Connection-level means no answer at all (refused, reset, timed out), or a 5xx (other than 501, 505,
 *       507) once 5xx answers came for {@link TransportSettings#breakerErrorPaths()} distinct paths within
 *       {@link TransportSettings#breakerErrorWindow()} (see {@link ServerErrorSpread}). A 4xx, or 5xx from fewer
 *       paths, fails its own request only: one bad document never stalls every library on the connection.
 *   <li>Authentication: Basic with the app password; when the server sets a session cookie, later requests send only
 *       the cookie (Nextcloud then skips hashing the app password on every request). A 401 to a cookie drops the jar
 *       and repeats the request once with Basic auth; servers that keep refusing cookies get Basic auth only. POST
 *       always uses Basic auth, because Nextcloud demands a CSRF token for POSTs authenticated by a session. After
 *       {@link TransportSettings#authFailuresBeforePause()} consecutive 401s the connection pauses: every request fails
 *       with UNAUTHORIZED without being sent, so a revoked app password cannot trip brute-force protection.
 *   <li>A shared {@link BandwidthLimiter} ({@link TransportSettings#bytesPerSecond()}) for transfers.
 * </ul>
 *
 * <p>Every response handed out must have its entity read or discarded: an unconsumed entity stalls its connection.
 */
public final class HttpTransport implements AutoCloseable {

  /** Who a request authenticates as. */
  public enum Auth {
    /** The connection's account (Basic or session cookie). */
    USER,
    /** No credentials at all (status.php, login flow). */
    ANONYMOUS
  }

  /**
   * One logical request.
   *
   * @param what    "METHOD thing" for messages; never a credential
   * @param timeout deadline for the response head of each attempt (a body sent with the request counts)
   * @param retry   what may be retried
   * @param auth    credentials to send
   */
  public record Call(String what, Duration timeout, RetryPolicy retry, Auth auth) {
    public static Call idempotent(String what, Duration timeout) {
      return new Call(what, timeout, RetryPolicy.IDEMPOTENT, Auth.USER);
    }

    public static Call unsafe(String what, Duration timeout) {
      return new Call(what, timeout, RetryPolicy.UNSAFE, Auth.USER);
    }

    public Call anonymous() {
      return new Call(what, timeout, retry, Auth.ANONYMOUS);
    }
  }

  /**
   * A response read completely (bounded).
   *
   * @param status  HTTP status
   * @param headers response headers
   * @param body    the entity bytes
   */
  public record StrictResponse(int status, List<HttpHeader> headers, byte[] body) {
    public Optional<String> header(String name) {
      return headers.stream().filter(h -> h.is(name.toLowerCase())).map(HttpHeader::value).findFirst();
    }
  }

  /**
   * @param timesTheServer the time to the response head tells the server's queue (a request without a large body: an
   *                       upload's time tells its size and the link)
   */
  private record Ticket(Supplier<CompletionStage<HttpResponse>> body, CompletableFuture<HttpResponse> result,
      boolean timesTheServer) {
    CompletionStage<Object> run() {
      try {
        body.get().whenComplete((response, error) -> {
          if (error != null) result.completeExceptionally(error);
          else result.complete(response);
        });
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
      // The slot is held until the response head arrives or the attempt fails.
      return result.handle((response, error) -> null);
    }
  }

  /** Runs {@code ticket} once the window has room; its answer then moves the window. */
  private CompletionStage<Object> runInWindow(Ticket ticket) {
    return window.acquire().thenCompose(go -> {
      long started = System.nanoTime();
      ticket.result().whenComplete((response, error) -> window.release(signalOf(response, error),
          ticket.timesTheServer() ? System.nanoTime() - started : -1));
      return ticket.run();
    });
  }

  /** 429 and 503 say the server is overloaded; an answer says it is healthy; no answer tells nothing about load. */
  private static ConcurrencyWindow.Signal signalOf(HttpResponse response, Throwable error) {
    int status = response != null ? response.status().intValue()
        : error != null && unwrap(error) instanceof ServerFailure failed ? failed.response.status().intValue() : -1;
    if (status == 429 || status == 503) return ConcurrencyWindow.Signal.OVERLOADED;
    return status > 0 ? ConcurrencyWindow.Signal.HEALTHY : ConcurrencyWindow.Signal.NEUTRAL;
  }

  /** The requests this connection lets be in flight now (the adaptive window). */
  public int window() {
    return window.limit();
  }

  private static final int COOKIE_FAILURES_BEFORE_GIVING_UP = 3;

  private final Http http;
  private final Materializer materializer;
  private final ActorSystem system;
  private final ConnectionPoolSettings pool;
  private final HttpsConnectionContext https;
  private final LoggingAdapter log;
  private final TransportSettings settings;
  private final String loginName;
  private final RequestTimings timings;
  private final Authorization basic;
  private final CircuitBreaker breaker;
  private final ServerErrorSpread serverErrors;
  private final BoundedSourceQueue<Ticket> tickets;
  private final ConcurrencyWindow window;
  private final BandwidthLimiter bandwidth;

  private final Map<String, String> cookies = new ConcurrentHashMap<>();
  private final AtomicInteger cookieFailures = new AtomicInteger();
  private volatile boolean cookiesEnabled;
  private final AtomicInteger consecutiveAuthFailures = new AtomicInteger();
  private volatile long pausedUntilNanos;
  private volatile boolean paused;
  private final AtomicLong exchanges = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();

  private HttpTransport(ClassicActorSystemProvider provider, String loginName, String password, TransportSettings settings) {
    this.system = provider.classicSystem();
    this.settings = settings;
    this.loginName = loginName;
    this.basic = Authorization.basic(loginName, password);
    this.http = Http.get(system);
    this.materializer = Materializer.matFromSystem(system);
    this.https = http.defaultClientHttpsContext();
    this.log = system.log();
    this.cookiesEnabled = settings.sessionCookies();
    this.pool = ConnectionPoolSettings.create(system)
        .withMaxConnections(settings.maxConnections())
        // A power of two, as akka-http requires; the pacing queue in front bounds what reaches the pool.
        .withMaxOpenRequests(Math.max(32, Integer.highestOneBit(settings.maxConcurrentRequests() * 2 - 1) * 2))
        .withMaxRetries(0)
        .withKeepAliveTimeout(scala(settings.keepAliveTimeout()))
        // We subscribe at once; the default 1 s only bites when a dispatcher is busy.
        .withResponseEntitySubscriptionTimeout(scala(Duration.ofSeconds(10)));
    // A zero call timeout means none: transfers run for minutes, and each attempt has its own deadline anyway.
    this.breaker = CircuitBreaker.create(system.scheduler(), settings.breakerMaxFailures(), Duration.ZERO,
            settings.breakerResetTimeout())
        .withExponentialBackoff(settings.breakerMaxResetTimeout());
    this.serverErrors = ServerErrorSpread.of(settings);
    this.window = new ConcurrencyWindow(settings.maxConcurrentRequests());
    this.timings = RequestTimings.get(akka.actor.typed.javadsl.Adapter.toTyped(system));
    Source<Ticket, BoundedSourceQueue<Ticket>> queue = Source.queue(settings.maxQueuedRequests());
    if (settings.requestsPerSecond() > 0) {
      queue = queue.throttle(settings.requestsPerSecond(), Duration.ofSeconds(1), settings.burst(), t -> 1,
          ThrottleMode.shaping());
    }
    this.tickets = queue.mapAsyncUnordered(settings.maxConcurrentRequests(), this::runInWindow)
        .to(Sink.ignore())
        .run(materializer);
    this.bandwidth = BandwidthLimiter.create(system, settings.bytesPerSecond());
  }

  /** A transport for one account on one server. The password is kept only inside the Authorization header. */
  public static HttpTransport create(
      ClassicActorSystemProvider system, String loginName, String password, TransportSettings settings) {
    return new HttpTransport(system, loginName, password, settings);
  }

  public TransportSettings settings() {
    return settings;
  }

  public String loginName() {
    return loginName;
  }

  public ActorSystem system() {
    return system;
  }

  public Materializer materializer() {
    return materializer;
  }

  /** This connection's bandwidth limit, shared by all its transfers. */
  public BandwidthLimiter bandwidth() {
    return bandwidth;
  }

  /** HTTP exchanges started so far (retries included, requests refused locally excluded). */
  public long exchanges() {
    return exchanges.get();
  }

  /** Attempts that were repeats of an earlier one. */
  public long retries() {
    return retries.get();
  }

  /** True while the circuit breaker fails requests without sending them. */
  public boolean circuitOpen() {
    return breaker.isOpen();
  }

  /** True while repeated 401s keep the connection from sending anything. */
  public boolean authenticationPaused() {
    return paused && System.nanoTime() < pausedUntilNanos;
  }

  /** Lifts an authentication pause, e.g. after the user entered a new app password elsewhere. */
  public void resumeAuthentication() {
    paused = false;
    consecutiveAuthFailures.set(0);
  }

  /** Whether a session cookie is currently kept (and sent instead of Basic auth). */
  public boolean hasSessionCookie() {
    return cookiesEnabled && !cookies.isEmpty();
  }

  /** Drops the kept session cookies; the next request authenticates with Basic auth again. */
  public void forgetSession() {
    cookies.clear();
  }

  @Override
  public void close() {
    tickets.complete();
    bandwidth.close();
  }

  // ---- Sending -----------------------------------------------------------------------------------------------------

  /**
   * Sends a request, retrying as {@link Call#retry()} allows. {@code request} is asked for a fresh request per attempt
   * (a streamed entity can be sent only once). Completes with the response of the last attempt, whatever its status:
   * the caller classifies it (see {@link #failure}) and must consume or discard its entity. Fails with a
   * {@link DavException} only when no answer came (TRANSPORT), the breaker is open (TRANSPORT) or authentication is
   * paused (UNAUTHORIZED).
   */
  public CompletionStage<HttpResponse> send(Supplier<HttpRequest> request, Call call) {
    return attempt(request, call, 1, false);
  }

  /**
   * Like {@link #send} and reads the entity within {@link Call#timeout()}, failing with MALFORMED_RESPONSE as soon as
   * more than {@code maxBytes} arrived. The limit is ours alone: akka-http's own ({@code toStrict} stops at
   * {@code akka.http.parsing.max-to-strict-bytes}, 8 MiB) is lifted so that it never decides instead.
   */
  public CompletionStage<StrictResponse> sendStrict(Supplier<HttpRequest> request, Call call, long maxBytes) {
    return send(request, call).thenCompose(response -> ByteLimit.apply(
                response.entity().withoutSizeLimit().getDataBytes(), maxBytes,
                received -> new DavException(DavError.MALFORMED_RESPONSE, response.status().intValue(),
                    call.what() + ": response body larger than the limit of " + maxBytes + " bytes"))
            .completionTimeout(call.timeout())
            .runFold(ByteString.emptyByteString(), ByteString::concat, materializer)
            .thenApply(body -> new StrictResponse(response.status().intValue(), headersOf(response), body.toArray())))
        .handle((strict, error) -> {
          if (error != null) throw new CompletionException(asDav(call.what(), error));
          return strict;
        });
  }

  private static List<HttpHeader> headersOf(HttpResponse response) {
    List<HttpHeader> headers = new java.util.ArrayList<>();
    response.getHeaders().forEach(headers::add);
    return List.copyOf(headers);
  }

  private CompletionStage<HttpResponse> attempt(Supplier<HttpRequest> supplier, Call call, int attempt, boolean basicOnly) {
    if (call.auth() == Auth.USER && authenticationPaused()) {
      return CompletableFuture.failedFuture(new DavException(DavError.UNAUTHORIZED, 401, call.what()
          + ": not sent: the connection is paused after " + settings.authFailuresBeforePause()
          + " refused logins in a row (check the app password)"));
    }
    HttpRequest base;
    try {
      base = supplier.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    boolean useCookie = call.auth() == Auth.USER && !basicOnly && cookiesEnabled && !cookies.isEmpty()
        && !base.method().equals(HttpMethods.POST);
    HttpRequest request = authenticate(base, call, useCookie);
    if (attempt > 1) retries.incrementAndGet();
    String path = troubleKey(request);
    return enqueue(() -> breaker.callWithCircuitBreakerCS(
            () -> exchange(request, call).thenApply(response -> failOnServerTrouble(response, path))),
            smallBody(request))
        .handle((response, error) -> {
          // A 5xx travelled through the breaker as a failure (so that it counts); here it is a response again.
          if (error != null && unwrap(error) instanceof ServerFailure failed) return afterResponse(
              supplier, call, attempt, basicOnly, useCookie, failed.response);
          if (error != null) return afterFailure(supplier, call, attempt, basicOnly, error);
          return afterResponse(supplier, call, attempt, basicOnly, useCookie, response);
        })
        .thenCompose(Function.identity());
  }

  private CompletionStage<HttpResponse> afterFailure(
      Supplier<HttpRequest> supplier, Call call, int attempt, boolean basicOnly, Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof CircuitBreakerOpenException open) {
      return CompletableFuture.failedFuture(new DavException(DavError.TRANSPORT, 0, call.what()
          + ": not sent: the server failed " + settings.breakerMaxFailures()
          + " times in a row (no answer, or server errors on many paths); next try in "
          + open.remainingDuration().toSeconds() + " s", cause));
    }
    DavException dav = asDav(call.what(), cause);
    boolean transientFailure = dav.error() == DavError.TRANSPORT && !(cause instanceof LocallyRefused);
    boolean mayRepeat = call.retry() == RetryPolicy.IDEMPOTENT || neverReachedServer(cause);
    if (transientFailure && mayRepeat && attempt < settings.maxAttempts()) {
      return later(backoff(attempt), () -> attempt(supplier, call, attempt + 1, basicOnly));
    }
    return CompletableFuture.failedFuture(dav);
  }

  private CompletionStage<HttpResponse> afterResponse(Supplier<HttpRequest> supplier, Call call, int attempt,
      boolean basicOnly, boolean usedCookie, HttpResponse response) {
    int status = response.status().intValue();
    if (status == 401 && call.auth() == Auth.USER) {
      if (usedCookie) {
        // The session expired (or the server does not take cookies): once more with Basic auth.
        discard(response);
        cookies.clear();
        if (cookieFailures.incrementAndGet() >= COOKIE_FAILURES_BEFORE_GIVING_UP) cookiesEnabled = false;
        return attempt(supplier, call, attempt, true);
      }
      authenticationFailed();
      return CompletableFuture.completedFuture(response);
    }
    if (call.auth() == Auth.USER && status != 429 && status < 500) {
      consecutiveAuthFailures.set(0);
      if (usedCookie) cookieFailures.set(0);
      keepCookies(response);
    }
    // A 423 that says when to come back was refused before acting, like a 429 (PROTOCOL.md §8, lesson 9); one that
    // does not is a lock of unknown length: the caller decides (our own stale locks, an assembly still running).
    boolean lockedForAWhile = status == 423 && retryAfter(response).isPresent();
    if ((call.retry().retriesStatus(status) || lockedForAWhile) && attempt < settings.maxAttempts()) {
      Optional<Duration> retryAfter = retryAfter(response);
      if (retryAfter.isPresent() && retryAfter.get().compareTo(settings.maxRetryAfter()) > 0) {
        return CompletableFuture.completedFuture(response); // too long to wait here: the caller reschedules
      }
      discard(response);
      Duration delay = retryAfter.map(d -> d.isZero() ? backoff(attempt) : d).orElseGet(() -> backoff(attempt));
      return later(delay, () -> attempt(supplier, call, attempt + 1, basicOnly));
    }
    return CompletableFuture.completedFuture(response);
  }

  private void authenticationFailed() {
    if (consecutiveAuthFailures.incrementAndGet() >= settings.authFailuresBeforePause()) {
      pausedUntilNanos = System.nanoTime() + settings.authPause().toNanos();
      paused = true;
      log.warning("{} refused logins in a row for {}: pausing the connection for {} s",
          consecutiveAuthFailures.get(), loginName, settings.authPause().toSeconds());
    }
  }

  private HttpRequest authenticate(HttpRequest request, Call call, boolean useCookie) {
    HttpRequest out = request;
    if (request.getHeader("User-Agent").isEmpty()) out = out.addHeader(RawHeader.create("User-Agent", settings.userAgent()));
    if (call.auth() == Auth.ANONYMOUS) return out;
    if (useCookie) {
      String cookieHeader = cookies.entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining("; "));
      return out.addHeader(RawHeader.create("Cookie", cookieHeader));
    }
    return out.addHeader(basic);
  }

  private void keepCookies(HttpResponse response) {
    if (!cookiesEnabled) return;
    for (SetCookie header : response.getHeaders(SetCookie.class)) {
      HttpCookie cookie = header.cookie();
      boolean expired = (cookie.getMaxAge().isPresent() && cookie.getMaxAge().getAsLong() <= 0)
          || cookie.getExpires().map(t -> t.clicks() < System.currentTimeMillis()).orElse(false)
          || cookie.value().isEmpty() || cookie.value().equals("deleted");
      if (expired) cookies.remove(cookie.name());
      else cookies.put(cookie.name(), cookie.value());
    }
  }

  /** A request whose body (if any) is known and small: its time to an answer is the server's, not the transfer's. */
  private static boolean smallBody(HttpRequest request) {
    java.util.OptionalLong length = request.entity().getContentLengthOption();
    return length.isPresent() && length.getAsLong() <= SMALL_BODY;
  }

  private static final long SMALL_BODY = 64 * 1024;

  /** Takes a turn in the pacing queue; the body runs when the rate and concurrency limits allow. */
  private CompletionStage<HttpResponse> enqueue(Supplier<CompletionStage<HttpResponse>> body, boolean timesTheServer) {
    Ticket ticket = new Ticket(body, new CompletableFuture<>(), timesTheServer);
    QueueOfferResult offered = tickets.offer(ticket);
    if (offered == QueueOfferResult.enqueued()) return ticket.result;
    String reason = offered == QueueOfferResult.dropped()
        ? "more than " + settings.maxQueuedRequests() + " requests are waiting on this connection"
        : "the connection is closed";
    return CompletableFuture.failedFuture(new LocallyRefused(reason));
  }

  /** One exchange with a deadline for the response head; a late response is discarded so its connection is freed. */
  private CompletionStage<HttpResponse> exchange(HttpRequest request, Call call) {
    exchanges.incrementAndGet();
    CompletableFuture<HttpResponse> result = new CompletableFuture<>();
    Duration timeout = call.timeout();
    Cancellable deadline = system.scheduler().scheduleOnce(timeout,
        () -> result.completeExceptionally(new DavException(DavError.TRANSPORT, 0,
            call.what() + ": no answer within " + timeout.toMillis() + " ms")),
        system.dispatcher());
    long started = System.nanoTime();
    http.singleRequest(request, https, pool, log).whenComplete((response, error) -> {
      deadline.cancel();
      timings.answered(settings.metricsOwner(), request.method().value(), response == null ? 0 : response.status().intValue(),
          System.nanoTime() - started);
      if (error != null) result.completeExceptionally(foreignAbort(call, error));
      else if (!result.complete(response)) discard(response);
    });
    return result;
  }

  /**
   * Answers that mean "the server is in trouble" count as failures of the circuit breaker: a 5xx once such answers
   * are spread over several paths. (A zero call timeout, which transfers need, makes the breaker ignore a failure
   * predicate: only failed stages count.)
   */
  private HttpResponse failOnServerTrouble(HttpResponse response, String path) {
    int status = response.status().intValue();
    boolean serverError = status >= 500 && status != 501 && status != 505 && status != 507;
    if (serverError && serverErrors.recordAndCheck(path)) throw new ServerFailure(response);
    return response;
  }

  /**
   * Which document a request is about, for telling one document's 5xx from the server's: the Destination of a chunk
   * or MOVE (every chunk of one upload names the same file), else the request path.
   */
  private static String troubleKey(HttpRequest request) {
    return request.getHeader("Destination").map(HttpHeader::value).orElseGet(() -> request.getUri().path());
  }

  /** Carries a 5xx response through the circuit breaker as a failure. */
  private static final class ServerFailure extends RuntimeException {
    final HttpResponse response;

    ServerFailure(HttpResponse response) {
      super("server error " + response.status().intValue(), null, false, false);
      this.response = response;
    }
  }

  private <T> CompletionStage<T> later(Duration delay, java.util.concurrent.Callable<CompletionStage<T>> next) {
    return Patterns.after(delay, system.scheduler(), system.dispatcher(), next);
  }

  /** Exponential from {@link TransportSettings#backoffBase()}, capped, with jitter between half and the full delay. */
  public Duration backoff(int attempt) {
    long base = settings.backoffBase().toMillis();
    long max = settings.backoffMax().toMillis();
    long delay = Math.min(max, base << Math.min(20, attempt - 1));
    long half = delay / 2;
    return Duration.ofMillis(half + (half > 0 ? ThreadLocalRandom.current().nextLong(half + 1) : 0));
  }

  // ---- Classifying -------------------------------------------------------------------------------------------------

  /** Discards the entity so the connection returns to the pool; returns the response for chaining. */
  public HttpResponse discard(HttpResponse response) {
    response.discardEntityBytes(materializer);
    return response;
  }

  /** The DavException for an unexpected status, with the server's Retry-After when it sent one. */
  public static DavException failure(String what, HttpResponse response) {
    StatusCode status = response.status();
    int code = status.intValue();
    Duration retryAfter = retryAfter(response).orElse(null);
    String wait = retryAfter == null ? "" : " (retry after " + retryAfter.toSeconds() + " s)";
    return new DavException(DavException.classify(code), code, what + ": " + code + " " + status.reason() + wait, null,
        retryAfter);
  }

  /** The DavException for an unexpected status of a read response, with the server's Retry-After when it sent one. */
  public static DavException failure(String what, StrictResponse response) {
    int code = response.status();
    Duration retryAfter = response.header("Retry-After").flatMap(HttpTransport::parseRetryAfter).orElse(null);
    String wait = retryAfter == null ? "" : " (retry after " + retryAfter.toSeconds() + " s)";
    return new DavException(DavException.classify(code), code, what + ": " + code + wait, null, retryAfter);
  }

  /** Classifies a failure without an HTTP status: oversized bodies are the server's fault, the rest is transport. */
  /**
   * A request can fail with the error another transfer aborted its response with: akka-http's pool may give a request
   * the connection that the other's cancellation is closing. Our own exceptions come only from our own streams, so one
   * here is a closed connection to this request (TRANSPORT, repeated like one), not its own failure.
   */
  private static Throwable foreignAbort(Call call, Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof DavException other) {
        return new DavException(DavError.TRANSPORT, 0, call.what()
            + ": the connection closed under it (an earlier transfer on it was cut off: " + other.getMessage() + ")", error);
      }
    }
    return error;
  }

  public static DavException asDav(String what, Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof DavException dav) return dav;
    if (cause instanceof LocallyRefused refused) {
      return new DavException(DavError.TRANSPORT, 0, what + ": not sent: " + refused.getMessage(), cause);
    }
    if (cause instanceof EntityStreamSizeException) {
      return new DavException(DavError.MALFORMED_RESPONSE, 0, what + ": response body larger than allowed", cause);
    }
    if (cause instanceof TimeoutException) {
      return new DavException(DavError.TRANSPORT, 0, what + ": timed out: " + cause.getMessage(), cause);
    }
    return new DavException(DavError.TRANSPORT, 0,
        what + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
  }

  /** Retry-After as seconds or an HTTP date; absent when missing or unreadable. */
  public static Optional<Duration> retryAfter(HttpResponse response) {
    return response.getHeader("Retry-After").flatMap(h -> parseRetryAfter(h.value()));
  }

  static Optional<Duration> parseRetryAfter(String value) {
    String v = value.strip();
    try {
      long seconds = Long.parseLong(v);
      return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = DateTimeFormatter.RFC_1123_DATE_TIME.parse(v, Instant::from);
        Duration wait = Duration.between(Instant.now(), at);
        return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
      } catch (DateTimeParseException notADate) {
        return Optional.empty();
      }
    }
  }

  /** True when the connection could not even be opened: the server never saw the request. */
  static boolean neverReachedServer(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof UnknownHostException) return true;
      String message = t.getMessage();
      if (message != null && message.contains("Tcp command [Connect(")) return true;
    }
    return false;
  }

  public static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static scala.concurrent.duration.FiniteDuration scala(Duration duration) {
    return scala.concurrent.duration.FiniteDuration.create(duration.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The request was never sent because this side refused it (queue full, closed). */
  private static final class LocallyRefused extends RuntimeException {
    LocallyRefused(String message) {
      super(message, null, false, false);
    }
  }
}
