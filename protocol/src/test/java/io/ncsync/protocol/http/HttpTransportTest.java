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
    for (int i = 0; i < 3; i++) assertEquals(DavError.SERVER_ERROR, failure(store.stat("")).error());

    DavException fast = failure(store.stat(""));

    assertEquals(DavError.TRANSPORT, fast.error());
    assertTrue(fast.getMessage().contains("not sent"), fast.getMessage());
    assertTrue(store.transport().circuitOpen());
    assertEquals(3, server.requests().count(), "the open breaker sends nothing");

    server.faults().clear();
    Thread.sleep(600);
    await(store.stat(""));
    assertFalse(store.transport().circuitOpen());
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
