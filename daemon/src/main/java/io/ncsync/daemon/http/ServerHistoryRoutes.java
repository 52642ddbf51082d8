package io.ncsync.daemon.http;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.ContentDisposition;
import akka.http.javadsl.model.headers.ContentDispositionTypes;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.stream.javadsl.FileIO;
import io.ncsync.daemon.sync.RemoteStores;
import io.ncsync.persistence.library.DocumentHistory;
import io.ncsync.persistence.library.DocumentTransition;
import io.ncsync.persistence.library.DocumentView;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.RemotePaths;
import io.ncsync.protocol.nextcloud.FileVersion;
import io.ncsync.protocol.nextcloud.TrashItem;
import io.ncsync.protocol.nextcloud.Trashbin;
import io.ncsync.protocol.nextcloud.Versions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.parameterOptional;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static akka.http.javadsl.server.Directives.pathPrefix;
import static akka.http.javadsl.server.Directives.post;

/**
 * What Nextcloud keeps of a document's past, through the API: a document's versions (listed, downloaded, restored on
 * the server, then brought down by a run), and the connection's trash bin (listed under a folder, an item restored,
 * then brought back by the runs of the libraries that hold its place). Every lookup checks the tenant's library or
 * connection first, so another tenant's ids are 404 like unknown ones.
 */
public final class ServerHistoryRoutes {
  private static final Logger log = LoggerFactory.getLogger(ServerHistoryRoutes.class);

  /** Versions listed per document are kept this long (unless refreshed), the newest {@link #VERSIONS_KEPT}. */
  static final Duration VERSIONS_FRESH = Duration.ofHours(24);
  static final int VERSIONS_KEPT = 5;

  private final LibraryRoutes libraries;
  private final ConnectionRoutes connections;
  private final Optional<RemoteStores> stores;
  private final DocumentHistory history;
  private final Path downloads;
  private final ApiErrors errors;
  private final Access access;
  private final Clock clock;
  private final Map<String, CachedVersions> versions = new ConcurrentHashMap<>();

  private record CachedVersions(Instant fetchedAt, List<FileVersion> newest) {}

  /** @param downloads the daemon's own folder for versions on their way to a caller (never a workspace) */
  public ServerHistoryRoutes(LibraryRoutes libraries, ConnectionRoutes connections, Optional<RemoteStores> stores,
      DocumentHistory history, Path downloads, ApiErrors errors, Clock clock) {
    this.libraries = libraries;
    this.connections = connections;
    this.stores = stores;
    this.history = history;
    this.downloads = downloads;
    this.errors = errors;
    this.access = new Access(errors);
    this.clock = clock;
    removeLeftovers(downloads);
  }

  /** Versions a stop cut short on their way to a caller. */
  private static void removeLeftovers(Path downloads) {
    if (!Files.isDirectory(downloads)) return;
    try (var files = Files.newDirectoryStream(downloads, "version-*.part")) {
      for (Path file : files) deleteQuietly(file);
    } catch (IOException e) {
      log.warn("could not clean {}: {}", downloads, e.toString());
    }
  }

  public Route route(Caller caller) {
    String tenantId = caller.tenantId();
    return concat(
        pathPrefix(PathMatchers.segment("libraries").slash(PathMatchers.segment()).slash("documents")
            .slash(PathMatchers.segment()).slash("versions"), (libraryId, documentId) -> concat(
            pathEndOrSingleSlash(() -> get(() -> access.require(caller, Endpoint.VERSION_LIST,
                () -> parameterOptional("refresh", refresh -> errors.respond(() -> listVersions(tenantId, libraryId,
                    documentId, refresh.map(Boolean::parseBoolean).orElse(false))))))),
            path(PathMatchers.segment().slash("content"), versionId -> get(() -> access.require(caller,
                Endpoint.VERSION_CONTENT, () -> errors.respond(() -> content(tenantId, libraryId, documentId,
                    versionId))))),
            path(PathMatchers.segment().slash("restore"), versionId -> post(() -> access.require(caller,
                Endpoint.VERSION_RESTORE, () -> errors.respond(() -> restoreVersion(tenantId, libraryId, documentId,
                    versionId))))))),
        pathPrefix(PathMatchers.segment("connections").slash(PathMatchers.segment()).slash("trashbin"),
            connectionId -> concat(
                pathEndOrSingleSlash(() -> get(() -> access.require(caller, Endpoint.TRASHBIN_LIST,
                    () -> parameterOptional("path", folder -> errors.respond(() -> listTrash(tenantId, connectionId,
                        folder.orElse(""))))))),
                path(PathMatchers.segment().slash("restore"), itemId -> post(() -> access.require(caller,
                    Endpoint.TRASHBIN_RESTORE, () -> errors.respond(() -> restoreTrash(tenantId, connectionId,
                        itemId))))))));
  }

  // --- versions -----------------------------------------------------------------------------------------------

  /** A document's library, its identity on the server, and the versions client of its connection. */
  private record Subject(LibraryConfig library, DocumentView document, Versions versions) {}

