package io.ncsync.persistence.tenant;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import io.ncsync.persistence.CborSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The installation's tenants and their API tokens (hashes only). One entity, {@link #ENTITY_ID}, behind sharding so
 * that every node sees the same directory. The tenant {@code default} is always there and cannot be deleted;
 * deleting a tenant revokes its tokens; a deleted tenant's id is never used again.
 */
public final class TenantDirectory
    extends EventSourcedBehaviorWithEnforcedReplies<TenantDirectory.Command, TenantDirectory.Event, TenantDirectory.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "TenantDirectory");
  public static final String ENTITY_ID = "directory";

  // --- commands -----------------------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Adds a tenant; replies with it, or an error when its name (or id) is taken. */
  public record CreateTenant(TenantRecord tenant, ActorRef<StatusReply<TenantRecord>> replyTo) implements Command {}

  /** Replaces a tenant's record (same id); replies with it, or an error when unknown or the name is another's. */
  public record UpdateTenant(TenantRecord tenant, ActorRef<StatusReply<TenantRecord>> replyTo) implements Command {}

  /** Replies with the tenant, or a lookup without one when there is none by that id. */
  public record GetTenant(String tenantId, ActorRef<TenantLookup> replyTo) implements Command {}

  public record TenantLookup(TenantRecord tenant) implements CborSerializable {
    public boolean found() {
      return tenant != null;
    }
  }

  /** Replies with every tenant, oldest first ({@code default} first). */
  public record ListTenants(ActorRef<Tenants> replyTo) implements Command {}

  public record Tenants(List<TenantRecord> tenants) implements CborSerializable {}

  /** Deletes a tenant and revokes its tokens; replies how it went. The caller checks it has no libraries first. */
  public record DeleteTenant(String tenantId, ActorRef<TenantDeletion> replyTo) implements Command {}

  public enum TenantDeletion implements CborSerializable {
    DELETED,
    UNKNOWN,
    /** The tenant {@code default} is never deleted. */
    REFUSED_DEFAULT
  }

  /** Stores a token; replies with it, or an error when the tenant is unknown or has a token of that name. */
  public record IssueToken(TokenRecord token, ActorRef<StatusReply<TokenRecord>> replyTo) implements Command {}

  /** Replies with the tenant's tokens, oldest first. */
  public record ListTokens(String tenantId, ActorRef<Tokens> replyTo) implements Command {}

  public record Tokens(List<TokenRecord> tokens) implements CborSerializable {}

  /** Replies with the token of that id, or a lookup without one. */
  public record GetToken(String tokenId, ActorRef<TokenLookup> replyTo) implements Command {}

  public record TokenLookup(TokenRecord token) implements CborSerializable {
    public boolean found() {
      return token != null;
    }
  }

  /** Revokes a token; replies with what it was, or a lookup without one when there is none by that id. */
  public record RevokeToken(String tokenId, ActorRef<TokenLookup> replyTo) implements Command {}

  // --- events -------------------------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {}

  public record TenantCreated(TenantRecord tenant) implements Event {}

  public record TenantDeleted(String tenantId) implements Event {}

  public record TenantUpdated(TenantRecord tenant) implements Event {}

  public record TokenIssued(TokenRecord token) implements Event {}

  public record TokenRevoked(String tokenId) implements Event {}

  // --- state --------------------------------------------------------------------------------------------------

  /** Immutable; small enough to copy on every change. */
  public record State(Map<String, TenantRecord> tenants, Map<String, TokenRecord> tokens, Set<String> deletedTenants)
      implements CborSerializable {
    public State {
      tenants = Collections.unmodifiableMap(new LinkedHashMap<>(tenants));
      tokens = Collections.unmodifiableMap(new LinkedHashMap<>(tokens));
      deletedTenants = deletedTenants == null ? Set.of() : Set.copyOf(deletedTenants);
    }

    static State initial() {
      TenantRecord defaultTenant = TenantRecord.defaultTenant();
      return new State(Map.of(defaultTenant.id(), defaultTenant), Map.of(), Set.of());
    }

    boolean tenantNameTaken(String name) {
      return tenants.values().stream().anyMatch(t -> t.name().equals(name));
    }

    boolean tokenNameTaken(String tenantId, String name) {
      return tokens.values().stream().anyMatch(t -> t.tenantId().equals(tenantId) && t.name().equals(name));
    }

    State withTenant(TenantRecord tenant) {
      Map<String, TenantRecord> next = new LinkedHashMap<>(tenants);
      next.put(tenant.id(), tenant);
      return new State(next, tokens, deletedTenants);
    }

    State withoutTenant(String tenantId) {
      Map<String, TenantRecord> nextTenants = new LinkedHashMap<>(tenants);
      nextTenants.remove(tenantId);
      Map<String, TokenRecord> nextTokens = new LinkedHashMap<>(tokens);
      nextTokens.values().removeIf(t -> t.tenantId().equals(tenantId));
      java.util.HashSet<String> deleted = new java.util.HashSet<>(deletedTenants);
      deleted.add(tenantId);
      return new State(nextTenants, nextTokens, deleted);
    }

    State withToken(TokenRecord token) {
      Map<String, TokenRecord> next = new LinkedHashMap<>(tokens);
      next.put(token.id(), token);
      return new State(tenants, next, deletedTenants);
    }

    State withoutToken(String tokenId) {
      Map<String, TokenRecord> next = new LinkedHashMap<>(tokens);
      next.remove(tokenId);
      return new State(tenants, next, deletedTenants);
    }
  }

  // --- wiring -------------------------------------------------------------------------------------------------

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY, ctx -> create()));
  }

  /** The directory, wherever the cluster keeps it. */
  public static EntityRef<Command> ref(ClusterSharding sharding) {
    return sharding.entityRefFor(ENTITY_KEY, ENTITY_ID);
  }

  public static Behavior<Command> create() {
    return new TenantDirectory();
  }

  private TenantDirectory() {
    super(
        PersistenceId.of(ENTITY_KEY.name(), ENTITY_ID),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
  }

  @Override
  public State emptyState() {
    return State.initial();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(CreateTenant.class, this::onCreateTenant)
        .onCommand(UpdateTenant.class, this::onUpdateTenant)
        .onCommand(GetTenant.class, (state, cmd) -> Effect().reply(cmd.replyTo(), new TenantLookup(state.tenants().get(cmd.tenantId()))))
        .onCommand(ListTenants.class, (state, cmd) -> Effect().reply(cmd.replyTo(), new Tenants(new ArrayList<>(state.tenants().values()))))
        .onCommand(DeleteTenant.class, this::onDeleteTenant)
        .onCommand(IssueToken.class, this::onIssueToken)
        .onCommand(ListTokens.class, this::onListTokens)
        .onCommand(GetToken.class, (state, cmd) -> Effect().reply(cmd.replyTo(), new TokenLookup(state.tokens().get(cmd.tokenId()))))
        .onCommand(RevokeToken.class, this::onRevokeToken)
        .build();
  }

  private ReplyEffect<Event, State> onCreateTenant(State state, CreateTenant cmd) {
    TenantRecord tenant = cmd.tenant();
    if (!TenantIds.valid(tenant.id())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("not a valid tenant id: '" + tenant.id() + "'"));
    }
    if (state.tenants().containsKey(tenant.id()) || state.deletedTenants().contains(tenant.id())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("tenant id already used: " + tenant.id()));
    }
    if (state.tenantNameTaken(tenant.name())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("a tenant named '" + tenant.name() + "' already exists"));
    }
    return Effect().persist(new TenantCreated(tenant)).thenReply(cmd.replyTo(), s -> StatusReply.success(tenant));
  }

  private ReplyEffect<Event, State> onUpdateTenant(State state, UpdateTenant cmd) {
    TenantRecord tenant = cmd.tenant();
    if (!state.tenants().containsKey(tenant.id())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("unknown tenant: " + tenant.id()));
    }
    boolean nameTaken = state.tenants().values().stream()
        .anyMatch(t -> t.name().equals(tenant.name()) && !t.id().equals(tenant.id()));
    if (nameTaken) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("a tenant named '" + tenant.name() + "' already exists"));
    }
    return Effect().persist(new TenantUpdated(tenant)).thenReply(cmd.replyTo(), s -> StatusReply.success(tenant));
  }

  private ReplyEffect<Event, State> onDeleteTenant(State state, DeleteTenant cmd) {
    if (TenantRecord.DEFAULT_ID.equals(cmd.tenantId())) return Effect().reply(cmd.replyTo(), TenantDeletion.REFUSED_DEFAULT);
    if (!state.tenants().containsKey(cmd.tenantId())) return Effect().reply(cmd.replyTo(), TenantDeletion.UNKNOWN);
    return Effect().persist(new TenantDeleted(cmd.tenantId())).thenReply(cmd.replyTo(), s -> TenantDeletion.DELETED);
  }

  private ReplyEffect<Event, State> onIssueToken(State state, IssueToken cmd) {
    TokenRecord token = cmd.token();
    if (!state.tenants().containsKey(token.tenantId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("unknown tenant: " + token.tenantId()));
    }
    if (token.role() == Role.SYSTEM && !TenantRecord.DEFAULT_ID.equals(token.tenantId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("system tokens belong to the tenant 'default'"));
    }
    if (state.tokens().containsKey(token.id())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("token id already used: " + token.id()));
    }
    if (state.tokenNameTaken(token.tenantId(), token.name())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("the tenant already has a token named '" + token.name() + "'"));
    }
    return Effect().persist(new TokenIssued(token)).thenReply(cmd.replyTo(), s -> StatusReply.success(token));
  }

  private ReplyEffect<Event, State> onListTokens(State state, ListTokens cmd) {
    List<TokenRecord> tokens = state.tokens().values().stream().filter(t -> t.tenantId().equals(cmd.tenantId())).toList();
    return Effect().reply(cmd.replyTo(), new Tokens(new ArrayList<>(tokens)));
  }

  private ReplyEffect<Event, State> onRevokeToken(State state, RevokeToken cmd) {
    TokenRecord token = state.tokens().get(cmd.tokenId());
    if (token == null) return Effect().reply(cmd.replyTo(), new TokenLookup(null));
    return Effect().persist(new TokenRevoked(cmd.tokenId())).thenReply(cmd.replyTo(), s -> new TokenLookup(token));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TenantCreated.class, (state, evt) -> state.withTenant(evt.tenant()))
        .onEvent(TenantDeleted.class, (state, evt) -> state.withoutTenant(evt.tenantId()))
        .onEvent(TenantUpdated.class, (state, evt) -> state.withTenant(evt.tenant()))
        .onEvent(TokenIssued.class, (state, evt) -> state.withToken(evt.token()))
        .onEvent(TokenRevoked.class, (state, evt) -> state.withoutToken(evt.tokenId()))
        .build();
  }
}
