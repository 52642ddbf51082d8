package io.ncsync.daemon.webhooks;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.http.javadsl.Http;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.headers.RawHeader;
import io.ncsync.daemon.db.JdbcWebhookOutbox;
import io.ncsync.daemon.events.LiveEvent;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.persistence.tenant.Tenant;
import io.ncsync.persistence.tenant.WebhookRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Posts each tenant's live events to its webhooks, one node's share: the events of the libraries running on this node
 * (told by {@code LiveEventPublisher} directly, not through the cluster-wide topic, so no event is posted twice). Per webhook, deliveries go one at a time in order; a
 * delivery that does not get a 2xx is retried with back-off (1 s doubling to 5 min, {@link #MAX_ATTEMPTS} tries),
 * then dropped with a warning. It never blocks a library: events reach it through the topic, and each webhook's
 * queue is bounded (the oldest waiting go first). Each delivery is kept in the outbox ({@link JdbcWebhookOutbox})
 * until its receiver takes it or it is given up; at start the deliveries a stop or crash left are sent again (at
 * least once: a receiver may see a delivery id twice).
 */
public final class WebhookDispatcher extends AbstractBehavior<WebhookDispatcher.Command> {

  public sealed interface Command {}

  /** An event of a library on this node. */
  public record Notify(LiveEvent event) implements Command {}

  private record WebhooksListed(LiveEvent event, List<WebhookRecord> webhooks) implements Command {}

  private record ListingFailed(LiveEvent event, Throwable cause) implements Command {}

  private record Answered(String webhookId, Delivery delivery, int status, Throwable error) implements Command {}

  private record Retry(String webhookId) implements Command {}

  private record OutboxRead(List<JdbcWebhookOutbox.Pending> pending, Throwable error) implements Command {}

  private record OutboxWebhooks(String tenantId, List<JdbcWebhookOutbox.Pending> pending, List<WebhookRecord> webhooks,
      Throwable error) implements Command {}

  /** One event for one webhook. */
  private record Delivery(String id, String tenantId, WebhookRecord webhook, LiveEvent event, int attempt) {
    Delivery next() {
      return new Delivery(id, tenantId, webhook, event, attempt + 1);
    }
  }

  static final int MAX_ATTEMPTS = 10;
  static final int MAX_QUEUED = 10_000;
  static final Duration LISTING_FRESH = Duration.ofSeconds(5);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final ClusterSharding sharding;
  private final JdbcWebhookOutbox outbox;
  private final CredentialCipher cipher;
  private final Duration askTimeout;
  private final Duration firstRetry;
  private final TimerScheduler<Command> timers;
  private final Map<String, ArrayDeque<Delivery>> queues = new HashMap<>();
  private final Map<String, Boolean> sending = new HashMap<>();
  private final Map<String, Map.Entry<Instant, List<WebhookRecord>>> listed = new HashMap<>();

  /** @param firstRetry the first back-off (doubling to 5 min); tests shorten it */
  public static Behavior<Command> create(ClusterSharding sharding, JdbcWebhookOutbox outbox, CredentialCipher cipher,
      Duration askTimeout, Duration firstRetry) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      context.pipeToSelf(outbox.pending(), OutboxRead::new);
      return new WebhookDispatcher(context, sharding, outbox, cipher, askTimeout, firstRetry, timers);
    }));
  }

  private WebhookDispatcher(ActorContext<Command> context, ClusterSharding sharding, JdbcWebhookOutbox outbox,
      CredentialCipher cipher, Duration askTimeout, Duration firstRetry, TimerScheduler<Command> timers) {
    super(context);
    this.sharding = sharding;
    this.outbox = outbox;
    this.cipher = cipher;
    this.askTimeout = askTimeout;
    this.firstRetry = firstRetry;
    this.timers = timers;
  }

  /** What a webhook's secret is bound to when encrypted. */
  public static String associatedData(String tenantId, String webhookId) {
    return "webhook:" + tenantId + "/" + webhookId;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Notify.class, this::onPublished)
        .onMessage(WebhooksListed.class, this::onWebhooksListed)
        .onMessage(ListingFailed.class, this::onListingFailed)
        .onMessage(Answered.class, this::onAnswered)
        .onMessage(Retry.class, this::onRetry)
        .onMessage(OutboxRead.class, this::onOutboxRead)
        .onMessage(OutboxWebhooks.class, this::onOutboxWebhooks)
        .build();
  }

  /** What a stop or crash left undelivered: sent again once its tenant's webhooks are known. */
  private Behavior<Command> onOutboxRead(OutboxRead read) {
    if (read.error() != null) {
      getContext().getLog().warn("webhook outbox could not be read; deliveries a stop left are not sent: {}",
          read.error().toString());
      return this;
    }
    Map<String, List<JdbcWebhookOutbox.Pending>> byTenant = new java.util.LinkedHashMap<>();
    for (JdbcWebhookOutbox.Pending pending : read.pending()) {
      byTenant.computeIfAbsent(pending.tenantId(), t -> new java.util.ArrayList<>()).add(pending);
    }
    byTenant.forEach((tenantId, pending) -> getContext().pipeToSelf(
        sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId).ask(Tenant.ListWebhooks::new, askTimeout),
        (webhooks, error) -> new OutboxWebhooks(tenantId, pending, webhooks == null ? List.of() : webhooks.webhooks(),
            error)));
    if (!read.pending().isEmpty()) {
      getContext().getLog().info("webhooks: {} deliveries a stop left are sent again", read.pending().size());
    }
    return this;
  }

  private Behavior<Command> onOutboxWebhooks(OutboxWebhooks found) {
    if (found.error() != null) {
      getContext().getLog().warn("webhooks of tenant {} could not be listed; {} waiting deliveries stay in the outbox "
          + "until the next start: {}", found.tenantId(), found.pending().size(), found.error().toString());
      return this;
    }
    Map<String, WebhookRecord> byId = new HashMap<>();
    for (WebhookRecord webhook : found.webhooks()) byId.put(webhook.id(), webhook);
    for (JdbcWebhookOutbox.Pending pending : found.pending()) {
      WebhookRecord webhook = byId.get(pending.webhookId());
      if (webhook == null) {
        outbox.delete(pending.deliveryId()); // the webhook was removed meanwhile
        continue;
      }
      LiveEvent event = new LiveEvent(pending.tenantId(), pending.libraryId(), pending.eventType(), pending.body());
      queues.computeIfAbsent(webhook.id(), id -> new ArrayDeque<>())
          .addLast(new Delivery(pending.deliveryId(), pending.tenantId(), webhook, event, 1));
      sendNext(webhook.id());
    }
    return this;
  }

  private Behavior<Command> onPublished(Notify published) {
    LiveEvent event = published.event();
    Map.Entry<Instant, List<WebhookRecord>> known = listed.get(event.tenantId());
    if (known != null && known.getKey().plus(LISTING_FRESH).isAfter(Instant.now())) {
      enqueue(event, known.getValue());
      return this;
    }
    getContext().pipeToSelf(
        sharding.entityRefFor(Tenant.ENTITY_KEY, event.tenantId()).ask(Tenant.ListWebhooks::new, askTimeout),
        (webhooks, error) -> error == null
            ? new WebhooksListed(event, webhooks.webhooks())
            : new ListingFailed(event, error));
    return this;
  }

  private Behavior<Command> onWebhooksListed(WebhooksListed message) {
    listed.put(message.event().tenantId(), Map.entry(Instant.now(), message.webhooks()));
    enqueue(message.event(), message.webhooks());
    return this;
  }

  private Behavior<Command> onListingFailed(ListingFailed failed) {
    getContext().getLog().warn("webhooks of tenant {} could not be listed; event {} not posted: {}",
        failed.event().tenantId(), failed.event().type(), failed.cause().toString());
    return this;
  }

  private void enqueue(LiveEvent event, List<WebhookRecord> webhooks) {
    for (WebhookRecord webhook : webhooks) {
      if (!webhook.wants(event.type())) continue;
      ArrayDeque<Delivery> queue = queues.computeIfAbsent(webhook.id(), id -> new ArrayDeque<>());
      if (queue.size() >= MAX_QUEUED) {
        Delivery dropped = queue.pollLast();
        outbox.delete(dropped.id());
        getContext().getLog().warn("webhook {} of tenant {} is {} events behind: the newest waiting one is dropped",
            webhook.id(), event.tenantId(), MAX_QUEUED);
      }
      Delivery delivery = new Delivery(UUID.randomUUID().toString(), event.tenantId(), webhook, event, 1);
      outbox.save(new JdbcWebhookOutbox.Pending(delivery.id(), event.tenantId(), webhook.id(), event.type(),
          event.libraryId(), event.json()));
      queue.addLast(delivery);
      sendNext(webhook.id());
    }
  }

  private void sendNext(String webhookId) {
    if (sending.getOrDefault(webhookId, false)) return;
    ArrayDeque<Delivery> queue = queues.get(webhookId);
    if (queue == null || queue.isEmpty()) return;
    Delivery delivery = queue.peekFirst();
    sending.put(webhookId, true);
    getContext().pipeToSelf(post(delivery), (status, error) -> new Answered(webhookId, delivery,
        status == null ? 0 : status, error));
  }

  private CompletionStage<Integer> post(Delivery delivery) {
    byte[] body = delivery.event().json().getBytes(StandardCharsets.UTF_8);
    long timestamp = Instant.now().getEpochSecond();
    String secret = cipher.decrypt(delivery.tenantId(), delivery.webhook().encryptedSecret(),
        associatedData(delivery.tenantId(), delivery.webhook().id()));
    HttpRequest request = HttpRequest.POST(delivery.webhook().url())
        .withEntity(ContentTypes.APPLICATION_JSON, body)
        .addHeader(RawHeader.create("X-Ncsync-Event", delivery.event().type()))
        .addHeader(RawHeader.create("X-Ncsync-Delivery", delivery.id()))
        .addHeader(RawHeader.create(WebhookSignature.TIMESTAMP_HEADER, Long.toString(timestamp)))
        .addHeader(RawHeader.create(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(secret, timestamp, body)));
    return Http.get(getContext().getSystem()).singleRequest(request)
        .toCompletableFuture()
        .orTimeout(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(response -> {
          response.discardEntityBytes(getContext().getSystem());
          return response.status().intValue();
        });
  }

  private Behavior<Command> onAnswered(Answered answered) {
    sending.put(answered.webhookId(), false);
    ArrayDeque<Delivery> queue = queues.get(answered.webhookId());
    if (queue == null || queue.isEmpty()) return this;
    Delivery delivery = answered.delivery();
    if (answered.error() == null && answered.status() >= 200 && answered.status() < 300) {
      queue.pollFirst();
      outbox.delete(delivery.id());
      sendNext(answered.webhookId());
      return this;
    }
    String why = answered.error() != null ? answered.error().toString() : "HTTP " + answered.status();
    if (delivery.attempt() >= MAX_ATTEMPTS) {
      queue.pollFirst();
      outbox.delete(delivery.id());
      getContext().getLog().warn("webhook {} of tenant {}: {} event {} not delivered after {} tries ({}); dropped",
          delivery.webhook().id(), delivery.tenantId(), delivery.event().type(), delivery.id(), MAX_ATTEMPTS, why);
      sendNext(answered.webhookId());
      return this;
    }
    queue.pollFirst();
    queue.addFirst(delivery.next());
    Duration wait = backoff(delivery.attempt());
    getContext().getLog().info("webhook {} of tenant {}: delivery {} failed ({}); try {} in {} ms",
        delivery.webhook().id(), delivery.tenantId(), delivery.id(), why, delivery.attempt() + 1, wait.toMillis());
    sending.put(answered.webhookId(), true); // nothing else goes out before the retry
    timers.startSingleTimer("retry-" + answered.webhookId(), new Retry(answered.webhookId()), wait);
    return this;
  }

  private Behavior<Command> onRetry(Retry retry) {
    sending.put(retry.webhookId(), false);
    sendNext(retry.webhookId());
    return this;
  }

  /** {@code firstRetry} doubling per try, at most 5 minutes. */
  Duration backoff(int attempt) {
    long millis = firstRetry.toMillis() << Math.min(attempt - 1, 20);
    return Duration.ofMillis(Math.min(millis, Duration.ofMinutes(5).toMillis()));
  }
}
