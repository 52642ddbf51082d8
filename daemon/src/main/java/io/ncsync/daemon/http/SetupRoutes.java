package io.ncsync.daemon.http;

import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.persistence.tenant.ConnectionRecord;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.post;

/**
 * {@code POST /api/v1/setup}: a connection and a library on it in one call, the way a setup wizard asks for them.
 * Both are validated whole first; then the connection is tested and stored, then the library's folders, entity and
 * registration are made. When the library fails, the connection is removed again and a local folder the call made
 * is removed: nothing is left half-created.
 */
public final class SetupRoutes {
  private static final Logger log = LoggerFactory.getLogger(SetupRoutes.class);

  private final ConnectionRoutes connections;
  private final LibraryRoutes libraries;
  private final JsonSupport json;
  private final ApiErrors errors;
  private final Access access;

  public SetupRoutes(ConnectionRoutes connections, LibraryRoutes libraries, JsonSupport json, ApiErrors errors) {
    this.connections = connections;
    this.libraries = libraries;
    this.json = json;
    this.errors = errors;
    this.access = new Access(errors);
  }

  public Route route(Caller caller) {
    return path("setup", () -> post(() -> access.require(caller, Endpoint.SETUP, () -> json.body(ApiJson.Setup.class,
        body -> errors.respond(() -> setup(caller.tenantId(), body))))));
  }

  private CompletionStage<HttpResponse> setup(String tenantId, ApiJson.Setup body) {
    if (body.library() == null) throw ApiException.badField("library", "library is required");
    if (body.library().connectionId() != null) {
      throw ApiException.badField("library.connectionId", "library.connectionId must be absent: the library uses "
          + "the connection this call creates");
    }
    // Everything is checked before anything is made; the library's id and connection are only known below.
    connections.validated(tenantId, body.connection());
    libraries.validated(tenantId, body.library(), "to-be-created", null);
    return libraries.remoteBaseFolder(tenantId).thenCompose(base -> setup(tenantId, body, base));
  }

  private CompletionStage<HttpResponse> setup(String tenantId, ApiJson.Setup body, String remoteBase) {
    libraries.validated(tenantId, body.library(), "to-be-created", remoteBase);
    return connections.createConnection(tenantId, body.connection()).thenCompose(connection -> {
      LibraryConfig config = libraries.validated(tenantId, body.library(), connection.id(), remoteBase);
      return libraries.createLibrary(config)
          .handle((library, error) -> {
            if (error == null) {
              return CompletableFuture.completedFuture(errors.json(StatusCodes.CREATED,
                  new ApiJson.SetUp(ApiJson.Connection.of(connection), libraries.view(library))));
            }
            return undo(tenantId, connection).<HttpResponse>thenApply(undone -> {
              throw ApiErrors.rethrow(error);
            });
          })
          .thenCompose(response -> response);
    });
  }

  /** Removes the connection this setup made; a failure to do so is logged (the caller sees the first error). */
  private CompletionStage<Void> undo(String tenantId, ConnectionRecord connection) {
    return connections.forget(tenantId, connection.id()).handle((done, error) -> {
      if (error == null) {
        log.info("setup: the library could not be created; connection {} removed again", connection.id());
      } else {
        log.warn("setup: the library could not be created, and connection {} could not be removed: {}",
            connection.id(), error.toString());
      }
      return null;
    });
  }
}
