package io.ncsync.daemon.http;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.pattern.StatusReply;
import io.ncsync.daemon.security.ApiTokens;
import io.ncsync.persistence.tenant.Role;
import io.ncsync.persistence.tenant.Tenant;
import io.ncsync.persistence.tenant.TenantDirectory;
import io.ncsync.persistence.tenant.TenantRecord;
import io.ncsync.persistence.tenant.TokenRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static akka.http.javadsl.server.Directives.completeWithFuture;
import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.delete;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.patch;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static akka.http.javadsl.server.Directives.pathPrefix;
import static akka.http.javadsl.server.Directives.post;

/**
 * {@code /api/v1/tenants} and {@code /api/v1/tokens}: tenants (system role) and each tenant's API tokens (its admins,
 * or system). A token sees only its own tenant: another tenant's id answers 404 exactly like an unknown one. A token
 * is never given a role above the one of the token that issues it; its secret is in the answer to its creation only.
 */
public final class TenantRoutes {
  private static final Logger log = LoggerFactory.getLogger(TenantRoutes.class);

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final JsonSupport json;
  private final ApiErrors errors;
  private final Access access;

  public TenantRoutes(ClusterSharding sharding, Duration askTimeout, JsonSupport json, ApiErrors errors) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
    this.json = json;
    this.errors = errors;
    this.access = new Access(errors);
  }

  public Route route(Caller caller) {
    return concat(
        pathPrefix("tenants", () -> concat(
            pathEndOrSingleSlash(() -> concat(
                post(() -> access.require(caller, Endpoint.TENANT_CREATE, () -> json.body(ApiJson.CreateTenant.class,
                    body -> respond(() -> createTenant(body))))),
                get(() -> access.require(caller, Endpoint.TENANT_LIST, () -> respond(() -> listTenants(caller)))))),
            pathPrefix(PathMatchers.segment(), tenantId -> concat(
                pathEndOrSingleSlash(() -> concat(
                    get(() -> access.require(caller, Endpoint.TENANT_SHOW, () -> respond(() -> showTenant(caller, tenantId)))),
                    patch(() -> access.require(caller, Endpoint.TENANT_UPDATE, () -> json.bodyWithFields(
                        ApiJson.UpdateTenant.class, body -> respond(() -> updateTenant(caller, tenantId, body))))),
                    delete(() -> access.require(caller, Endpoint.TENANT_DELETE, () -> respond(() -> deleteTenant(tenantId)))))),
                path("tokens", () -> concat(
                    post(() -> access.require(caller, Endpoint.TOKEN_CREATE, () -> json.body(ApiJson.CreateToken.class,
                        body -> respond(() -> issueToken(caller, tenantId, body))))),
                    get(() -> access.require(caller, Endpoint.TOKEN_LIST, () -> respond(() -> listTokens(caller, tenantId)))))))))),
        path(PathMatchers.segment("tokens").slash(PathMatchers.segment()), tokenId -> delete(
            () -> access.require(caller, Endpoint.TOKEN_DELETE, () -> respond(() -> revokeToken(caller, tokenId))))));
  }

  private Route respond(java.util.function.Supplier<CompletionStage<HttpResponse>> response) {
    return errors.respond(response);
  }

  // --- tenants ------------------------------------------------------------------------------------------------

  private CompletionStage<HttpResponse> createTenant(ApiJson.CreateTenant body) {
    String name = Validation.name(body.name(), "name");
    TenantRecord tenant = new TenantRecord(UUID.randomUUID().toString(), name,
        Instant.now().truncatedTo(ChronoUnit.MILLIS));
    return directory().<TenantRecord>askWithStatus(replyTo -> new TenantDirectory.CreateTenant(tenant, replyTo), askTimeout)
        .handle((created, error) -> {
          if (error == null) {
            log.info("tenant {} '{}' created", created.id(), created.name());
            return errors.json(StatusCodes.CREATED, ApiJson.Tenant.of(created));
          }
          if (ApiErrors.unwrap(error) instanceof StatusReply.ErrorMessage refused) {
            throw new ApiException(StatusCodes.CONFLICT, null, refused.getMessage(), "name", java.util.Map.of());
          }
          throw ApiErrors.rethrow(error);
        });
  }

  private CompletionStage<HttpResponse> listTenants(Caller caller) {
    return directory().<TenantDirectory.Tenants>ask(TenantDirectory.ListTenants::new, askTimeout)
        .thenApply(all -> errors.json(StatusCodes.OK, all.tenants().stream()
            .filter(t -> visible(caller, t.id())).map(ApiJson.Tenant::of).toList()));
  }

  private CompletionStage<HttpResponse> showTenant(Caller caller, String tenantId) {
    return visibleTenant(caller, tenantId).thenApply(tenant -> errors.json(StatusCodes.OK, ApiJson.Tenant.of(tenant)));
  }

  /**
   * PATCH /tenants/{id}: {@code remoteBaseFolder} (its admins; null: back to the daemon's default) and {@code name}
   * (system only).
   */
  private CompletionStage<HttpResponse> updateTenant(Caller caller, String tenantId,
      JsonSupport.Fields<ApiJson.UpdateTenant> fields) {
    ApiJson.UpdateTenant body = fields.value();
    if (fields.present().isEmpty()) throw ApiException.badRequest("nothing to change: give name or remoteBaseFolder");
    String name = fields.has("name") ? Validation.name(body.name(), "name") : null;
    String base = null;
    if (fields.has("remoteBaseFolder") && body.remoteBaseFolder() != null) {
      try {
        base = io.ncsync.daemon.libraries.RemoteFolderPaths.normalise(body.remoteBaseFolder());
      } catch (IllegalArgumentException e) {
        throw ApiException.badField("remoteBaseFolder", e.getMessage());
      }
    }
    String remoteBase = base;
    return visibleTenant(caller, tenantId).thenCompose(tenant -> {
      if (name != null && !caller.may(Role.SYSTEM)) {
        throw new ApiException(StatusCodes.FORBIDDEN, "forbidden", "renaming a tenant needs the 'system' role; the "
            + "token has '" + caller.role().wireName() + "'", "name", java.util.Map.of("requiredRole", "system"));
      }
      TenantRecord changed = tenant;
      if (name != null) changed = changed.withName(name);
      if (fields.has("remoteBaseFolder")) changed = changed.withRemoteBaseFolder(remoteBase);
      TenantRecord update = changed;
      return directory().<TenantRecord>askWithStatus(replyTo -> new TenantDirectory.UpdateTenant(update, replyTo),
          askTimeout);
    }).handle((updated, error) -> {
      if (error == null) return errors.json(StatusCodes.OK, ApiJson.Tenant.of(updated));
      if (ApiErrors.unwrap(error) instanceof StatusReply.ErrorMessage refused) {
        throw new ApiException(StatusCodes.CONFLICT, null, refused.getMessage(), "name", java.util.Map.of());
      }
      throw ApiErrors.rethrow(error);
    });
  }

  /** Refused for {@code default} and while the tenant has libraries: nothing of a tenant is dropped silently. */
  private CompletionStage<HttpResponse> deleteTenant(String tenantId) {
    if (TenantRecord.DEFAULT_ID.equals(tenantId)) {
      throw ApiException.conflict("the tenant 'default' holds everything created without a tenant; it is never deleted");
    }
    return visibleTenant(Caller.bootstrap(), tenantId)
        .thenCompose(tenant -> tenantEntity(tenantId).<Tenant.Libraries>ask(Tenant.ListLibraries::new, askTimeout))
        .thenCompose(libraries -> {
          if (!libraries.libraries().isEmpty()) {
            throw ApiException.conflict("tenant " + tenantId + " still has " + libraries.libraries().size()
                + " libraries: remove them first (DELETE /api/v1/libraries/{id} with " + BearerAuth.TENANT_HEADER + ")");
          }
          return directory().<TenantDirectory.TenantDeletion>ask(
              replyTo -> new TenantDirectory.DeleteTenant(tenantId, replyTo), askTimeout);
        })
        .thenApply(outcome -> {
          if (outcome != TenantDirectory.TenantDeletion.DELETED) throw unknownTenant(tenantId);
          log.info("tenant {} deleted; its tokens are revoked", tenantId);
          return errors.json(StatusCodes.OK, java.util.Map.of("id", tenantId, "deleted", true));
        });
  }

  // --- tokens -------------------------------------------------------------------------------------------------

  private CompletionStage<HttpResponse> issueToken(Caller caller, String tenantId, ApiJson.CreateToken body) {
    String name = Validation.name(body.name(), "name");
    String wireRole = Validation.required(body.role(), "role");
    Role role = Role.fromWire(wireRole);
    if (role == null) {
      throw ApiException.badField("role", "role must be one of " + Role.wireNames() + ", got '" + wireRole + "'");
    }
    return visibleTenant(caller, tenantId).thenCompose(tenant -> {
      if (!caller.may(role)) {
        throw new ApiException(StatusCodes.FORBIDDEN, "forbidden", "a token with the '" + caller.role().wireName()
            + "' role cannot issue a token with the '" + role.wireName() + "' role", "role",
            java.util.Map.of("requiredRole", role.wireName()));
      }
      if (role == Role.SYSTEM && !TenantRecord.DEFAULT_ID.equals(tenantId)) {
        throw ApiException.badField("role", "system tokens belong to the tenant 'default'");
      }
      ApiTokens.Issued issued = ApiTokens.issue();
      TokenRecord record = new TokenRecord(issued.id(), tenantId, name, role, issued.sha256(),
          Instant.now().truncatedTo(ChronoUnit.MILLIS));
      return directory().<TokenRecord>askWithStatus(replyTo -> new TenantDirectory.IssueToken(record, replyTo), askTimeout)
          .handle((stored, error) -> {
            if (error == null) {
              log.info("token {} '{}' ({}) issued for tenant {}", stored.id(), stored.name(), stored.role().wireName(),
                  stored.tenantId());
              return errors.json(StatusCodes.CREATED, new ApiJson.IssuedToken(stored.id(), stored.tenantId(),
                  stored.name(), stored.role().wireName(), stored.createdAt(), issued.token()));
            }
            if (ApiErrors.unwrap(error) instanceof StatusReply.ErrorMessage refused) {
              throw new ApiException(StatusCodes.CONFLICT, null, refused.getMessage(), "name", java.util.Map.of());
            }
            throw ApiErrors.rethrow(error);
          });
    });
  }

  private CompletionStage<HttpResponse> listTokens(Caller caller, String tenantId) {
    return visibleTenant(caller, tenantId)
        .thenCompose(tenant -> directory().<TenantDirectory.Tokens>ask(
            replyTo -> new TenantDirectory.ListTokens(tenantId, replyTo), askTimeout))
        .thenApply(tokens -> errors.json(StatusCodes.OK, tokens.tokens().stream().map(ApiJson.Token::of).toList()));
  }

  private CompletionStage<HttpResponse> revokeToken(Caller caller, String tokenId) {
    return directory().<TenantDirectory.TokenLookup>ask(replyTo -> new TenantDirectory.GetToken(tokenId, replyTo), askTimeout)
        .thenCompose(lookup -> {
          if (!lookup.found() || !visible(caller, lookup.token().tenantId())) throw unknownToken(tokenId);
          return directory().<TenantDirectory.TokenLookup>ask(
              replyTo -> new TenantDirectory.RevokeToken(tokenId, replyTo), askTimeout);
        })
        .thenApply(revoked -> {
          if (!revoked.found()) throw unknownToken(tokenId);
          log.info("token {} of tenant {} revoked", tokenId, revoked.token().tenantId());
          return errors.json(StatusCodes.OK, ApiJson.Token.of(revoked.token()));
        });
  }

  // --- helpers ------------------------------------------------------------------------------------------------

  /** A system token sees every tenant; any other only its own. */
  private static boolean visible(Caller caller, String tenantId) {
    return caller.may(Role.SYSTEM) || caller.tenantId().equals(tenantId);
  }

  /** The tenant, or a 404 when it does not exist or the caller may not see it (the two are never told apart). */
  private CompletionStage<TenantRecord> visibleTenant(Caller caller, String tenantId) {
    if (!visible(caller, tenantId)) return CompletableFuture.failedFuture(unknownTenant(tenantId));
    return directory().<TenantDirectory.TenantLookup>ask(replyTo -> new TenantDirectory.GetTenant(tenantId, replyTo), askTimeout)
        .thenApply(lookup -> {
          if (!lookup.found()) throw unknownTenant(tenantId);
          return lookup.tenant();
        });
  }

  private static ApiException unknownTenant(String tenantId) {
    return ApiException.notFound("unknown tenant: " + tenantId);
  }

  private static ApiException unknownToken(String tokenId) {
    return ApiException.notFound("unknown token: " + tokenId);
  }

  private EntityRef<TenantDirectory.Command> directory() {
    return TenantDirectory.ref(sharding);
  }

  private EntityRef<Tenant.Command> tenantEntity(String tenantId) {
    return sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId);
  }
}
