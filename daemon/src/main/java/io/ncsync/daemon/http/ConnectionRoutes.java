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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import io.ncsync.persistence.library.Library;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static akka.http.javadsl.server.Directives.completeWithFuture;
import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.delete;
import static akka.http.javadsl.server.Directives.parameterOptional;
import static akka.http.javadsl.server.Directives.patch;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static akka.http.javadsl.server.Directives.pathPrefix;
import static akka.http.javadsl.server.Directives.post;

/**
 * {@code /api/v1/connections}: create, list, show, change, test and delete connections; a connection is tested before
 * it is saved unless the request says {@code "skipTest": true}. The app password is encrypted before it reaches
 * the tenant entity and never appears in a response. A connection whose store is in use shows what its server was
 * found to keep ({@code serverPromises}, see {@link ServerPromisesBook}).
 */
public final class ConnectionRoutes {
  /** The same bound as {@code ncsync.remote.requests-per-second}. */
  static final int MAX_REQUESTS_PER_SECOND = 1_000_000;
  private static final Logger log = LoggerFactory.getLogger(ConnectionRoutes.class);

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final JsonSupport json;
  private final ApiErrors errors;
  private final CredentialCipher cipher;
  private final ConnectionChecker checker;
  private final ServerPromisesBook promises;
  private final Access access;
  private final io.ncsync.daemon.libraries.LibraryDirectory libraries;

  public ConnectionRoutes(ClusterSharding sharding, Duration askTimeout, JsonSupport json, ApiErrors errors,
      CredentialCipher cipher, ConnectionChecker checker, ServerPromisesBook promises) {
    this.access = new Access(errors);
    this.libraries = new io.ncsync.daemon.libraries.LibraryDirectory(sharding, askTimeout);
    this.sharding = sharding;
    this.askTimeout = askTimeout;
    this.json = json;
    this.errors = errors;
    this.cipher = cipher;
    this.checker = checker;
    this.promises = promises;
  }

  public Route route(Caller caller) {
    String tenantId = caller.tenantId();
    return pathPrefix("connections", () -> concat(
        pathEndOrSingleSlash(() -> concat(
            post(() -> access.require(caller, Endpoint.CONNECTION_CREATE, () -> json.body(ApiJson.CreateConnection.class,
                body -> respond(() -> create(tenantId, body))))),
            get(() -> access.require(caller, Endpoint.CONNECTION_LIST, () -> respond(() -> list(tenantId)))))),
        path(PathMatchers.segment(), id -> concat(
            get(() -> access.require(caller, Endpoint.CONNECTION_SHOW, () -> respond(() -> show(tenantId, id)))),
            patch(() -> access.require(caller, Endpoint.CONNECTION_UPDATE, () -> json.bodyWithFields(
                ApiJson.UpdateConnection.class, body -> respond(() -> update(tenantId, id, body))))),
            delete(() -> access.require(caller, Endpoint.CONNECTION_DELETE, () -> respond(() -> remove(tenantId, id)))))),
        path(PathMatchers.segment().slash("test"), id -> post(() -> access.require(caller, Endpoint.CONNECTION_TEST,
            () -> respond(() -> test(tenantId, id))))),
        path(PathMatchers.segment().slash("folders"), id -> get(() -> access.require(caller,
            Endpoint.CONNECTION_FOLDERS, () -> parameterOptional("path", folder ->
                respond(() -> folders(tenantId, id, folder.orElse("")))))))));
  }

  /**
   * POST /connections/{id}/test: 200 {ok, outcome, message, serverPromises} whatever the outcome; 404 for an unknown
   * id. {@code serverPromises} is what the probe found just now (null when the connection does not work).
   */
  private CompletionStage<HttpResponse> test(String tenantId, String id) {
    return existing(tenantId, id)
        .thenCompose(record -> check(tenantId, record))
        .thenApply(result -> errors.json(StatusCodes.OK, result));
  }

  /** GET /connections/{id}/folders?path=: the folders one level below {@code path}, by name. */
  private CompletionStage<HttpResponse> folders(String tenantId, String id, String path) {
    String folder;
    try {
      folder = io.ncsync.daemon.libraries.RemoteFolderPaths.normalise(path);
    } catch (IllegalArgumentException e) {
      throw ApiException.badField("path", e.getMessage());
    }
    return existing(tenantId, id)
        .thenCompose(record -> checker.folders(tenantId, record.kind(), record.url(), endpoint(tenantId, record), folder))
        .handle((names, error) -> {
          if (error == null) return errors.json(StatusCodes.OK, new ApiJson.Folders(folder, names));
          Throwable cause = ApiErrors.unwrap(error);
          if (cause instanceof ApiException api) throw api;
          if (cause instanceof io.ncsync.protocol.DavException dav && dav.error() == io.ncsync.protocol.DavError.NOT_FOUND) {
            throw ApiException.notFound("no folder '" + folder + "' on the connection's server");
          }
          throw ApiException.badGateway("could not list '" + folder + "' on the server: " + cause.getMessage());
        });
  }

