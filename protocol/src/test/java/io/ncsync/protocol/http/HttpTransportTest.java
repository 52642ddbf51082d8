package io.ncsync.protocol.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.DavEndpoint;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.RemoteStore;
import io.ncsync.protocol.UploadOptions;
import java.nio.file.Path;
import io.ncsync.protocol.nextcloud.NextcloudFeatures;
import io.ncsync.protocol.testing.nextcloud.NextcloudTestServer;
import io.ncsync.protocol.testing.nextcloud.RequestLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pacing, retries, the circuit breaker and authentication of one connection, against the Nextcloud test server. */
class HttpTransportTest {
  private static ActorSystem<Void> system;
  private static NextcloudTestServer server;

  /** Fast back-off so retry tests take milliseconds; Retry-After still decides when the server sends it. */
  private static final TransportSettings FAST = TransportSettings.defaults()
      .withRateLimit(1000, 100)
      .withRetries(4, Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(5));

  @BeforeAll
  static void start() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "transport-test");
    server = NextcloudTestServer.start();
  }

  @AfterAll
  static void stop() {
    if (system != null) system.terminate();
    if (server != null) server.close();
  }

  @BeforeEach
  void resetLog() {
    server.requests().reset();
  }

  @AfterEach
  void clearFaults() {
    server.faults().clear();
  }

  private static AkkaHttpRemoteStore store(String password, TransportSettings transport) {
    return AkkaHttpRemoteStore.create(system, new DavEndpoint(server.filesRoot(), server.loginName(), password),
            AkkaHttpRemoteStore.Settings.defaults().withTransport(transport))
        .withFeatures(NextcloudFeatures.allOn(server.baseUrl(), server.userId()));
  }

  @Test
  void tooManyRequestsWaitsForRetryAfter() throws Exception {
    RemoteStore store = store(server.appPassword(), FAST);
    server.faults().throttle(1, 1);
    long start = System.nanoTime();

    await(store.stat(""));

    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertTrue(elapsedMs >= 1000, "Retry-After: 1 honoured, waited " + elapsedMs + " ms");
    assertEquals(List.of(429, 207), statuses());
  }

  /** PROTOCOL.md §8, lesson 9: a 423 with Retry-After is waited out like a 429, even for a PUT. */
  @Test
  void lockedWithRetryAfterWaitsAndGoesAgain() throws Exception {
    RemoteStore store = store(server.appPassword(), FAST);
    Path file = java.nio.file.Files.createTempFile("locked", ".txt");
    java.nio.file.Files.writeString(file, "content");
    server.faults().lockedBriefly(1, 1);
    long start = System.nanoTime();

    await(store.upload("locked-briefly.txt", file, UploadOptions.createOnly()));

    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertTrue(elapsedMs >= 1000, "Retry-After: 1 honoured, waited " + elapsedMs + " ms");
    assertEquals(List.of(423, 201), statuses());
  }

  /** Issue 12: the adaptive window halves under 429 and grows back while answers are healthy. */
  @Test
  void theWindowShrinksUnderThrottlingAndGrowsBack() throws Exception {
    AkkaHttpRemoteStore store = store(server.appPassword(), FAST.withRateLimit(0, 100));
    HttpTransport transport = store.transport();
    assertEquals(8, transport.window());
    server.faults().throttle(3, 0);

    await(store.stat(""));

    assertEquals(2, transport.window(), "three 429s halve it to 1 (8, 4, 2, 1); the healthy answer after them adds 1");
    for (int i = 0; i < 60; i++) await(store.stat(""));
    assertTrue(transport.window() >= 8, "healthy answers grow it back: " + transport.window());
  }

  /** Issue 12: a server that queues instead of refusing answers slower; the window shrinks before any 429. */
  @Test
  void theWindowShrinksWhenTheServerQueuesRequests() throws Exception {
    AkkaHttpRemoteStore store = store(server.appPassword(), FAST.withRateLimit(0, 100));
    HttpTransport transport = store.transport();
    server.faults().queueing(Duration.ofMillis(20));
    for (int i = 0; i < 40; i++) await(store.stat("")); // one at a time: the server's own time, no queue
    int before = transport.window();
    assertTrue(before >= 8, "healthy answers: " + before);

    List<java.util.concurrent.CompletableFuture<?>> burst = new java.util.ArrayList<>();
    for (int i = 0; i < 200; i++) burst.add(store.stat("").toCompletableFuture());
    java.util.concurrent.CompletableFuture<Void> all =
        java.util.concurrent.CompletableFuture.allOf(burst.toArray(new java.util.concurrent.CompletableFuture<?>[0]));
    int smallest = before;
    while (!all.isDone()) { // the window while the queue lasts (its last answers find it shorter and grow it again)
      smallest = Math.min(smallest, transport.window());
      Thread.sleep(2);
    }
    all.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertTrue(smallest <= before / 2, "with " + before + " in flight each waits " + before + " times as long: the "
        + "window shrinks though every answer was 207: at least to " + smallest);
    assertTrue(server.requests().entries().stream().noneMatch(e -> e.status() == 429 || e.status() == 503));

    server.faults().queueing(Duration.ZERO);
    for (int i = 0; i < 400; i++) await(store.stat(""));
    assertTrue(transport.window() >= 8, "a fast server again: it grows back: " + transport.window());
  }

  @Test
  void retryAfterBeyondTheCapIsHandedToTheCaller() throws Exception {
    RemoteStore store = store(server.appPassword(), FAST);
    server.faults().throttle(1, 3600);

    DavException e = failure(store.stat(""));

    assertEquals(DavError.TOO_MANY_REQUESTS, e.error());
    assertEquals(Duration.ofHours(1), e.retryAfter().orElseThrow());
    assertEquals(1, server.requests().count());
  }

  @Test
  void serviceUnavailableIsRetried() throws Exception {
    RemoteStore store = store(server.appPassword(), FAST);
    server.faults().serviceUnavailable(2, 0);

    await(store.stat(""));

    assertEquals(List.of(503, 503, 207), statuses());
  }

  @Test
  void serverErrorsAreRetriedWithBackoffUntilAttemptsRunOut() throws Exception {
    RemoteStore store = store(server.appPassword(), FAST);
    server.faults().errorRate(1.0);

    DavException e = failure(store.stat(""));

    assertEquals(DavError.SERVER_ERROR, e.error());
    assertEquals(4, server.requests().count(), "maxAttempts = 4");
  }

  /**
   * PROTOCOL.md §8, lesson 9: without Retry-After the wait doubles per attempt, up to the cap, with jitter (a random
   * point in the upper half), so clients that failed together do not come back together.
   */
  @Test
  void backoffDoublesUpToTheCapWithJitter() {
    AkkaHttpRemoteStore store = store(server.appPassword(),
        FAST.withRetries(8, Duration.ofMillis(100), Duration.ofMillis(1600), Duration.ofSeconds(5)));
    HttpTransport transport = store.transport();
    for (int attempt = 1; attempt <= 7; attempt++) {
      long full = Math.min(1600, 100L << (attempt - 1));
      java.util.Set<Long> seen = new java.util.HashSet<>();
      for (int i = 0; i < 200; i++) {
        long ms = transport.backoff(attempt).toMillis();
        assertTrue(ms >= full / 2 && ms <= full, "attempt " + attempt + ": " + ms + " ms outside [" + full / 2 + ", " + full + "]");
        seen.add(ms);
      }
      assertTrue(seen.size() > 10, "attempt " + attempt + ": jittered, not one value: " + seen);
    }
  }

  @Test
  void moveIsNotRepeatedAfterAServerError() throws Exception {
    RemoteStore store = store(server.appPassword(), FAST);
    await(store.mkdirs("move-once"));
    server.requests().reset();
    server.faults().errorRate(1.0);

    assertEquals(DavError.SERVER_ERROR, failure(store.move("move-once", "moved", false)).error());

    assertEquals(1, server.requests().count("MOVE"), "MOVE may have acted: never repeated blindly");
  }

  @Test
  void circuitBreakerOpensAndLaterLetsATrialThrough() throws Exception {
    AkkaHttpRemoteStore store = store(server.appPassword(), FAST
        .withRetries(1, Duration.ofMillis(10), Duration.ofMillis(10), Duration.ZERO)
        .withCircuitBreaker(3, Duration.ofMillis(500), Duration.ofSeconds(5)));
    server.faults().errorRate(1.0);
    // 5xx count once they come from 3 distinct paths: "a" and "b" do not, "c", "d" and "e" open the breaker.
    for (String path : List.of("a", "b", "c", "d", "e")) {
      assertEquals(DavError.SERVER_ERROR, failure(store.stat(path)).error());
    }

    DavException fast = failure(store.stat(""));

    assertEquals(DavError.TRANSPORT, fast.error());
    assertTrue(fast.getMessage().contains("not sent"), fast.getMessage());
    assertTrue(store.transport().circuitOpen());
    assertEquals(5, server.requests().count(), "the open breaker sends nothing");

    server.faults().clear();
    Thread.sleep(600);
    await(store.stat(""));
    assertFalse(store.transport().circuitOpen());
  }

  @Test
  void oneDocumentFailingForeverNeverOpensTheBreaker() throws Exception {
    AkkaHttpRemoteStore store = store(server.appPassword(), FAST
        .withCircuitBreaker(3, Duration.ofSeconds(30), Duration.ofSeconds(30)));
    await(store.mkdirs("breaker-one-path"));
    server.faults().serverErrorOn("/breaker-one-path/broken.txt");
    server.requests().reset();

    for (int i = 0; i < 10; i++) {
      assertEquals(DavError.SERVER_ERROR, failure(store.stat("breaker-one-path/broken.txt")).error());
    }
    for (int i = 0; i < 10; i++) {
      assertEquals(DavError.NOT_FOUND, failure(store.stat("breaker-one-path/missing-" + i)).error());
    }

    assertFalse(store.transport().circuitOpen(), "one bad document and many 4xx fail their requests only");
    assertEquals(40 + 10, server.requests().count(), "every attempt reached the server (4 per broken stat)");
    await(store.stat("breaker-one-path"));
  }

  @Test
  void aDeadServerOpensTheBreaker() throws Exception {
    int deadPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      deadPort = socket.getLocalPort();
    }
    AkkaHttpRemoteStore dead = AkkaHttpRemoteStore.create(system,
        new DavEndpoint(java.net.URI.create("http://127.0.0.1:" + deadPort + "/remote.php/dav/files/u/"), "u", "p"),
        AkkaHttpRemoteStore.Settings.defaults().withTransport(FAST
            .withRetries(1, Duration.ofMillis(10), Duration.ofMillis(10), Duration.ZERO)
            .withCircuitBreaker(3, Duration.ofSeconds(30), Duration.ofSeconds(30))));

    for (int i = 0; i < 3; i++) {
      DavException refused = failure(dead.stat("same-path"));
      assertEquals(DavError.TRANSPORT, refused.error());
      assertFalse(refused.getMessage().contains("not sent"), refused.getMessage());
    }

    assertTrue(dead.transport().circuitOpen(), "refused connections are the server's trouble, whatever the path");
    assertTrue(failure(dead.stat("other")).getMessage().contains("not sent"));
  }

  @Test
  void refusedLoginsAreNeverRetriedAndPauseTheConnection() throws Exception {
    AkkaHttpRemoteStore intruder = store("wrong-app-password", FAST.withAuthPause(3, Duration.ofMinutes(5)));
    for (int i = 0; i < 3; i++) {
      DavException e = failure(intruder.stat(""));
      assertEquals(DavError.UNAUTHORIZED, e.error());
      assertEquals(401, e.status());
    }
    assertEquals(3, server.requests().count(), "one request per call: 401 is never retried");

    DavException paused = failure(intruder.stat(""));
    assertEquals(DavError.UNAUTHORIZED, paused.error());
    assertTrue(paused.getMessage().contains("paused"), paused.getMessage());
    assertEquals(3, server.requests().count(), "a paused connection sends nothing");
    assertTrue(intruder.transport().authenticationPaused());

    intruder.transport().resumeAuthentication();
    assertEquals(DavError.UNAUTHORIZED, failure(intruder.stat("")).error());
    assertEquals(4, server.requests().count());
  }

  @Test
  void sessionCookieReplacesBasicAuthAndIsRenewedWhenItExpires() throws Exception {
    AkkaHttpRemoteStore store = store(server.appPassword(), FAST);
    await(store.stat(""));
    assertTrue(store.transport().hasSessionCookie(), "the server's session cookie is kept");
    for (int i = 0; i < 5; i++) await(store.stat(""));
    assertEquals(6, server.requests().count(e -> e.status() == 207));

    // Only requests carrying nothing but the cookie are refused once the server forgets its sessions.
    server.expireSessions();
    server.requests().reset();
    await(store.stat(""));
    assertEquals(List.of(401, 207), statuses(), "the cookie was refused, Basic auth then worked");
    assertTrue(store.transport().hasSessionCookie(), "and a new session cookie is kept");
    await(store.stat(""));
    assertEquals(List.of(401, 207, 207), statuses());
    assertEquals(0, server.faults().failedLogins(), "an expired session is no failed login");
  }

  @Test
  void requestRateIsLimited() throws Exception {
    RemoteStore store = store(server.appPassword(), FAST.withRateLimit(10, 1));
    long start = System.nanoTime();
    List<CompletableFuture<?>> calls = new ArrayList<>();
    for (int i = 0; i < 11; i++) calls.add(store.stat("").toCompletableFuture());
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertTrue(elapsedMs >= 900, "11 requests at 10/s took " + elapsedMs + " ms");
  }

  @Test
  void retryAfterIsReadAsSecondsOrHttpDate() {
    assertEquals(Duration.ofSeconds(120), HttpTransport.parseRetryAfter("120").orElseThrow());
    assertTrue(HttpTransport.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT").orElseThrow().isZero(), "a past date");
    assertTrue(HttpTransport.parseRetryAfter("soon").isEmpty());
    assertTrue(HttpTransport.parseRetryAfter("-5").isEmpty());
  }

  // ---- helpers -----------------------------------------------------------------------------------------------------

  private static List<Integer> statuses() {
    return server.requests().entries().stream().map(RequestLog.Entry::status).toList();
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    try {
      return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) throw cause;
      throw e;
    }
  }

  private static DavException failure(CompletionStage<?> stage) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(30, TimeUnit.SECONDS));
    return assertInstanceOf(DavException.class, e.getCause(), String.valueOf(e.getCause()));
  }
}
