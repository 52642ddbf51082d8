package io.ncsync.protocol.testing.nextcloud;

import akka.NotUsed;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.ws.Message;
import akka.http.javadsl.model.ws.TextMessage;
import akka.http.javadsl.model.ws.WebSocketUpgrade;
import akka.japi.Pair;
import akka.stream.BoundedSourceQueue;
import akka.stream.Materializer;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The notify_push app's websocket ({@code /push/ws}): a client sends the login name and the app password as two text
 * frames and gets {@code authenticated} (or {@code err: Invalid credentials}); from then on every change to the user's
 * files is announced as {@code notify_file}. As in the real app, messages carry no paths (the client looks itself),
 * and nothing is replayed: a change made while no client listens is not announced.
 */
final class NotifyPush {
  static final String PATH = "/push/ws";

  private final Ctx ctx;
  private final Set<BoundedSourceQueue<Message>> listeners = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();

  NotifyPush(Ctx ctx) {
    this.ctx = ctx;
  }

  /** How many websockets were opened (authenticated or not). */
  int connections() {
    return connections.get();
  }

  /** Tells every authenticated client that files changed. */
  void filesChanged() {
    for (BoundedSourceQueue<Message> listener : listeners) listener.offer(TextMessage.create("notify_file"));
  }

  /** The upgrade's answer, or empty when the request is not a websocket handshake. */
  Optional<HttpResponse> handle(HttpRequest request, Materializer mat) {
    Optional<WebSocketUpgrade> upgrade = request.getAttribute(akka.http.javadsl.model.AttributeKeys.webSocketUpgrade);
    if (upgrade.isEmpty()) return Optional.empty();
    connections.incrementAndGet();
    Pair<BoundedSourceQueue<Message>, Source<Message, NotUsed>> out = Source.<Message>queue(64).preMaterialize(mat);
    BoundedSourceQueue<Message> queue = out.first();
    String[] login = new String[1];
    Sink<Message, NotUsed> in = Flow.<Message>create()
        .mapAsync(1, message -> message.asTextMessage().getStreamedText().runFold("", String::concat, mat))
        .to(Sink.foreach(text -> {
          if (login[0] == null) {
            login[0] = text;
            return;
          }
          if (listeners.contains(queue)) return; // e.g. "listen notify_file_id": every change is announced anyway
          boolean ok = ctx.options().loginName().equals(login[0]) && ctx.options().appPassword().equals(text);
          queue.offer(TextMessage.create(ok ? "authenticated" : "err: Invalid credentials"));
          if (ok) listeners.add(queue);
          else queue.complete();
        }))
        .mapMaterializedValue(done -> NotUsed.getInstance());
    Source<Message, NotUsed> outbound = out.second().watchTermination((mat2, done) -> {
      done.whenComplete((ok, error) -> listeners.remove(queue));
      return mat2;
    });
    return Optional.of(upgrade.get().handleMessagesWith(Flow.fromSinkAndSourceCoupled(in, outbound)));
  }
}
