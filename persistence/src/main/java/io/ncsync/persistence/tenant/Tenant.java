package io.ncsync.persistence.tenant;

import io.ncsync.persistence.library.LibraryConfig;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import io.ncsync.persistence.CborSerializable;
import io.ncsync.persistence.library.LibraryConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tenant's catalogue: its connections (with encrypted secrets) and the ids of its libraries. One entity per tenant,
 * so nothing one tenant owns is reachable through another's entity.
 */
public final class Tenant
    extends EventSourcedBehaviorWithEnforcedReplies<Tenant.Command, Tenant.Event, Tenant.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Tenant");

  // --- commands -----------------------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Stores a new connection; replies with it, or an error when the id or name is taken. */
  public record AddConnection(ConnectionRecord connection, ActorRef<StatusReply<ConnectionRecord>> replyTo)
      implements Command {}

  /**
   * Replaces a connection's record (same id); replies with it, or an error when the id is unknown or another
   * connection has the name.
   */
  public record UpdateConnection(ConnectionRecord connection, ActorRef<StatusReply<ConnectionRecord>> replyTo)
      implements Command {}

  /** Removes a connection; replies Done, or an error when the id is unknown. The caller checks no library uses it. */
  public record RemoveConnection(String connectionId, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** Replies with the connection, or an error "unknown connection". */
  public record GetConnection(String connectionId, ActorRef<StatusReply<ConnectionRecord>> replyTo)
      implements Command {}

  /** Replies with every connection, oldest first. */
  public record ListConnections(ActorRef<Connections> replyTo) implements Command {}

  public record Connections(List<ConnectionRecord> connections) implements CborSerializable {}

  /**
   * Registers a library id and name, with its configuration for the read model (null only in tests of journals from
   * before); replies Done, or an error when the name is taken. Idempotent for the same id.
   */
  public record RegisterLibrary(String libraryId, String name, LibraryConfig config, ActorRef<StatusReply<Done>> replyTo)
      implements Command {
    public RegisterLibrary(String libraryId, String name, ActorRef<StatusReply<Done>> replyTo) {
      this(libraryId, name, null, replyTo);
    }
  }

  /**
   * Records a registered library's configuration as the library now holds it (after a change of its settings, or for a
   * registration from before the read model); replies Done, also when the library is not registered (removed meanwhile).
   */
  public record RecordLibraryConfig(LibraryConfig config, ActorRef<Done> replyTo) implements Command {}

  /** Stops listing a removed library; its id can never be registered again. Replies Done, also when already removed. */
  public record UnregisterLibrary(String libraryId, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** Stores a webhook; replies with it. At most {@link #MAX_WEBHOOKS} per tenant. */
  public record AddWebhook(WebhookRecord webhook, ActorRef<StatusReply<WebhookRecord>> replyTo) implements Command {}

  /** Removes a webhook; replies Done, or an error when the id is unknown. */
  public record RemoveWebhook(String webhookId, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** Replies with every webhook, oldest first. */
  public record ListWebhooks(ActorRef<Webhooks> replyTo) implements Command {}

  public record Webhooks(List<WebhookRecord> webhooks) implements CborSerializable {}

  public static final int MAX_WEBHOOKS = 20;

  /** Which kind of record holds a secret. */
  public enum SecretHolder { CONNECTION, WEBHOOK }

  /**
   * Puts another ciphertext of the same secret in place (the daemon encrypts it again, e.g. under the tenant's data
   * key), only while the record still holds {@code expected}: an update made meanwhile wins. Replies whether it did.
   */
  public record ReplaceSecret(SecretHolder holder, String id, String expected, String replacement,
      ActorRef<Boolean> replyTo) implements Command {}

  /** Replies with every registered library, oldest first. */
  public record ListLibraries(ActorRef<Libraries> replyTo) implements Command {}

  public record Libraries(List<LibraryRef> libraries) implements CborSerializable {}

  // --- events -------------------------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {}

  public record ConnectionAdded(ConnectionRecord connection) implements Event {}

  public record ConnectionUpdated(ConnectionRecord connection) implements Event {}

  public record ConnectionRemoved(String connectionId) implements Event {}

  public record WebhookAdded(WebhookRecord webhook) implements Event {}

  public record WebhookRemoved(String webhookId) implements Event {}

  /** @param config the library's configuration (null in events journaled before the tenant kept it) */
  public record LibraryRegistered(String libraryId, String name, LibraryConfig config) implements Event {}

  public record LibraryConfigRecorded(LibraryConfig config) implements Event {}

  public record SecretReplaced(SecretHolder holder, String id, String encryptedSecret) implements Event {}

  public record LibraryUnregistered(String libraryId) implements Event {}

  // --- state --------------------------------------------------------------------------------------------------

  /** Immutable: every transition returns a copy (catalogues are small). */
  /** @param removedLibraries ids of removed libraries, never registered again */
  public record State(Map<String, ConnectionRecord> connections, Map<String, LibraryRef> libraries,
      java.util.Set<String> removedLibraries, Map<String, WebhookRecord> webhooks) implements CborSerializable {
    public State {
      connections = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(connections));
      libraries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(libraries));
      removedLibraries = removedLibraries == null ? java.util.Set.of() : java.util.Set.copyOf(removedLibraries);
      webhooks = webhooks == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(webhooks));
    }

    public State(Map<String, ConnectionRecord> connections, Map<String, LibraryRef> libraries,
        java.util.Set<String> removedLibraries) {
      this(connections, libraries, removedLibraries, Map.of());
    }

    static State empty() {
      return new State(Map.of(), Map.of(), java.util.Set.of(), Map.of());
    }

    State withWebhook(WebhookRecord webhook) {
      Map<String, WebhookRecord> next = new LinkedHashMap<>(webhooks);
      next.put(webhook.id(), webhook);
      return new State(connections, libraries, removedLibraries, next);
    }

    State withoutWebhook(String webhookId) {
      Map<String, WebhookRecord> next = new LinkedHashMap<>(webhooks);
      next.remove(webhookId);
      return new State(connections, libraries, removedLibraries, next);
    }

    State withoutLibrary(String libraryId) {
      Map<String, LibraryRef> next = new LinkedHashMap<>(libraries);
      next.remove(libraryId);
      java.util.Set<String> removed = new java.util.HashSet<>(removedLibraries);
      removed.add(libraryId);
      return new State(connections, next, removed, webhooks);
    }

    boolean connectionNameTaken(String name) {
      return connections.values().stream().anyMatch(c -> c.name().equals(name));
    }

    boolean connectionNameTakenByOther(String connectionId, String name) {
      return connections.values().stream().anyMatch(c -> c.name().equals(name) && !c.id().equals(connectionId));
    }

    State withoutConnection(String connectionId) {
      Map<String, ConnectionRecord> next = new LinkedHashMap<>(connections);
      next.remove(connectionId);
      return new State(next, libraries, removedLibraries, webhooks);
    }

    boolean libraryNameTakenByOther(String libraryId, String name) {
      return libraries.values().stream().anyMatch(l -> l.name().equals(name) && !l.libraryId().equals(libraryId));
    }

    State withConnection(ConnectionRecord connection) {
      Map<String, ConnectionRecord> next = new LinkedHashMap<>(connections);
      next.put(connection.id(), connection);
      return new State(next, libraries, removedLibraries, webhooks);
    }

    /** The ciphertext the record holds, or null when there is no such record. */
    String secretOf(SecretHolder holder, String id) {
      if (holder == SecretHolder.CONNECTION) {
        ConnectionRecord c = connections.get(id);
        return c == null ? null : c.encryptedSecret();
      }
      WebhookRecord w = webhooks.get(id);
      return w == null ? null : w.encryptedSecret();
    }

    State withSecret(SecretHolder holder, String id, String encryptedSecret) {
      if (holder == SecretHolder.CONNECTION) {
        ConnectionRecord c = connections.get(id);
        return c == null ? this : withConnection(c.withEncryptedSecret(encryptedSecret));
      }
      WebhookRecord w = webhooks.get(id);
      return w == null ? this : withWebhook(w.withEncryptedSecret(encryptedSecret));
    }

    State withLibrary(String libraryId, String name, LibraryConfig config) {
      Map<String, LibraryRef> next = new LinkedHashMap<>(libraries);
      next.put(libraryId, new LibraryRef(libraryId, name, config));
      return new State(connections, next, removedLibraries, webhooks);
    }

    State withLibraryConfig(LibraryConfig config) {
      LibraryRef known = libraries.get(config.libraryId());
      return known == null ? this : withLibrary(known.libraryId(), config.name(), config);
    }
  }

  // --- wiring -------------------------------------------------------------------------------------------------

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId())));
  }

  public static Behavior<Command> create(String tenantId) {
    return new Tenant(tenantId);
  }

  private Tenant(String tenantId) {
    super(
        PersistenceId.of(ENTITY_KEY.name(), tenantId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
  }

  @Override
  public State emptyState() {
    return State.empty();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(AddConnection.class, this::onAddConnection)
        .onCommand(UpdateConnection.class, this::onUpdateConnection)
        .onCommand(RemoveConnection.class, this::onRemoveConnection)
        .onCommand(GetConnection.class, this::onGetConnection)
        .onCommand(ListConnections.class, (state, cmd) -> Effect().reply(cmd.replyTo(), new Connections(new ArrayList<>(state.connections().values()))))
        .onCommand(RegisterLibrary.class, this::onRegisterLibrary)
        .onCommand(UnregisterLibrary.class, this::onUnregisterLibrary)
        .onCommand(RecordLibraryConfig.class, this::onRecordLibraryConfig)
        .onCommand(AddWebhook.class, this::onAddWebhook)
        .onCommand(RemoveWebhook.class, this::onRemoveWebhook)
        .onCommand(ListWebhooks.class, (state, cmd) -> Effect().reply(cmd.replyTo(), new Webhooks(new ArrayList<>(state.webhooks().values()))))
        .onCommand(ReplaceSecret.class, this::onReplaceSecret)
        .onCommand(ListLibraries.class, (state, cmd) -> Effect().reply(cmd.replyTo(), new Libraries(new ArrayList<>(state.libraries().values()))))
        .build();
  }

  private ReplyEffect<Event, State> onAddConnection(State state, AddConnection cmd) {
    ConnectionRecord connection = cmd.connection();
    if (state.connections().containsKey(connection.id())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("connection id already exists: " + connection.id()));
    }
    if (state.connectionNameTaken(connection.name())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("a connection named '" + connection.name() + "' already exists"));
    }
    return Effect().persist(new ConnectionAdded(connection)).thenReply(cmd.replyTo(), s -> StatusReply.success(connection));
  }

  private ReplyEffect<Event, State> onUpdateConnection(State state, UpdateConnection cmd) {
    ConnectionRecord connection = cmd.connection();
    if (!state.connections().containsKey(connection.id())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("unknown connection: " + connection.id()));
    }
    if (state.connectionNameTakenByOther(connection.id(), connection.name())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("a connection named '" + connection.name() + "' already exists"));
    }
    return Effect().persist(new ConnectionUpdated(connection)).thenReply(cmd.replyTo(), s -> StatusReply.success(connection));
  }

  private ReplyEffect<Event, State> onRemoveConnection(State state, RemoveConnection cmd) {
    if (!state.connections().containsKey(cmd.connectionId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("unknown connection: " + cmd.connectionId()));
    }
    return Effect().persist(new ConnectionRemoved(cmd.connectionId())).thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onAddWebhook(State state, AddWebhook cmd) {
    if (state.webhooks().size() >= MAX_WEBHOOKS) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("the tenant has " + MAX_WEBHOOKS + " webhooks, the most it may"));
    }
    return Effect().persist(new WebhookAdded(cmd.webhook())).thenReply(cmd.replyTo(), s -> StatusReply.success(cmd.webhook()));
  }

  private ReplyEffect<Event, State> onRemoveWebhook(State state, RemoveWebhook cmd) {
    if (!state.webhooks().containsKey(cmd.webhookId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("unknown webhook: " + cmd.webhookId()));
    }
    return Effect().persist(new WebhookRemoved(cmd.webhookId())).thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onReplaceSecret(State state, ReplaceSecret cmd) {
    String current = state.secretOf(cmd.holder(), cmd.id());
    if (current == null || !current.equals(cmd.expected())) return Effect().reply(cmd.replyTo(), false);
    return Effect().persist(new SecretReplaced(cmd.holder(), cmd.id(), cmd.replacement()))
        .thenReply(cmd.replyTo(), s -> true);
  }

  private ReplyEffect<Event, State> onGetConnection(State state, GetConnection cmd) {
    ConnectionRecord connection = state.connections().get(cmd.connectionId());
    return connection == null
        ? Effect().reply(cmd.replyTo(), StatusReply.error("unknown connection: " + cmd.connectionId()))
        : Effect().reply(cmd.replyTo(), StatusReply.success(connection));
  }

  private ReplyEffect<Event, State> onUnregisterLibrary(State state, UnregisterLibrary cmd) {
    if (!state.libraries().containsKey(cmd.libraryId())) return Effect().reply(cmd.replyTo(), StatusReply.ack());
    return Effect().persist(new LibraryUnregistered(cmd.libraryId())).thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onRegisterLibrary(State state, RegisterLibrary cmd) {
    if (state.removedLibraries().contains(cmd.libraryId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("library " + cmd.libraryId() + " was removed; its id is not reused"));
    }
    if (state.libraryNameTakenByOther(cmd.libraryId(), cmd.name())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("a library named '" + cmd.name() + "' already exists"));
    }
    if (state.libraries().containsKey(cmd.libraryId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return Effect().persist(new LibraryRegistered(cmd.libraryId(), cmd.name(), cmd.config()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onRecordLibraryConfig(State state, RecordLibraryConfig cmd) {
    LibraryRef known = state.libraries().get(cmd.config().libraryId());
    if (known == null || cmd.config().equals(known.config())) return Effect().reply(cmd.replyTo(), Done.getInstance());
    return Effect().persist(new LibraryConfigRecorded(cmd.config())).thenReply(cmd.replyTo(), s -> Done.getInstance());
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(ConnectionAdded.class, (state, evt) -> state.withConnection(evt.connection()))
        .onEvent(ConnectionUpdated.class, (state, evt) -> state.withConnection(evt.connection()))
        .onEvent(ConnectionRemoved.class, (state, evt) -> state.withoutConnection(evt.connectionId()))
        .onEvent(WebhookAdded.class, (state, evt) -> state.withWebhook(evt.webhook()))
        .onEvent(WebhookRemoved.class, (state, evt) -> state.withoutWebhook(evt.webhookId()))
        .onEvent(LibraryRegistered.class, (state, evt) -> state.withLibrary(evt.libraryId(), evt.name(), evt.config()))
        .onEvent(LibraryConfigRecorded.class, (state, evt) -> state.withLibraryConfig(evt.config()))
        .onEvent(LibraryUnregistered.class, (state, evt) -> state.withoutLibrary(evt.libraryId()))
        .onEvent(SecretReplaced.class, (state, evt) -> state.withSecret(evt.holder(), evt.id(), evt.encryptedSecret()))
        .build();
  }
}
