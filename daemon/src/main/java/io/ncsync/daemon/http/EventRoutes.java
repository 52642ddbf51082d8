package io.ncsync.daemon.http;

import akka.NotUsed;
import akka.actor.typed.ActorRef;
import akka.actor.typed.pubsub.Topic;
import akka.http.javadsl.marshalling.sse.EventStreamMarshalling;
import akka.http.javadsl.model.sse.ServerSentEvent;
import akka.http.javadsl.server.Route;
import akka.stream.OverflowStrategy;
import akka.stream.javadsl.Source;
import akka.stream.typed.javadsl.ActorSource;
import io.ncsync.daemon.events.LiveEvent;
import java.time.Duration;
import java.util.Optional;

import static akka.http.javadsl.server.Directives.completeOK;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.path;

/**
 * {@code GET /api/v1/events}: the caller's tenant's live events as Server-Sent Events ({@code event:} the type,
 * {@code data:} a JSON object), with a comment every 15 s to keep proxies from closing the stream. Each client gets
 * its own bounded buffer: a slow client loses its oldest events, it never slows a library or another client.
 */
public final class EventRoutes {
  static final int BUFFER = 1_000;
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  private final ActorRef<Topic.Command<LiveEvent>> topic;
  private final Access access;

  public EventRoutes(ActorRef<Topic.Command<LiveEvent>> topic, ApiErrors errors) {
    this.topic = topic;
    this.access = new Access(errors);
  }

  public Route route(Caller caller) {
    return path("events", () -> get(() -> access.require(caller, Endpoint.EVENTS,
        () -> completeOK(events(caller.tenantId()), EventStreamMarshalling.toEventStream()))));
  }

  private Source<ServerSentEvent, NotUsed> events(String tenantId) {
    return ActorSource.<LiveEvent>actorRef(m -> false, m -> Optional.empty(), BUFFER, OverflowStrategy.dropHead())
        .mapMaterializedValue(subscriber -> {
          topic.tell(Topic.subscribe(subscriber));
          return NotUsed.notUsed();
        })
        .filter(event -> event.tenantId().equals(tenantId))
        .map(event -> ServerSentEvent.create(event.json(), event.type()))
        .keepAlive(KEEP_ALIVE, ServerSentEvent::heartbeat);
  }
}
