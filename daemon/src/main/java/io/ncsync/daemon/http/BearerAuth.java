package io.ncsync.daemon.http;

import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.HttpChallenge;
import akka.http.javadsl.model.headers.WWWAuthenticate;
import akka.http.javadsl.server.Route;
import io.ncsync.daemon.security.AdminToken;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.optionalHeaderValueByName;

/**
 * {@code Authorization: Bearer <token>} on everything under {@code /api/v1}. A valid token yields the tenant it acts
 * for; today every admin token acts for {@code tenantId}, and tokens per tenant come later without touching routes.
 */
public final class BearerAuth {
  private final AdminToken token;
  private final String tenantId;
  private final ApiErrors errors;

  public BearerAuth(AdminToken token, String tenantId, ApiErrors errors) {
    this.token = token;
    this.tenantId = tenantId;
    this.errors = errors;
  }

  /** Runs {@code inner} with the caller's tenant id, or answers 401 with a message saying what is missing. */
  public Route authenticated(Function<String, Route> inner) {
    return optionalHeaderValueByName("Authorization", header -> {
      Optional<String> problem = problem(header);
      if (problem.isPresent()) {
        return complete(errors.errorResponse(StatusCodes.UNAUTHORIZED, problem.get(), Map.of())
            .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "ncsync"))));
      }
      return inner.apply(tenantId);
    });
  }

  private Optional<String> problem(Optional<String> header) {
    if (header.isEmpty() || header.get().isBlank()) {
      return Optional.of("missing Authorization header: send 'Authorization: Bearer <admin token>'");
    }
    String value = header.get().trim();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
      return Optional.of("the Authorization header must use the Bearer scheme: 'Authorization: Bearer <admin token>'");
    }
    if (!token.matches(value.substring(space + 1).trim())) {
      return Optional.of("invalid admin token");
    }
    return Optional.empty();
  }
}
