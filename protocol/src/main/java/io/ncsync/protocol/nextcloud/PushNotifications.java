package io.ncsync.protocol.nextcloud;

import akka.actor.ClassicActorSystemProvider;
import akka.actor.Cancellable;
import akka.http.javadsl.Http;
import akka.http.javadsl.model.ws.Message;
import akka.http.javadsl.model.ws.TextMessage;
import akka.http.javadsl.model.ws.WebSocketRequest;
import akka.stream.Materializer;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notify_push app's websocket, kept open: after the login name and the app password, the server says
 * {@code authenticated} and then {@code notify_file} whenever the user's files changed (no paths: the listener looks
 * itself, which ETag pruning makes cheap). A closed or failed socket is opened again after a back-off; a refused login
 * is retried only at the longest back-off. A hint, never the only source: the caller keeps its schedule.
 */
public final class PushNotifications implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PushNotifications.class);

  /** Told from stream threads; must not block. */
  public interface Listener {
    void filesChanged();

    /** The socket is authenticated ({@code true}) or gone ({@code false}, with why). */
    default void state(boolean connected, String why) {}
  }

  private final ClassicActorSystemProvider system;
  private final URI websocket;
  private final String login;
  private final String password;
  private final Listener listener;
  private final Duration minBackoff;
  private final Duration maxBackoff;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicReference<CompletableFuture<java.util.Optional<Message>>> open = new AtomicReference<>();
  private volatile Cancellable retry;
  private volatile boolean connected;
  private volatile Duration backoff;

  private PushNotifications(ClassicActorSystemProvider system, URI websocket, String login, String password,
      Listener listener, Duration minBackoff, Duration maxBackoff) {
    this.system = system;
    this.websocket = websocket;
    this.login = login;
    this.password = password;
    this.listener = listener;
    this.minBackoff = minBackoff;
    this.maxBackoff = maxBackoff;
    this.backoff = minBackoff;
  }

  /** Opens the socket now and keeps it open until {@link #close}. */
  public static PushNotifications open(ClassicActorSystemProvider system, URI websocket, String login,
      String password, Listener listener, Duration minBackoff, Duration maxBackoff) {
    PushNotifications push = new PushNotifications(system, websocket, login, password, listener, minBackoff, maxBackoff);
    push.connect();
    return push;
  }

  public boolean connected() {
    return connected;
  }

  private void connect() {
    if (closed.get()) return;
    Materializer mat = Materializer.matFromSystem(system);
    // The two credential frames, then silence kept open until the socket ends or we close it.
    Source<Message, CompletableFuture<java.util.Optional<Message>>> outbound =
        Source.<Message>from(List.of(TextMessage.create(login), TextMessage.create(password)))
            .concatMat(Source.maybe(), Keep.right());
    Sink<Message, CompletionStage<akka.Done>> inbound = Flow.<Message>create()
        .mapAsync(1, message -> message.isText()
            ? message.asTextMessage().getStreamedText().runFold("", String::concat, mat)
            : message.asBinaryMessage().getStreamedData().runWith(Sink.ignore(), mat).thenApply(done -> ""))
        .toMat(Sink.foreach(this::received), Keep.right());
    Flow<Message, Message, CompletionStage<akka.Done>> flow = Flow.fromSinkAndSourceMat(inbound, outbound,
        (done, keepOpen) -> {
          open.set(keepOpen);
          return done;
        });
    AtomicBoolean over = new AtomicBoolean(); // this attempt ends once, however many ways it is told
    var pair = Http.get(system).singleWebSocketRequest(WebSocketRequest.create(websocket.toString()), flow, mat);
    pair.first().whenComplete((upgrade, error) -> {
      if (error != null) ended(over, "cannot open " + websocket + ": " + error.getMessage());
      else if (!upgrade.isValid()) ended(over, "the server refused the websocket: " + upgrade.invalidationReason());
    });
    pair.second().whenComplete((done, error) -> ended(over, error == null ? "the server closed the socket"
        : "the socket failed: " + error.getMessage()));
  }

  private void received(String text) {
    if (text.equals("authenticated")) {
      connected = true;
      backoff = minBackoff;
      log.info("notify_push: listening at {}", websocket);
      listener.state(true, null);
    } else if (text.startsWith("err:")) {
      log.warn("notify_push at {} refused the login: {}", websocket, text.substring(4).strip());
      backoff = maxBackoff;
      CompletableFuture<java.util.Optional<Message>> keepOpen = open.get();
      if (keepOpen != null) keepOpen.complete(java.util.Optional.empty());
    } else if (text.startsWith("notify_file")) {
      listener.filesChanged();
    }
  }

  private void ended(AtomicBoolean over, String why) {
    if (closed.get() || !over.compareAndSet(false, true)) return;
    boolean was = connected;
    connected = false;
    if (was) log.info("notify_push at {}: {}; trying again in {} s", websocket, why, backoff.toSeconds());
    listener.state(false, why);
    Duration wait = backoff;
    backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
    retry = system.classicSystem().scheduler().scheduleOnce(wait, this::connect, system.classicSystem().dispatcher());
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    connected = false;
    Cancellable pending = retry;
    if (pending != null) pending.cancel();
    CompletableFuture<java.util.Optional<Message>> keepOpen = open.get();
    if (keepOpen != null) keepOpen.complete(java.util.Optional.empty());
  }
}
