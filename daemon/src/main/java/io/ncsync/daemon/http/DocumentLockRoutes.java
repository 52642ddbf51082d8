package io.ncsync.daemon.http;

import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import io.ncsync.persistence.library.DocumentLock;
import io.ncsync.persistence.library.Library;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.delete;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.post;

/**
 * {@code POST|DELETE /api/v1/libraries/{id}/documents/{documentId}/lock}: a document locked for an owner is left
 * alone by every run on both sides until it is released or its time is up (default 300 s, at most 3,600 s, renewed
 * by the same owner), and locked on the server too where Nextcloud offers files_lock.
 */
public final class DocumentLockRoutes {
  static final Duration DEFAULT_TTL = Duration.ofSeconds(300);
  static final Duration MAX_TTL = Duration.ofSeconds(3600);
  static final int MAX_OWNER = 200;

  private final LibraryRoutes libraries;
  private final JsonSupport json;
  private final ApiErrors errors;
  private final Access access;

  public DocumentLockRoutes(LibraryRoutes libraries, JsonSupport json, ApiErrors errors) {
    this.libraries = libraries;
    this.json = json;
    this.errors = errors;
    this.access = new Access(errors);
  }

  public Route route(Caller caller) {
    String tenantId = caller.tenantId();
    return path(PathMatchers.segment("libraries").slash(PathMatchers.segment()).slash("documents")
        .slash(PathMatchers.segment()).slash("lock"), (libraryId, documentId) -> concat(
        post(() -> access.require(caller, Endpoint.DOCUMENT_LOCK, () -> json.body(ApiJson.LockDocument.class,
            body -> errors.respond(() -> lock(tenantId, libraryId, documentId, body))))),
        delete(() -> access.require(caller, Endpoint.DOCUMENT_UNLOCK,
            () -> errors.respond(() -> unlock(tenantId, libraryId, documentId))))));
  }

  private CompletionStage<HttpResponse> lock(String tenantId, String libraryId, String documentId,
      ApiJson.LockDocument body) {
    String owner = body.owner() == null ? "" : body.owner().strip();
    if (owner.isEmpty()) throw ApiException.badField("owner", "owner is required: who holds the lock");
    if (owner.length() > MAX_OWNER) throw ApiException.badField("owner", "owner has more than " + MAX_OWNER + " characters");
    Duration ttl = body.ttlSeconds() == null ? DEFAULT_TTL : Duration.ofSeconds(body.ttlSeconds());
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
      throw ApiException.badField("ttlSeconds", "ttlSeconds must be between 1 and " + MAX_TTL.toSeconds());
    }
    return notFoundWhenUnknown(libraries.<DocumentLock>askExisting(tenantId, libraryId,
            replyTo -> new Library.LockDocument(documentId, owner, ttl, replyTo)))
        .thenApply(lock -> errors.json(StatusCodes.OK, ApiJson.Lock.of(lock)));
  }

  private CompletionStage<HttpResponse> unlock(String tenantId, String libraryId, String documentId) {
    return notFoundWhenUnknown(libraries.<DocumentLock>askExisting(tenantId, libraryId,
            replyTo -> new Library.UnlockDocument(documentId, replyTo)))
        .thenApply(lock -> errors.json(StatusCodes.OK, ApiJson.Lock.of(lock)));
  }

  /** The library's "unknown document" and "not locked" are 404s, like an unknown library; other refusals stay 409. */
  private static <T> CompletionStage<T> notFoundWhenUnknown(CompletionStage<T> stage) {
    return stage.handle((value, error) -> {
      if (error == null) return value;
      Throwable cause = ApiErrors.unwrap(error);
      if (cause instanceof ApiException api && api.status().equals(StatusCodes.CONFLICT) && api.getMessage() != null
          && (api.getMessage().startsWith("unknown document") || api.getMessage().startsWith("not locked"))) {
        throw ApiException.notFound(api.getMessage());
      }
      throw ApiErrors.rethrow(error);
    });
  }
}
