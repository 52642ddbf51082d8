package io.ncsync.daemon.http;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.http.javadsl.model.AttributeKeys;
import akka.http.javadsl.model.RemoteAddress;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.HttpChallenge;
import akka.http.javadsl.model.headers.RetryAfter;
import akka.http.javadsl.model.headers.WWWAuthenticate;
import akka.http.javadsl.server.Route;
import io.ncsync.daemon.security.AdminToken;
import io.ncsync.daemon.security.ApiTokens;
import io.ncsync.daemon.security.AuthFailureLimiter;
import io.ncsync.persistence.tenant.Role;
import io.ncsync.persistence.tenant.TenantDirectory;
import io.ncsync.persistence.tenant.TokenRecord;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.onComplete;
import static akka.http.javadsl.server.Directives.optionalAttribute;
import static akka.http.javadsl.server.Directives.optionalHeaderValueByName;

/**
 * {@code Authorization: Bearer <token>} on everything under {@code /api/v1}, yielding the {@link Caller}: the admin
 * token (system role, tenant {@code default}), or a token the API issued ({@code ncs_<id>_<secret>}, looked up in the
 * {@link TenantDirectory} by its id and compared by hash in constant time). A system token may name the tenant it acts
 * for in {@value #TENANT_HEADER}; any other token naming a tenant not its own gets 403.
 *
 * <p>A presented token that fails is logged with the client's address (never the token) and counted by the
 * {@link AuthFailureLimiter}; an address over the limit gets 429 with {@code Retry-After}. The address is the TCP
 * peer's ({@link AdminHttpServer} turns the attribute on), never a header a client could forge.
 */
public final class BearerAuth {
  private static final Logger log = LoggerFactory.getLogger(BearerAuth.class);
  public static final String TENANT_HEADER = "X-Ncsync-Tenant";

  private final AdminToken adminToken;
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final ApiErrors errors;
  private final AuthFailureLimiter limiter;

  public BearerAuth(AdminToken adminToken, ClusterSharding sharding, Duration askTimeout, ApiErrors errors) {
    this(adminToken, sharding, askTimeout, errors, AuthFailureLimiter.standard());
  }

  public BearerAuth(AdminToken adminToken, ClusterSharding sharding, Duration askTimeout, ApiErrors errors,
      AuthFailureLimiter limiter) {
    this.adminToken = adminToken;
    this.sharding = sharding;
    this.askTimeout = askTimeout;
    this.errors = errors;
    this.limiter = limiter;
  }

  /** Runs {@code inner} for the caller, or answers 401, 403, 404 (unknown tenant) or 429 saying what is wrong. */
  public Route authenticated(Function<Caller, Route> inner) {
    return optionalAttribute(AttributeKeys.remoteAddress, remote -> optionalHeaderValueByName("Authorization",
        header -> optionalHeaderValueByName(TENANT_HEADER, tenant -> authenticate(address(remote), header,
            tenant.map(String::trim).filter(t -> !t.isEmpty()), inner))));
  }

  private Route authenticate(String address, Optional<String> header, Optional<String> tenantHeader,
      Function<Caller, Route> inner) {
    Optional<Duration> blocked = limiter.blockedFor(address);
    if (blocked.isPresent()) {
      long seconds = Math.max(1, (blocked.get().toMillis() + 999) / 1000);
      return complete(errors.errorResponse(StatusCodes.TOO_MANY_REQUESTS, "too many failed authentications from "
              + address + ": try again in " + seconds + " s", Map.of())
          .addHeader(RetryAfter.create(seconds)));
    }
    if (header.isEmpty() || header.get().isBlank()) {
      return unauthorized(address, "missing Authorization header: send 'Authorization: Bearer <token>'", false);
    }
    String value = header.get().trim();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
      return unauthorized(address,
          "the Authorization header must use the Bearer scheme: 'Authorization: Bearer <token>'", true);
    }
    String presented = value.substring(space + 1).trim();
    return onComplete(caller(presented), result -> {
      if (result.isFailure()) return complete(errors.toResponse(result.failed().get()));
      Optional<Caller> caller = result.get();
      if (caller.isEmpty()) return unauthorized(address, "invalid token", true);
      if (tenantHeader.isEmpty() || tenantHeader.get().equals(caller.get().tenantId())) {
        return inner.apply(caller.get());
      }
      return actingFor(caller.get(), tenantHeader.get(), inner);
    });
  }

  /** The caller a presented token stands for; empty when it is no valid token. */
  private CompletionStage<Optional<Caller>> caller(String presented) {
    if (adminToken.matches(presented)) return CompletableFuture.completedFuture(Optional.of(Caller.bootstrap()));
    Optional<String> id = ApiTokens.idOf(presented);
    if (id.isEmpty()) return CompletableFuture.completedFuture(Optional.empty());
    return TenantDirectory.ref(sharding)
        .<TenantDirectory.TokenLookup>ask(replyTo -> new TenantDirectory.GetToken(id.get(), replyTo), askTimeout)
        .thenApply(lookup -> {
          TokenRecord token = lookup.token();
          if (token == null || !ApiTokens.matches(presented, token.secretSha256())) return Optional.empty();
          return Optional.of(new Caller(token.tenantId(), token.role(), token.id()));
        });
  }

  private Route actingFor(Caller caller, String tenantId, Function<Caller, Route> inner) {
    if (!caller.may(Role.SYSTEM)) {
      return complete(errors.errorResponse(StatusCodes.FORBIDDEN, "forbidden", "only a token with the 'system' role "
          + "may act for another tenant (" + TENANT_HEADER + "); this token has '" + caller.role().wireName() + "'",
          null, Map.of("requiredRole", Role.SYSTEM.wireName())));
    }
    return onComplete(TenantDirectory.ref(sharding)
        .<TenantDirectory.TenantLookup>ask(replyTo -> new TenantDirectory.GetTenant(tenantId, replyTo), askTimeout),
        lookup -> {
          if (lookup.isFailure()) return complete(errors.toResponse(lookup.failed().get()));
          if (!lookup.get().found()) {
            return complete(errors.errorResponse(StatusCodes.NOT_FOUND, null, "unknown tenant: " + tenantId,
                TENANT_HEADER, Map.of()));
          }
          return inner.apply(caller.actingFor(tenantId));
        });
  }

  /**
   * @param presented whether credentials were sent (a guess, counted), as opposed to none at all (not counted, so a
   *                  probe without a header never locks a real client out)
   */
  private Route unauthorized(String address, String message, boolean presented) {
    if (presented) {
      log.warn("admin API: failed authentication from {}: {}", address, message);
      if (limiter.failed(address)) {
        log.warn("admin API: too many failed authentications from {}; refusing its requests for up to {} s", address,
            AuthFailureLimiter.DEFAULT_WINDOW.toSeconds());
      }
    }
    return complete(errors.errorResponse(StatusCodes.UNAUTHORIZED, message, Map.of())
        .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "ncsync"))));
  }

  private static String address(Optional<RemoteAddress> remote) {
    return remote.flatMap(RemoteAddress::getAddress).map(InetAddress::getHostAddress).orElse("(unknown address)");
  }
}