  private CompletionStage<Subject> subject(String tenantId, String libraryId, String documentId) {
    return libraries.config(tenantId, libraryId)
        .thenCompose(config -> libraries.currentDocument(tenantId, libraryId, documentId)
            .thenCompose(document -> {
              if (document.folder()) throw ApiException.conflict("a folder has no versions");
              if (document.fileId() == null) {
                throw ApiException.conflict("the server has not named this document yet (no file id): sync it first");
              }
              return nextcloudStore(tenantId, config.connectionId(), "versions")
                  .thenApply(store -> new Subject(config, document, Versions.create(store)));
            }));
  }

  private CompletionStage<HttpResponse> listVersions(String tenantId, String libraryId, String documentId,
      boolean refresh) {
    return subject(tenantId, libraryId, documentId)
        .thenCompose(subject -> versionsOf(tenantId, libraryId, subject, refresh).thenApply(cached ->
            errors.json(StatusCodes.OK, new ApiJson.Versions(documentId, subject.document().path(),
                cached.fetchedAt(), cached.newest().stream().map(ApiJson.Version::of).toList()))));
  }

  private CompletionStage<CachedVersions> versionsOf(String tenantId, String libraryId, Subject subject,
      boolean refresh) {
    String key = tenantId + "/" + libraryId + "/" + subject.document().documentId();
    CachedVersions cached = versions.get(key);
    Instant now = clock.instant();
    if (!refresh && cached != null && cached.fetchedAt().plus(VERSIONS_FRESH).isAfter(now)) {
      return CompletableFuture.completedFuture(cached);
    }
    return subject.versions().list(subject.document().fileId())
        .handle((listed, error) -> {
          if (error != null) throw ApiException.badGateway("the server did not list the versions: " + reason(error));
          CachedVersions fresh = new CachedVersions(now, List.copyOf(listed.subList(0, Math.min(VERSIONS_KEPT,
              listed.size()))));
          versions.put(key, fresh);
          return fresh;
        });
  }

  /** The version, looked up in the listing (fetched again when the cached one does not hold it). */
  private CompletionStage<FileVersion> version(String tenantId, String libraryId, Subject subject, String versionId) {
    return versionsOf(tenantId, libraryId, subject, false).thenCompose(cached -> find(cached, versionId)
        .<CompletionStage<FileVersion>>map(CompletableFuture::completedFuture)
        .orElseGet(() -> versionsOf(tenantId, libraryId, subject, true).thenApply(fresh -> find(fresh, versionId)
            .orElseThrow(() -> ApiException.notFound("unknown version: " + versionId)))));
  }

  private static Optional<FileVersion> find(CachedVersions cached, String versionId) {
    return cached.newest().stream().filter(v -> v.versionId().equals(versionId)).findFirst();
  }

