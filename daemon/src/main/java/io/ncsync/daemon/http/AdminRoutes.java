package io.ncsync.daemon.http;

import akka.http.javadsl.server.Route;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.handleExceptions;
import static akka.http.javadsl.server.Directives.handleRejections;
import static akka.http.javadsl.server.Directives.pathPrefix;

/**
 * The whole admin API: {@code /health/*} open, {@code /api/v1/**} behind a bearer token whose role each route checks,
 * every error (thrown, failed or rejected, including unknown routes) rendered as {@code {"error", "message", "field"}}.
 */
public final class AdminRoutes {
  private final HealthRoutes health;
  private final ConnectionRoutes connections;
  private final LibraryRoutes libraries;
  private final TenantRoutes tenants;
  private final Access access;
  private final HostCheck hosts;
  private final LogRoutes logs;
  private final EventRoutes events;
  private final MetricsRoutes metrics;
  private final SetupRoutes setup;
  private final WebhookRoutes webhooks;
  private final KeyRoutes keys;
  private final ServerHistoryRoutes serverHistory;
  private final DocumentLockRoutes locks;
  private final akka.http.javadsl.model.HttpResponse openApi;
  private final BearerAuth auth;
  private final ApiErrors errors;

  public AdminRoutes(
      HealthRoutes health, ConnectionRoutes connections, LibraryRoutes libraries, TenantRoutes tenants,
      LogRoutes logs, EventRoutes events, MetricsRoutes metrics, WebhookRoutes webhooks, KeyRoutes keys,
      ServerHistoryRoutes serverHistory, BearerAuth auth, ApiErrors errors, HostCheck hosts) {
    this.keys = keys;
    this.serverHistory = serverHistory;
    this.locks = new DocumentLockRoutes(libraries, new JsonSupport(JsonSupport.newMapper()), errors);
    this.hosts = hosts;
    this.webhooks = webhooks;
    this.metrics = metrics;
    this.setup = new SetupRoutes(connections, libraries, new JsonSupport(JsonSupport.newMapper()), errors);
    this.events = events;
    this.logs = logs;
    this.health = health;
    this.tenants = tenants;
    this.access = new Access(errors);
    this.openApi = errors.json(akka.http.javadsl.model.StatusCodes.OK,
        OpenApiDocument.build(io.ncsync.daemon.DaemonVersion.ncsync()));
    this.connections = connections;
    this.libraries = libraries;
    this.auth = auth;
    this.errors = errors;
  }

  public Route route() {
    return handleRejections(errors.rejectionHandler(), () -> handleExceptions(errors.exceptionHandler(), () -> hosts.allowed(() -> concat(
        health.route(),
        metrics.route(),
        pathPrefix("api", () -> pathPrefix("v1", () -> auth.authenticated(caller -> concat(
            path("openapi.json", () -> get(() -> access.require(caller, Endpoint.OPENAPI,
                () -> complete(openApi)))),
            tenants.route(caller),
            logs.route(caller),
            setup.route(caller),
            webhooks.route(caller),
            keys.route(caller),
            serverHistory.route(caller),
            locks.route(caller),
            events.route(caller),
            connections.route(caller),
            libraries.route(caller),
            libraries.trashRoute(caller)))))))));
  }
}
