package io.ncsync.daemon.http;

import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import io.ncsync.persistence.tenant.Role;
import java.util.Map;
import java.util.function.Supplier;

import static akka.http.javadsl.server.Directives.complete;

/**
 * Role checks for the routes. A request its token's role does not allow gets 403 naming the role it would need; the
 * check comes before anything is looked up, so a 403 never says whether an id exists.
 */
public final class Access {
  private final ApiErrors errors;

  public Access(ApiErrors errors) {
    this.errors = errors;
  }

  /** Runs {@code inner} when the caller's role includes the endpoint's, else answers 403. */
  public Route require(Caller caller, Endpoint endpoint, Supplier<Route> inner) {
    Role needed = endpoint.role();
    if (caller.may(needed)) return inner.get();
    return complete(errors.errorResponse(StatusCodes.FORBIDDEN, "forbidden",
        "this needs the '" + needed.wireName() + "' role; the token has '" + caller.role().wireName() + "'", null,
        Map.of("requiredRole", needed.wireName())));
  }
}