  private DavEndpoint endpoint(String tenantId, ConnectionRecord record) {
    String password = cipher.decrypt(tenantId, record.encryptedSecret(), ConnectionRemoteStores.associatedData(tenantId, record.id()));
    return new DavEndpoint(ConnectionUrls.davRoot(record.kind(), record.url(), record.username()), record.username(),
        password);
  }

  private CompletionStage<ConnectionChecker.Result> check(String tenantId, ConnectionRecord record) {
    return checker.check(tenantId, record.kind(), record.url(), endpoint(tenantId, record));
  }

  private Route respond(java.util.function.Supplier<CompletionStage<HttpResponse>> response) {
    return errors.respond(response);
  }

  private CompletionStage<HttpResponse> create(String tenantId, ApiJson.CreateConnection body) {
    return createConnection(tenantId, body)
        .thenApply(stored -> errors.json(StatusCodes.CREATED, ApiJson.Connection.of(stored)));
  }

  /** Validates, tests (unless skipped) and stores a connection; fails with the 400 or 409 to answer. */
  CompletionStage<ConnectionRecord> createConnection(String tenantId, ApiJson.CreateConnection body) {
    ConnectionRecord record = validated(tenantId, body);
    return testedUnlessSkipped(tenantId, record, body.skipTest())
        .thenCompose(tested -> tenant(tenantId)
            .<ConnectionRecord>askWithStatus(replyTo -> new Tenant.AddConnection(record, replyTo), askTimeout))
        .handle((stored, error) -> {
          if (error != null) throw refusedAsConflict(error);
          log.info("connection {} '{}' created for tenant {}", stored.id(), stored.name(), tenantId);
          return stored;
        });
  }

  /** A creation request as the record to store (the password encrypted), or a 400 naming the field. */
  ConnectionRecord validated(String tenantId, ApiJson.CreateConnection body) {
    if (body == null) throw ApiException.badField("connection", "connection is required");
    String name = Validation.name(body.name(), "name");
    ConnectionKind kind = ConnectionKind.NEXTCLOUD;
    if (body.kind() != null) {
      kind = ConnectionKind.fromWire(body.kind());
      if (kind == null) throw ApiException.badField("kind", "kind must be 'nextcloud' or 'webdav', got '" + body.kind() + "'");
    }
    boolean allowInsecureHttp = Boolean.TRUE.equals(body.allowInsecureHttp());
    String url = url(body.url(), allowInsecureHttp);
    String username = Validation.required(body.username(), "username");
    String password = password(body.appPassword());
    Integer requestsPerSecond = requestsPerSecond(body.requestsPerSecond());
    String id = UUID.randomUUID().toString();
    return new ConnectionRecord(id, name, kind, url, username,
        cipher.encrypt(tenantId, password, ConnectionRemoteStores.associatedData(tenantId, id)),
        allowInsecureHttp, Instant.now().truncatedTo(ChronoUnit.MILLIS), requestsPerSecond);
  }

  /** Removes a connection no library uses (a setup whose library could not be made). */
  CompletionStage<akka.Done> forget(String tenantId, String id) {
    return tenant(tenantId).<akka.Done>askWithStatus(replyTo -> new Tenant.RemoveConnection(id, replyTo), askTimeout)
        .thenApply(done -> {
          promises.forget(tenantId, id);
          return done;
        });
  }

  /**
   * PATCH /connections/{id}: any of name, url, username, appPassword, allowInsecureHttp, requestsPerSecond (null
   * there: back to the daemon's default). The changed connection is tested before it is saved; its libraries use it
   * from their next request on.
   */
  private CompletionStage<HttpResponse> update(String tenantId, String id,
      JsonSupport.Fields<ApiJson.UpdateConnection> fields) {
    ApiJson.UpdateConnection body = fields.value();
    return existing(tenantId, id).thenCompose(current -> {
      String name = body.name() == null ? current.name() : Validation.name(body.name(), "name");
      boolean allowInsecureHttp = body.allowInsecureHttp() == null ? current.allowInsecureHttp() : body.allowInsecureHttp();
      String url = url(body.url() == null ? current.url() : body.url(), allowInsecureHttp);
      String username = body.username() == null ? current.username() : Validation.required(body.username(), "username");
      String secret = body.appPassword() == null ? current.encryptedSecret()
          : cipher.encrypt(tenantId, password(body.appPassword()), ConnectionRemoteStores.associatedData(tenantId, id));
      Integer requestsPerSecond = fields.has("requestsPerSecond") ? requestsPerSecond(body.requestsPerSecond())
          : current.requestsPerSecond();
      ConnectionRecord changed = new ConnectionRecord(id, name, current.kind(), url, username, secret, allowInsecureHttp,
          current.createdAt(), requestsPerSecond);
      boolean reachChanged = !url.equals(current.url()) || !username.equals(current.username())
          || body.appPassword() != null;
      CompletionStage<Void> tested = reachChanged
          ? testedUnlessSkipped(tenantId, changed, body.skipTest())
          : CompletableFuture.completedFuture(null);
      return tested.thenCompose(ok -> tenant(tenantId)
          .<ConnectionRecord>askWithStatus(replyTo -> new Tenant.UpdateConnection(changed, replyTo), askTimeout));
    }).handle((stored, error) -> {
      if (error == null) {
        log.info("connection {} '{}' of tenant {} changed", stored.id(), stored.name(), tenantId);
        return errors.json(StatusCodes.OK, view(tenantId, stored));
      }
      throw refusedAsConflict(error);
    });
  }

