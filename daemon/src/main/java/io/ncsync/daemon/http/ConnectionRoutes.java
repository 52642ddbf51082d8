package io.ncsync.daemon.http;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.pattern.StatusReply;
import io.ncsync.daemon.connections.ConnectionChecker;
import io.ncsync.daemon.connections.ConnectionRemoteStores;
import io.ncsync.daemon.connections.ServerPromisesBook;

import io.ncsync.daemon.connections.ConnectionUrls;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.persistence.tenant.ConnectionKind;
import io.ncsync.persistence.tenant.ConnectionRecord;
import io.ncsync.persistence.tenant.Tenant;
import io.ncsync.protocol.DavEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

import static akka.http.javadsl.server.Directives.completeWithFuture;
import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static akka.http.javadsl.server.Directives.pathPrefix;
import static akka.http.javadsl.server.Directives.post;

/**
 * {@code /api/v1/connections}: create, list and show connections. The app password is encrypted before it reaches
 * the tenant entity and never appears in a response. A connection whose store is in use shows what its server was
 * found to keep ({@code serverPromises}, see {@link ServerPromisesBook}).
 */
public final class ConnectionRoutes {
  /** The same bound as {@code ncsync.remote.requests-per-second}. */
  static final int MAX_REQUESTS_PER_SECOND = 1_000_000;

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final JsonSupport json;
  private final ApiErrors errors;
  private final CredentialCipher cipher;
  private final ConnectionChecker checker;
  private final ServerPromisesBook promises;

  public ConnectionRoutes(ClusterSharding sharding, Duration askTimeout, JsonSupport json, ApiErrors errors,
      CredentialCipher cipher, ConnectionChecker checker, ServerPromisesBook promises) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
    this.json = json;
    this.errors = errors;
    this.cipher = cipher;
    this.checker = checker;
    this.promises = promises;
  }

  public Route route(String tenantId) {
    return pathPrefix("connections", () -> concat(
        pathEndOrSingleSlash(() -> concat(
            post(() -> json.body(ApiJson.CreateConnection.class, body -> respond(create(tenantId, body)))),
            get(() -> respond(list(tenantId))))),
        path(PathMatchers.segment(), id -> get(() -> respond(show(tenantId, id)))),
        path(PathMatchers.segment().slash("test"), id -> post(() -> respond(test(tenantId, id))))));
  }

  /**
   * POST /connections/{id}/test: 200 {ok, outcome, message, serverPromises} whatever the outcome; 404 for an unknown
   * id. {@code serverPromises} is what the probe found just now (null when the connection does not work).
   */
  private CompletionStage<HttpResponse> test(String tenantId, String id) {
    return tenant(tenantId)
        .<ConnectionRecord>askWithStatus(replyTo -> new Tenant.GetConnection(id, replyTo), askTimeout)
        .handle((record, error) -> {
          if (error == null) return record;
          if (ApiErrors.unwrap(error) instanceof StatusReply.ErrorMessage) throw ApiException.notFound("unknown connection: " + id);
          throw error instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(error);
        })
        .thenCompose(record -> {
          String password = cipher.decrypt(record.encryptedSecret(), ConnectionRemoteStores.associatedData(tenantId, record.id()));
          DavEndpoint filesRoot = new DavEndpoint(
              ConnectionUrls.davRoot(record.kind(), record.url(), record.username()), record.username(), password);
          return checker.check(record.kind(), record.url(), filesRoot);
        })
        .thenApply(result -> errors.json(StatusCodes.OK, result));
  }

  private Route respond(CompletionStage<HttpResponse> response) {
    return completeWithFuture(response.exceptionally(errors::toResponse));
  }

  private CompletionStage<HttpResponse> create(String tenantId, ApiJson.CreateConnection body) {
    String name = Validation.name(body.name(), "name");
    ConnectionKind kind = ConnectionKind.NEXTCLOUD;
    if (body.kind() != null) {
      kind = ConnectionKind.fromWire(body.kind());
      if (kind == null) throw ApiException.badRequest("kind must be 'nextcloud' or 'webdav', got '" + body.kind() + "'");
    }
    boolean allowInsecureHttp = Boolean.TRUE.equals(body.allowInsecureHttp());
    String url;
    try {
      url = ConnectionUrls.validate(body.url(), allowInsecureHttp);
    } catch (ConnectionUrls.InvalidUrl e) {
      throw ApiException.badRequest(e.getMessage());
    }
    String username = Validation.required(body.username(), "username");
    if (body.appPassword() == null || body.appPassword().isEmpty()) throw ApiException.badRequest("appPassword is required");
    Validation.noControlCharacters(body.appPassword(), "appPassword");
    Integer requestsPerSecond = body.requestsPerSecond();
    if (requestsPerSecond != null && (requestsPerSecond < 0 || requestsPerSecond > MAX_REQUESTS_PER_SECOND)) {
      throw ApiException.badRequest("requestsPerSecond must be between 0 (unlimited) and " + MAX_REQUESTS_PER_SECOND
          + ", got " + requestsPerSecond);
    }

    String id = UUID.randomUUID().toString();
    ConnectionRecord record = new ConnectionRecord(id, name, kind, url, username,
        cipher.encrypt(body.appPassword(), ConnectionRemoteStores.associatedData(tenantId, id)),
        allowInsecureHttp, Instant.now().truncatedTo(ChronoUnit.MILLIS), requestsPerSecond);
    return tenant(tenantId)
        .<ConnectionRecord>askWithStatus(replyTo -> new Tenant.AddConnection(record, replyTo), askTimeout)
        .handle((stored, error) -> {
          if (error == null) return errors.json(StatusCodes.CREATED, ApiJson.Connection.of(stored));
          if (ApiErrors.unwrap(error) instanceof StatusReply.ErrorMessage refused) {
            return errors.toResponse(ApiException.conflict(refused.getMessage()));
          }
          return errors.toResponse(error);
        });
  }

  private CompletionStage<HttpResponse> list(String tenantId) {
    return tenant(tenantId)
        .<Tenant.Connections>ask(Tenant.ListConnections::new, askTimeout)
        .thenApply(all -> errors.json(StatusCodes.OK, all.connections().stream().map(c -> view(tenantId, c)).toList()));
  }

  private CompletionStage<HttpResponse> show(String tenantId, String id) {
    return tenant(tenantId)
        .<ConnectionRecord>askWithStatus(replyTo -> new Tenant.GetConnection(id, replyTo), askTimeout)
        .handle((record, error) -> {
          if (error == null) return errors.json(StatusCodes.OK, view(tenantId, record));
          if (ApiErrors.unwrap(error) instanceof StatusReply.ErrorMessage) {
            return errors.toResponse(ApiException.notFound("unknown connection: " + id));
          }
          return errors.toResponse(error);
        });
  }

  private ApiJson.Connection view(String tenantId, ConnectionRecord record) {
    return ApiJson.Connection.of(record, promises.status(tenantId, record.id()).orElse(null));
  }

  private EntityRef<Tenant.Command> tenant(String tenantId) {
    return sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId);
  }
}
