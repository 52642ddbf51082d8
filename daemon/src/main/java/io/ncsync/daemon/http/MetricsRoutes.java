package io.ncsync.daemon.http;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.Route;
import io.ncsync.daemon.metrics.DaemonMetrics;
import io.ncsync.persistence.tenant.Role;
import java.util.Map;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.path;

/**
 * {@code GET /metrics}: the Prometheus text format, behind a token with the {@code system} role (the series are
 * labelled with every tenant's id). Scrape it with {@code authorization: {credentials: <token>}} in Prometheus.
 */
public final class MetricsRoutes {
  private final DaemonMetrics metrics;
  private final BearerAuth auth;
  private final ApiErrors errors;
  private final ContentType contentType;

  public MetricsRoutes(DaemonMetrics metrics, BearerAuth auth, ApiErrors errors) {
    this.metrics = metrics;
    this.auth = auth;
    this.errors = errors;
    this.contentType = ContentTypes.parse(metrics.contentType());
  }

  public Route route() {
    return path("metrics", () -> get(() -> auth.authenticated(caller -> {
      if (!caller.may(Role.SYSTEM)) {
        return complete(errors.errorResponse(akka.http.javadsl.model.StatusCodes.FORBIDDEN, "forbidden",
            "the metrics hold every tenant's series: they need the 'system' role; the token has '"
                + caller.role().wireName() + "'", null, Map.of("requiredRole", Role.SYSTEM.wireName())));
      }
      return complete(HttpResponse.create().withEntity(HttpEntities.create(contentType, metrics.scrape())));
    })));
  }
}