  private CompletionStage<HttpResponse> content(String tenantId, String libraryId, String documentId,
      String versionId) {
    return subject(tenantId, libraryId, documentId).thenCompose(subject ->
        version(tenantId, libraryId, subject, versionId).thenCompose(version -> {
          Path file;
          try {
            Files.createDirectories(downloads);
            file = Files.createTempFile(downloads, "version-", ".part");
          } catch (IOException e) {
            throw new IllegalStateException("cannot make a file for the download in " + downloads + ": "
                + e.getMessage(), e);
          }
          return subject.versions().download(version, file).handle((done, error) -> {
            if (error != null) {
              deleteQuietly(file);
              throw ApiException.badGateway("the server did not send the version: " + reason(error));
            }
            long size;
            try {
              size = Files.size(file);
            } catch (IOException e) {
              deleteQuietly(file);
              throw new IllegalStateException(e);
            }
            // Streamed from the daemon's own disk (memory stays flat), removed once sent or abandoned.
            var source = FileIO.fromPath(file).watchTermination((mat, finished) -> {
              finished.whenComplete((ok, failed) -> deleteQuietly(file));
              return mat;
            });
            String name = RemotePaths.name(subject.document().path());
            return HttpResponse.create().withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, size, source))
                .addHeader(ContentDisposition.create(ContentDispositionTypes.ATTACHMENT, Map.of("filename", name)));
          });
        }));
  }

  private CompletionStage<HttpResponse> restoreVersion(String tenantId, String libraryId, String documentId,
      String versionId) {
    return subject(tenantId, libraryId, documentId).thenCompose(subject ->
        version(tenantId, libraryId, subject, versionId).thenCompose(version -> subject.versions().restore(version)
            .handle((done, error) -> {
              if (error != null) throw ApiException.badGateway("the server did not restore the version: " + reason(error));
              return version;
            })
            .thenCompose(restored -> {
              versions.remove(tenantId + "/" + libraryId + "/" + documentId);
              DocumentView document = subject.document();
              history.record(tenantId, libraryId, List.of(new DocumentTransition(documentId, document.path(),
                  document.status(), document.status(), null, clock.instant(), "version " + versionId + " (of "
                      + version.lastModified() + ") restored on the server through the API; a run brings it down")));
              log.info("library {}: version {} of {} restored on the server", libraryId, versionId, document.path());
              return libraries.syncNow(tenantId, libraryId);
            })
            .thenApply(accepted -> errors.json(StatusCodes.ACCEPTED,
                new ApiJson.Restored(versionId, List.of(new ApiJson.RestoringRun(libraryId, accepted.runId())))))));
  }

  // --- trash bin ----------------------------------------------------------------------------------------------

  private CompletionStage<Trashbin> trashbin(String tenantId, String connectionId) {
    return connections.existing(tenantId, connectionId)
        .thenCompose(record -> nextcloudStore(tenantId, connectionId, "the trash bin"))
        .thenApply(Trashbin::create);
  }

  private CompletionStage<HttpResponse> listTrash(String tenantId, String connectionId, String folder) {
    String under = normalizedFolder(folder);
    return trashbin(tenantId, connectionId).thenCompose(trash -> trash.list().handle((items, error) -> {
      if (error != null) throw ApiException.badGateway("the server did not list its trash bin: " + reason(error));
      List<ApiJson.TrashbinItem> shown = new ArrayList<>();
      for (TrashItem item : items) if (isUnder(item.originalLocation(), under)) shown.add(ApiJson.TrashbinItem.of(item));
      return errors.json(StatusCodes.OK, new ApiJson.Trashbin(under, shown));
    }));
  }

  private CompletionStage<HttpResponse> restoreTrash(String tenantId, String connectionId, String itemId) {
    return trashbin(tenantId, connectionId).thenCompose(trash -> trash.list()
        .handle((items, error) -> {
          if (error != null) throw ApiException.badGateway("the server did not list its trash bin: " + reason(error));
          return items.stream().filter(i -> i.id().equals(itemId)).findFirst()
              .orElseThrow(() -> ApiException.notFound("unknown trash bin item: " + itemId));
        })
        .thenCompose(item -> trash.restore(item).handle((done, error) -> {
          if (error != null) throw ApiException.badGateway("the server did not restore the item: " + reason(error));
          log.info("connection {}: '{}' restored from the trash bin", connectionId, item.originalLocation());
          return item;
        }))
        .thenCompose(item -> syncHolders(tenantId, connectionId, item.originalLocation()))
        .thenApply(runs -> errors.json(StatusCodes.ACCEPTED, new ApiJson.Restored(itemId, runs))));
  }

  /** Runs every library of the tenant on this connection whose folder holds {@code location}: they bring it back. */
  private CompletionStage<List<ApiJson.RestoringRun>> syncHolders(String tenantId, String connectionId,
      String location) {
    return libraries.configs(tenantId).thenCompose(all -> {
      List<CompletableFuture<ApiJson.RestoringRun>> runs = new ArrayList<>();
      for (LibraryConfig config : all) {
        if (!config.connectionId().equals(connectionId) || !isUnder(location, config.remotePath())) continue;
        runs.add(libraries.syncNow(tenantId, config.libraryId())
            .thenApply(accepted -> new ApiJson.RestoringRun(config.libraryId(), accepted.runId()))
            .exceptionally(error -> new ApiJson.RestoringRun(config.libraryId(), null))
            .toCompletableFuture());
      }
      return CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new))
          .thenApply(done -> runs.stream().map(CompletableFuture::join).toList());
    });
  }

  // --- helpers ------------------------------------------------------------------------------------------------

  /** The connection's files store, if it is a Nextcloud one: versions and the trash bin are Nextcloud's. */
  private CompletionStage<AkkaHttpRemoteStore> nextcloudStore(String tenantId, String connectionId, String what) {
    if (stores.isEmpty()) {
      return CompletableFuture.failedFuture(ApiException.conflict(what + " cannot be reached: this daemon has no "
          + "server connections"));
    }
    return stores.get().forConnection(tenantId, connectionId).handle((store, error) -> {
      if (error != null) throw ApiException.badGateway("cannot reach the server: " + reason(error));
      if (store instanceof AkkaHttpRemoteStore files && files.features().nextcloud()) return files;
      throw ApiException.conflict(what + " are a Nextcloud feature; this connection is plain WebDAV");
    });
  }

  private static String normalizedFolder(String folder) {
    String trimmed = folder.replaceAll("^/+|/+$", "");
    if (trimmed.isEmpty()) return "";
    for (String segment : trimmed.split("/")) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw ApiException.badField("path", "path must be a folder below the connection's root, like 'Docs/2026'");
      }
    }
    return trimmed;
  }

  /** Whether {@code location} (below the user's files root) is {@code folder} or inside it; "" holds everything. */
  static boolean isUnder(String location, String folder) {
    String place = location == null ? "" : location.replaceAll("^/+|/+$", "");
    String root = folder == null ? "" : folder.replaceAll("^/+|/+$", "");
    return root.isEmpty() || place.equals(root) || place.startsWith(root + "/");
  }

  private static String reason(Throwable error) {
    Throwable cause = ApiErrors.unwrap(error);
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("could not remove {}: {}", file, e.toString());
    }
  }
}