  /** DELETE /connections/{id}: refused with 409 while a library uses it. */
  private CompletionStage<HttpResponse> remove(String tenantId, String id) {
    return existing(tenantId, id)
        .thenCompose(record -> librariesUsing(tenantId, id))
        .thenCompose(users -> {
          if (!users.isEmpty()) {
            throw new ApiException(StatusCodes.CONFLICT, null, "connection " + id + " is used by "
                + users.size() + " libraries (" + String.join(", ", users) + "): remove them first", null,
                java.util.Map.of("libraries", users));
          }
          return tenant(tenantId).<akka.Done>askWithStatus(replyTo -> new Tenant.RemoveConnection(id, replyTo), askTimeout);
        })
        .thenApply(done -> {
          promises.forget(tenantId, id);
          log.info("connection {} of tenant {} deleted", id, tenantId);
          return errors.json(StatusCodes.OK, java.util.Map.of("id", id, "deleted", true));
        });
  }

  /** The ids of the tenant's libraries on this connection, from the tenant's read model. */
  private CompletionStage<List<String>> librariesUsing(String tenantId, String connectionId) {
    return libraries.configs(tenantId).thenApply(configs ->
        configs.stream().filter(c -> c.connectionId().equals(connectionId)).map(c -> c.libraryId()).toList());
  }

  /** Completes when the connection works or the caller skipped the test; else fails with 400 and the reason. */
  private CompletionStage<Void> testedUnlessSkipped(String tenantId, ConnectionRecord record, Boolean skipTest) {
    if (Boolean.TRUE.equals(skipTest)) return CompletableFuture.completedFuture(null);
    return check(tenantId, record).thenAccept(result -> {
      if (!result.ok()) {
        throw new ApiException(StatusCodes.BAD_REQUEST, "connection_test_failed", "the connection test failed ("
            + result.outcome() + "): " + result.message() + " Nothing was saved; send \"skipTest\": true to save it "
            + "anyway.", null, java.util.Map.of("outcome", result.outcome()));
      }
    });
  }

  private static String url(String url, boolean allowInsecureHttp) {
    try {
      return ConnectionUrls.validate(url, allowInsecureHttp);
    } catch (ConnectionUrls.InvalidUrl e) {
      throw ApiException.badField("url", e.getMessage());
    }
  }

  private static String password(String appPassword) {
    if (appPassword == null || appPassword.isEmpty()) throw ApiException.badField("appPassword", "appPassword is required");
    Validation.noControlCharacters(appPassword, "appPassword");
    return appPassword;
  }

  private static Integer requestsPerSecond(Integer requestsPerSecond) {
    if (requestsPerSecond != null && (requestsPerSecond < 0 || requestsPerSecond > MAX_REQUESTS_PER_SECOND)) {
      throw ApiException.badField("requestsPerSecond", "requestsPerSecond must be between 0 (unlimited) and "
          + MAX_REQUESTS_PER_SECOND + ", got " + requestsPerSecond);
    }
    return requestsPerSecond;
  }

  private static RuntimeException refusedAsConflict(Throwable error) {
    if (ApiErrors.unwrap(error) instanceof StatusReply.ErrorMessage refused) return ApiException.conflict(refused.getMessage());
    return ApiErrors.rethrow(error);
  }

  /** The connection, or 404: an unknown id and another tenant's are the same to the caller. */
  CompletionStage<ConnectionRecord> existing(String tenantId, String id) {
    return tenant(tenantId)
        .<ConnectionRecord>askWithStatus(replyTo -> new Tenant.GetConnection(id, replyTo), askTimeout)
        .handle((record, error) -> {
          if (error == null) return record;
          if (ApiErrors.unwrap(error) instanceof StatusReply.ErrorMessage) throw ApiException.notFound("unknown connection: " + id);
          throw ApiErrors.rethrow(error);
        });
  }

  private CompletionStage<HttpResponse> list(String tenantId) {
    return tenant(tenantId)
        .<Tenant.Connections>ask(Tenant.ListConnections::new, askTimeout)
        .thenApply(all -> errors.json(StatusCodes.OK, all.connections().stream().map(c -> view(tenantId, c)).toList()));
  }

  private CompletionStage<HttpResponse> show(String tenantId, String id) {
    return existing(tenantId, id).thenApply(record -> errors.json(StatusCodes.OK, view(tenantId, record)));
  }

  private ApiJson.Connection view(String tenantId, ConnectionRecord record) {
    return ApiJson.Connection.of(record, promises.status(tenantId, record.id()).orElse(null));
  }

  private EntityRef<Tenant.Command> tenant(String tenantId) {
    return sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId);
  }
}
