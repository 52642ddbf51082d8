package io.ncsync.daemon.http;

import akka.http.javadsl.model.AttributeKeys;
import akka.http.javadsl.model.RemoteAddress;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.HttpChallenge;
import akka.http.javadsl.model.headers.RetryAfter;
import akka.http.javadsl.model.headers.WWWAuthenticate;
import akka.http.javadsl.server.Route;
import io.ncsync.daemon.security.AdminToken;
import io.ncsync.daemon.security.AuthFailureLimiter;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.optionalAttribute;
import static akka.http.javadsl.server.Directives.optionalHeaderValueByName;

/**
 * {@code Authorization: Bearer <token>} on everything under {@code /api/v1}. A valid token yields the tenant it acts
 * for; today every admin token acts for {@code tenantId}, and tokens per tenant come later without touching routes.
 * A presented token that fails is logged with the client's address (never the token) and counted by the
 * {@link AuthFailureLimiter}; an address over the limit gets 429 with {@code Retry-After}. The address is the TCP
 * peer's ({@link AdminHttpServer} turns the attribute on), never a header a client could forge.
 */
public final class BearerAuth {
  private static final Logger log = LoggerFactory.getLogger(BearerAuth.class);

  private final AdminToken token;
  private final String tenantId;
  private final ApiErrors errors;
  private final AuthFailureLimiter limiter;

  public BearerAuth(AdminToken token, String tenantId, ApiErrors errors) {
    this(token, tenantId, errors, AuthFailureLimiter.standard());
  }

  public BearerAuth(AdminToken token, String tenantId, ApiErrors errors, AuthFailureLimiter limiter) {
    this.token = token;
    this.tenantId = tenantId;
    this.errors = errors;
    this.limiter = limiter;
  }

  /** Runs {@code inner} with the caller's tenant id, or answers 401 (or 429) with a message saying what is wrong. */
  public Route authenticated(Function<String, Route> inner) {
    return optionalAttribute(AttributeKeys.remoteAddress, remote -> optionalHeaderValueByName("Authorization",
        header -> authenticate(address(remote), header, inner)));
  }

  private Route authenticate(String address, Optional<String> header, Function<String, Route> inner) {
    Optional<Duration> blocked = limiter.blockedFor(address);
    if (blocked.isPresent()) {
      long seconds = Math.max(1, (blocked.get().toMillis() + 999) / 1000);
      return complete(errors.errorResponse(StatusCodes.TOO_MANY_REQUESTS, "too many failed authentications from "
              + address + ": try again in " + seconds + " s", Map.of())
          .addHeader(RetryAfter.create(seconds)));
    }
    Optional<Failure> failure = failure(header);
    if (failure.isEmpty()) return inner.apply(tenantId);
    if (failure.get().presented()) {
      log.warn("admin API: failed authentication from {}: {}", address, failure.get().message());
      if (limiter.failed(address)) {
        log.warn("admin API: too many failed authentications from {}; refusing its requests for up to {} s", address,
            AuthFailureLimiter.DEFAULT_WINDOW.toSeconds());
      }
    }
    return complete(errors.errorResponse(StatusCodes.UNAUTHORIZED, failure.get().message(), Map.of())
        .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "ncsync"))));
  }

  /**
   * Why the request is not authenticated.
   *
   * @param presented whether credentials were sent (a guess, counted), as opposed to none at all (not counted, so a
   *                  probe without a header never locks a real client out)
   */
  private record Failure(String message, boolean presented) {}

  private Optional<Failure> failure(Optional<String> header) {
    if (header.isEmpty() || header.get().isBlank()) {
      return Optional.of(new Failure("missing Authorization header: send 'Authorization: Bearer <admin token>'", false));
    }
    String value = header.get().trim();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
      return Optional.of(new Failure(
          "the Authorization header must use the Bearer scheme: 'Authorization: Bearer <admin token>'", true));
    }
    if (!token.matches(value.substring(space + 1).trim())) {
      return Optional.of(new Failure("invalid admin token", true));
    }
    return Optional.empty();
  }

  private static String address(Optional<RemoteAddress> remote) {
    return remote.flatMap(RemoteAddress::getAddress).map(InetAddress::getHostAddress).orElse("(unknown address)");
  }
}
