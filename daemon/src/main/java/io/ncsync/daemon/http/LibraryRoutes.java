package io.ncsync.daemon.http;

import akka.Done;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.pattern.StatusReply;
import io.ncsync.daemon.libraries.LibraryDirectory;
import io.ncsync.daemon.libraries.LibraryFolders;
import io.ncsync.daemon.libraries.RemoteFolderPaths;
import io.ncsync.daemon.libraries.WorkspacePaths;
import io.ncsync.persistence.library.DocumentHistory;
import io.ncsync.persistence.library.DocumentStatus;
import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.persistence.library.LibraryStatus;
import io.ncsync.persistence.library.Removal;
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.persistence.sync.ConflictStrategy;
import io.ncsync.persistence.sync.SyncEngine;
import io.ncsync.persistence.sync.SyncMode;
import io.ncsync.persistence.tenant.ConnectionRecord;
import io.ncsync.persistence.tenant.LibraryRef;
import io.ncsync.persistence.tenant.Tenant;
import io.ncsync.persistence.tenant.TenantRecord;
import io.ncsync.persistence.tenant.TenantWorkspaces;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static akka.http.javadsl.server.Directives.completeWithFuture;
import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.delete;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.parameterOptional;
import static akka.http.javadsl.server.Directives.patch;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static akka.http.javadsl.server.Directives.pathPrefix;
import static akka.http.javadsl.server.Directives.post;

/**
 * {@code /api/v1/libraries}: create, list, show, change and remove libraries, start a sync run, read status, conflicts
 * and the trash log, answer the deletion guard; {@code /api/v1/conflicts/{id}/resolve} and
 * {@code /api/v1/trash/{entryId}/restore}. A library
 * id reaches a Library entity only after the tenant confirms it exists, so unknown ids never create entities.
 */
public final class LibraryRoutes {
  private static final Logger log = LoggerFactory.getLogger(LibraryRoutes.class);
  private static final int DEFAULT_DOCUMENT_PAGE = 100;
  private static final int MAX_DOCUMENT_PAGE = 1000;

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final JsonSupport json;
  private final ApiErrors errors;
  private final SyncEngine syncIo;
  private final Path workspacesRoot;
  private final DocumentHistory documentHistory;
  private final Access access;
  private final io.ncsync.daemon.db.JdbcSyncLog syncLog;
  private final LibraryDirectory directory;
  /** Where a library without remotePath gets its remote folder ({@code ncsync.libraries.remote-base-folder}). */
  private final String remoteBaseFolder;

  /**
   * @param workspacesRoot the workspaces root as a real path (it exists; symlinks resolved)
   * @param syncIo         prepares a new library's local and remote folders
   * @param documentHistory where the libraries keep their documents' transitions
   */
  public LibraryRoutes(
      ClusterSharding sharding, Duration askTimeout, JsonSupport json, ApiErrors errors, SyncEngine syncIo,
      Path workspacesRoot, DocumentHistory documentHistory, io.ncsync.daemon.db.JdbcSyncLog syncLog,
      String remoteBaseFolder) {
    this.syncLog = syncLog;
    this.remoteBaseFolder = remoteBaseFolder;
    this.sharding = sharding;
    this.askTimeout = askTimeout;
    this.json = json;
    this.errors = errors;
    this.syncIo = syncIo;
    this.workspacesRoot = workspacesRoot;
    this.documentHistory = documentHistory;
    this.access = new Access(errors);
    this.directory = new LibraryDirectory(sharding, askTimeout);
  }

  public Route route(Caller caller) {
    String tenantId = caller.tenantId();
    return concat(librariesRoute(caller),
        path("summary", () -> get(() -> access.require(caller, Endpoint.SUMMARY, () -> respond(() -> summary(tenantId))))),
        pathPrefix("conflicts", () -> path(
        PathMatchers.segment().slash("resolve"), conflictId -> post(() -> access.require(caller, Endpoint.CONFLICT_RESOLVE,
            () -> json.body(ApiJson.ResolveConflict.class, body -> respond(() -> resolve(tenantId, conflictId, body))))))));
  }

  private Route librariesRoute(Caller caller) {
    String tenantId = caller.tenantId();
    return pathPrefix("libraries", () -> concat(
        pathEndOrSingleSlash(() -> concat(
            post(() -> access.require(caller, Endpoint.LIBRARY_CREATE, () -> json.body(ApiJson.CreateLibrary.class,
                body -> respond(() -> create(tenantId, body))))),
            get(() -> access.require(caller, Endpoint.LIBRARY_LIST, () -> respond(() -> list(tenantId)))))),
        pathPrefix(PathMatchers.segment(), id -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> access.require(caller, Endpoint.LIBRARY_SHOW, () -> respond(() -> show(tenantId, id)))),
                patch(() -> access.require(caller, Endpoint.LIBRARY_UPDATE, () -> json.body(ApiJson.UpdateLibrary.class,
                    body -> respond(() -> update(tenantId, id, body))))),
                delete(() -> access.require(caller, Endpoint.LIBRARY_DELETE, () -> parameterOptional("detach",
                    detach -> respond(() -> remove(tenantId, id, detach))))))),
            path("sync", () -> post(() -> access.require(caller, Endpoint.LIBRARY_SYNC, () -> respond(() -> sync(tenantId, id))))),
            path("status", () -> get(() -> access.require(caller, Endpoint.LIBRARY_STATUS, () -> respond(() -> status(tenantId, id))))),
            path("conflicts", () -> get(() -> access.require(caller, Endpoint.LIBRARY_CONFLICTS, () -> parameterOptional("state",
                state -> respond(() -> conflicts(tenantId, id, state.orElse(null))))))),
            path("documents", () -> get(() -> access.require(caller, Endpoint.DOCUMENT_LIST, () -> parameterOptional("path",
                prefix -> parameterOptional("status", status -> parameterOptional("offset", offset ->
                    parameterOptional("limit", limit -> parameterOptional("page", page -> parameterOptional("size",
                        size -> parameterOptional("updatedSince", since -> respond(() -> documents(tenantId, id,
                            prefix, status, offset, limit, page, size, since)))))))))))),
            path(PathMatchers.segment("documents").slash(PathMatchers.segment()), documentId -> get(() ->
                access.require(caller, Endpoint.DOCUMENT_SHOW, () -> respond(() -> document(tenantId, id, documentId))))),
            path("runs", () -> get(() -> access.require(caller, Endpoint.LIBRARY_RUNS, () -> parameterOptional("offset",
                offset -> parameterOptional("limit", limit -> respond(() -> runs(tenantId, id, offset, limit))))))),
            path("trash", () -> get(() -> access.require(caller, Endpoint.LIBRARY_TRASH, () -> parameterOptional("offset",
                offset -> parameterOptional("limit", limit -> respond(() -> trash(tenantId, id, offset, limit))))))),
            path("guard", () -> post(() -> access.require(caller, Endpoint.GUARD_RESOLVE, () -> json.body(
                ApiJson.GuardRequest.class, body -> respond(() -> guard(tenantId, id, body)))))),
            path(PathMatchers.segment("failures").slash("retry"), () -> post(() -> access.require(caller, Endpoint.FAILURES_RETRY,
                () -> json.optionalBody(ApiJson.RetryFailures.class, new ApiJson.RetryFailures(null),
                    body -> respond(() -> retryFailures(tenantId, id, body))))))))));
  }

  /** {@code /api/v1/trash/{entryId}/restore}: entry ids are unique across the tenant's libraries. */
  public Route trashRoute(Caller caller) {
    return pathPrefix("trash", () -> pathPrefix(PathMatchers.segment(), entryId ->
        path("restore", () -> post(() -> access.require(caller, Endpoint.TRASH_RESTORE,
            () -> respond(() -> restore(caller.tenantId(), entryId)))))));
  }

  private Route respond(java.util.function.Supplier<CompletionStage<HttpResponse>> response) {
    return errors.respond(response);
  }

  // --- create -------------------------------------------------------------------------------------------------

  private CompletionStage<HttpResponse> create(String tenantId, ApiJson.CreateLibrary body) {
    String connectionId = Validation.required(body.connectionId(), "connectionId");
    validated(tenantId, body, connectionId, null); // what can be checked without the tenant's record, at once
    return remoteBaseFolder(tenantId)
        .thenCompose(base -> connection(tenantId, connectionId)
            .thenCompose(connection -> createLibrary(validated(tenantId, body, connectionId, base))))
        .thenApply(created -> errors.json(StatusCodes.CREATED, view(created)));
  }

  /** Where the tenant's libraries get their remote folder by default: its own setting, else null (the daemon's). */
  CompletionStage<String> remoteBaseFolder(String tenantId) {
    return io.ncsync.persistence.tenant.TenantDirectory.ref(sharding)
        .<io.ncsync.persistence.tenant.TenantDirectory.TenantLookup>ask(
            replyTo -> new io.ncsync.persistence.tenant.TenantDirectory.GetTenant(tenantId, replyTo), askTimeout)
        .thenApply(lookup -> lookup.found() ? lookup.tenant().remoteBaseFolder() : null);
  }

  /** The library as the API shows it. */
  ApiJson.Library view(LibraryConfig config) {
    return ApiJson.Library.of(config, tenantRoot(config.tenantId()));
  }

  /**
   * The configuration a creation request asks for, checked whole before anything is created. A library without
   * {@code localPath} gets its name as its folder under the tenant's workspaces folder; without {@code remotePath},
   * its name under {@code tenantBase} (the tenant's {@code remoteBaseFolder}), else under
   * {@code ncsync.libraries.remote-base-folder}.
   */
  LibraryConfig validated(String tenantId, ApiJson.CreateLibrary body, String connectionId, String tenantBase) {
    String name = Validation.name(body.name(), "name");
    Path localRoot;
    String remotePath;
    try {
      String localPath = body.localPath() != null ? body.localPath() : LibraryFolders.folderName(name);
      localRoot = WorkspacePaths.resolve(existingTenantRoot(tenantId), localPath);
      if (TenantRecord.DEFAULT_ID.equals(tenantId) && TenantWorkspaces.inOtherTenantsFolder(workspacesRoot, localRoot)) {
        throw ApiException.badField("localPath", "localPath must not lie in '" + TenantWorkspaces.TENANTS_FOLDER
            + "/': that folder holds the other tenants' folders");
      }
    } catch (IllegalArgumentException e) {
      throw ApiException.badField("localPath", e.getMessage());
    }
    try {
      remotePath = RemoteFolderPaths.normalise(body.remotePath() != null ? body.remotePath()
          : LibraryFolders.remoteFolder(tenantBase != null ? tenantBase : remoteBaseFolder, name));
    } catch (IllegalArgumentException e) {
      throw ApiException.badField("remotePath", e.getMessage());
    }
    try {
      return SettingsRequests.patch(body.settings()).applyTo(new LibraryConfig(tenantId, UUID.randomUUID().toString(),
          name, connectionId, localRoot.toString(), remotePath, SyncMode.BIDIRECTIONAL,
          Instant.now().truncatedTo(ChronoUnit.MILLIS)));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  /**
   * Creates a validated library: its folders, its entity, its place in the tenant's list. When a step fails, the
   * folders this request created are removed again (when still empty), so a refused library leaves nothing behind.
   */
  CompletionStage<LibraryConfig> createLibrary(LibraryConfig config) {
    String tenantId = config.tenantId();
    Path localRoot = Path.of(config.localRoot());
    boolean localExisted = java.nio.file.Files.exists(localRoot, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    return configs(tenantId)
        .thenAccept(existing -> refuseClashes(config, existing))
        .thenCompose(ok -> prepare(config))
        .thenCompose(prepared -> createAndRegister(config).handle((created, error) -> error == null
                ? CompletableFuture.completedFuture(created)
                : prepared.undo().<LibraryConfig>thenApply(undone -> {
                  throw ApiErrors.rethrow(error);
                }))
            .thenCompose(created -> created))
        .whenComplete((created, error) -> {
          if (error != null && !localExisted) LibraryFolders.removeIfEmpty(localRoot);
        })
        .thenApply(created -> {
          log.info("library {} '{}' created: {} <-> connection {} folder '/{}' ({})", created.libraryId(),
              created.name(), created.localRoot(), created.connectionId(), created.remotePath(),
              created.mode().wireName());
          return created;
        });
  }

  /**
   * The entity first, then the tenant's list: a crash in between leaves an entity nobody lists (its id is new and never
   * reused), not a listed library without a configuration.
   */
  private CompletionStage<LibraryConfig> createAndRegister(LibraryConfig config) {
    return library(config.tenantId(), config.libraryId())
        .<LibraryConfig>askWithStatus(replyTo -> new Library.Create(config, replyTo), askTimeout)
        .thenCompose(created -> register(config).thenApply(registered -> created));
  }

  private CompletionStage<ConnectionRecord> connection(String tenantId, String connectionId) {
    return mapRefusal(
        tenant(tenantId).<ConnectionRecord>askWithStatus(
            replyTo -> new Tenant.GetConnection(connectionId, replyTo), askTimeout),
        refused -> ApiException.badField("connectionId", "connectionId: unknown connection '" + connectionId + "'"));
  }

  /** Two libraries must never share files: neither the same local folder nor overlapping ones, nor remote ones. */
  private void refuseClashes(LibraryConfig config, List<LibraryConfig> existing) {
    Path localRoot = Path.of(config.localRoot());
    for (LibraryConfig other : existing) {
      if (other.name().equals(config.name())) {
        throw ApiException.conflict("a library named '" + config.name() + "' already exists (id " + other.libraryId() + ")");
      }
      if (WorkspacePaths.overlap(localRoot, Path.of(other.localRoot()))) {
        throw ApiException.conflict("localPath overlaps the folder of library '" + other.name() + "' ("
            + other.libraryId() + "): two libraries must not share local files");
      }
      if (other.connectionId().equals(config.connectionId())
          && RemoteFolderPaths.overlap(config.remotePath(), other.remotePath())) {
        throw ApiException.conflict("remotePath overlaps the remote folder of library '" + other.name() + "' ("
            + other.libraryId() + ") on the same connection: two libraries must not share remote files");
      }
    }
  }

  private CompletionStage<SyncEngine.Prepared> prepare(LibraryConfig config) {
    CompletionStage<SyncEngine.Prepared> prepared;
    try {
      prepared = syncIo.prepareUndoably(config);
    } catch (RuntimeException e) {
      prepared = CompletableFuture.failedFuture(e);
    }
    return prepared.handle((done, error) -> {
      if (error == null) return done;
      Throwable cause = ApiErrors.unwrap(error);
      String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
      throw ApiException.badGateway("could not prepare the library's folders: " + reason);
    });
  }

  private CompletionStage<Done> register(LibraryConfig config) {
    return mapRefusal(
        tenant(config.tenantId()).<Done>askWithStatus(
            replyTo -> new Tenant.RegisterLibrary(config.libraryId(), config.name(), config, replyTo), askTimeout),
        refused -> ApiException.conflict(refused.getMessage()));
  }

  // --- read ---------------------------------------------------------------------------------------------------

  private CompletionStage<HttpResponse> list(String tenantId) {
    return configs(tenantId).thenApply(configs ->
        errors.json(StatusCodes.OK, configs.stream().map(c -> ApiJson.Library.of(c, tenantRoot(tenantId))).toList()));
  }

  private CompletionStage<HttpResponse> show(String tenantId, String id) {
    return existing(tenantId, id)
        .thenCompose(ref -> ask(tenantId, id, Library.Get::new).thenCompose(config -> config.equals(ref.config())
            ? CompletableFuture.completedFuture(config)
            : directory.record(config).thenApply(recorded -> config))) // a stop between a change and its record
        .thenApply(config -> errors.json(StatusCodes.OK, ApiJson.Library.of(config, tenantRoot(tenantId))));
  }

  /** Changes settings from the next run on; 400 names the field of a refused value. */
  private CompletionStage<HttpResponse> update(String tenantId, String id, ApiJson.UpdateLibrary body) {
    if (SettingsRequests.isEmpty(body)) throw ApiException.badRequest("nothing to change: give at least one setting");
    var patch = SettingsRequests.patch(body);
    return existing(tenantId, id)
        .thenCompose(ref -> ask(tenantId, id, (akka.actor.typed.ActorRef<StatusReply<Library.SettingsOutcome>> replyTo)
            -> new Library.ChangeSettings(patch, replyTo)))
        .thenCompose(outcome -> {
          if (outcome instanceof Library.SettingsRefused refused) throw ApiException.badRequest(refused.reason());
          LibraryConfig changed = ((Library.SettingsChanged) outcome).config();
          log.info("library {} '{}' settings changed: {}", changed.libraryId(), changed.name(), changed.settings());
          return directory.record(changed)
              .thenApply(recorded -> errors.json(StatusCodes.OK, ApiJson.Library.of(changed, tenantRoot(tenantId))));
        });
  }

  /**
   * Removes a library: {@code keep} leaves both sides as they are (200, removed); {@code download} first brings every
   * remote file down and answers 202 with the run doing it (the library then shows state detaching, and goes once the
   * run succeeded). The journal keeps its history; its id is never used again.
   */
  private CompletionStage<HttpResponse> remove(String tenantId, String id, Optional<String> detachParam) {
    Removal.Detach detach = detachParam.map(Removal.Detach::fromWire).orElse(null);
    if (detach == null) {
      throw ApiException.badField("detach", "detach must be 'keep' (leave both sides as they are) or 'download' (bring every"
          + " remote file down first), got " + detachParam.map(d -> "'" + d + "'").orElse("nothing"));
    }
    return existing(tenantId, id)
        .thenCompose(ref -> ask(tenantId, id, (akka.actor.typed.ActorRef<StatusReply<Library.DetachAccepted>> replyTo)
            -> new Library.Detach(detach, replyTo)))
        .thenCompose(accepted -> {
          if (!accepted.removed()) {
            log.info("library {} detaching: run {} brings every remote file down first", id, accepted.runId());
            return CompletableFuture.completedFuture(errors.json(StatusCodes.ACCEPTED,
                new ApiJson.Removed(id, "detaching", accepted.runId())));
          }
          return unregister(tenantId, id).thenApply(done -> {
            log.info("library {} removed; both sides left as they are", id);
            return errors.json(StatusCodes.OK, new ApiJson.Removed(id, "removed", null));
          });
        });
  }

  private CompletionStage<Done> unregister(String tenantId, String libraryId) {
    return mapRefusal(tenant(tenantId).<Done>askWithStatus(
        replyTo -> new Tenant.UnregisterLibrary(libraryId, replyTo), askTimeout), refused -> ApiException.conflict(refused.getMessage()));
  }

  private CompletionStage<HttpResponse> sync(String tenantId, String id) {
    return existing(tenantId, id)
        .thenCompose(ref -> ask(tenantId, id, Library.Sync::new))
        .thenApply(accepted -> {
          if (accepted.started()) return errors.json(StatusCodes.ACCEPTED, new ApiJson.SyncStarted(accepted.runId(), null, null));
          if (accepted.activeRunId() != null) {
            return errors.json(StatusCodes.ACCEPTED, new ApiJson.SyncStarted(accepted.runId(), true, accepted.activeRunId()));
          }
          return errors.errorResponse(StatusCodes.CONFLICT, "a sync run is already active for this library",
              Map.of("runId", accepted.runId()));
        });
  }

  private CompletionStage<HttpResponse> status(String tenantId, String id) {
    return existing(tenantId, id)
        .thenCompose(ref -> ask(tenantId, id, Library.GetStatus::new))
        .thenApply(status -> errors.json(StatusCodes.OK, ApiJson.Status.of(status)));
  }

  /**
   * The tenant at a glance: libraries by state, documents by status, open conflicts, the newest failures. A library
   * that does not answer in time is counted under {@code unavailable}, so one slow library never hides the rest.
   */
  private CompletionStage<HttpResponse> summary(String tenantId) {
    return tenant(tenantId).<Tenant.Libraries>ask(Tenant.ListLibraries::new, askTimeout).thenCompose(all -> {
      List<CompletableFuture<Optional<Map.Entry<String, LibraryStatus>>>> statuses = all.libraries().stream()
          .map(ref -> ask(tenantId, ref.libraryId(), Library.GetStatus::new)
              .thenApply(status -> Optional.of(Map.entry(ref.libraryId(), status)))
              .exceptionally(error -> Optional.empty())
              .toCompletableFuture())
          .toList();
      return CompletableFuture.allOf(statuses.toArray(CompletableFuture[]::new)).thenApply(done -> {
        Map<String, Integer> byState = new java.util.TreeMap<>();
        int[] documents = new int[6];
        List<ApiJson.SummaryFailure> failures = new ArrayList<>();
        for (CompletableFuture<Optional<Map.Entry<String, LibraryStatus>>> answer : statuses) {
          Optional<Map.Entry<String, LibraryStatus>> found = answer.join();
          if (found.isEmpty()) {
            byState.merge("unavailable", 1, Integer::sum);
            continue;
          }
          LibraryStatus status = found.get().getValue();
          byState.merge(status.state(), 1, Integer::sum);
          LibraryStatus.Counts c = status.counts();
          int[] counts = {c.synced(), c.pending(), c.failed(), c.conflict(), c.excluded(), c.orphaned()};
          for (int i = 0; i < counts.length; i++) documents[i] += counts[i];
          for (var failure : status.failures()) {
            if (!failure.exclusion()) failures.add(ApiJson.SummaryFailure.of(found.get().getKey(), failure));
          }
        }
        failures.sort(java.util.Comparator.comparing(ApiJson.SummaryFailure::at,
            java.util.Comparator.nullsLast(java.util.Comparator.reverseOrder())));
        ApiJson.Counts counts = new ApiJson.Counts(documents[0], documents[1], documents[2], documents[3],
            documents[4], documents[5]);
        return errors.json(StatusCodes.OK, new ApiJson.Summary(all.libraries().size(), byState, counts, documents[3],
            failures.subList(0, Math.min(SUMMARY_FAILURES, failures.size()))));
      });
    });
  }

  static final int SUMMARY_FAILURES = 20;

  /** Every conflict (unresolved ones by path, then resolved ones newest first), or those in one state. */
  private CompletionStage<HttpResponse> conflicts(String tenantId, String id, String state) {
    java.util.function.Predicate<ConflictRecord> wanted = conflictFilter(state);
    return existing(tenantId, id)
        .thenCompose(ref -> ask(tenantId, id, Library.GetConflicts::new))
        .thenApply(all -> errors.json(StatusCodes.OK,
            ApiJson.Conflict.of(all.conflicts().stream().filter(wanted).toList())));
  }

  /** {@code open}: not resolved yet (open or resolving); {@code resolved}; none: all. */
  private static java.util.function.Predicate<ConflictRecord> conflictFilter(String state) {
    if (state == null) return c -> true;
    if (state.equals("open")) return c -> !c.isResolved();
    if (state.equals("resolved")) return ConflictRecord::isResolved;
    throw ApiException.badField("state", "state must be 'open' or 'resolved', got '" + state + "'");
  }

  // --- resolve ------------------------------------------------------------------------------------------------

  /**
   * Hands the operator's choice to the library holding the conflict; the next run carries it out. Conflict ids are
   * unique, so every library of the tenant is asked and all but the owner answer "unknown conflict" (a tenant has few
   * libraries; an index in the Tenant entity would be one more thing to keep in step).
   */
  private CompletionStage<HttpResponse> resolve(String tenantId, String conflictId, ApiJson.ResolveConflict body) {
    ConflictStrategy strategy = resolutionStrategy(body);
    return tenant(tenantId).<Tenant.Libraries>ask(Tenant.ListLibraries::new, askTimeout).thenCompose(all -> {
      List<CompletableFuture<Optional<Library.ResolveOutcome>>> asks = new ArrayList<>();
      for (LibraryRef ref : all.libraries()) {
        asks.add(library(tenantId, ref.libraryId()).<Library.ResolveOutcome>askWithStatus(
                replyTo -> new Library.ResolveConflict(conflictId, strategy, ConflictRecord.BY_OPERATOR, replyTo), askTimeout)
            .handle((outcome, error) -> {
              if (error == null) return Optional.of(outcome);
              log.warn("library {} did not answer about conflict {}: {}", ref.libraryId(), conflictId, ApiErrors.unwrap(error).toString());
              return Optional.<Library.ResolveOutcome>empty();
            })
            .toCompletableFuture());
      }
      return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(done -> {
        List<Optional<Library.ResolveOutcome>> outcomes = asks.stream().map(CompletableFuture::join).toList();
        for (Optional<Library.ResolveOutcome> outcome : outcomes) {
          if (outcome.isPresent() && !isUnknown(outcome.get())) return resolutionResponse(outcome.get());
        }
        if (outcomes.stream().anyMatch(Optional::isEmpty)) {
          throw new ApiException(StatusCodes.SERVICE_UNAVAILABLE, "not every library answered; try again");
        }
        throw ApiException.notFound("unknown conflict: " + conflictId);
      });
    });
  }

  private static ConflictStrategy resolutionStrategy(ApiJson.ResolveConflict body) {
    String wire = Validation.required(body.strategy(), "strategy");
    ConflictStrategy strategy = io.ncsync.persistence.sync.WireNames.parse(ConflictStrategy.class, wire);
    if (strategy == null || strategy == ConflictStrategy.MANUAL) {
      throw ApiException.badField("strategy", "strategy must be one of 'keep_local', 'keep_remote', 'keep_newest', 'keep_both', got '" + wire + "'");
    }
    return strategy;
  }

  private static boolean isUnknown(Library.ResolveOutcome outcome) {
    return outcome instanceof Library.ResolutionRefused refused && refused.refusal() == Library.Refusal.UNKNOWN_CONFLICT;
  }

  private HttpResponse resolutionResponse(Library.ResolveOutcome outcome) {
    if (outcome instanceof Library.ResolutionAccepted accepted) {
      log.info("conflict {} on '{}' resolved by the operator: {} (carried out by the next run)", accepted.conflict().id(),
          accepted.conflict().path(), accepted.conflict().strategy().wireName());
      return errors.json(StatusCodes.ACCEPTED, ApiJson.Conflict.of(accepted.conflict()));
    }
    Library.ResolutionRefused refused = (Library.ResolutionRefused) outcome;
    StatusCode status = switch (refused.refusal()) {
      case ALREADY_RESOLVED, SIDES_CHANGED -> StatusCodes.CONFLICT;
      case NOT_APPLICABLE -> StatusCodes.BAD_REQUEST;
      case SIDES_UNKNOWN -> StatusCodes.SERVICE_UNAVAILABLE;
      case UNKNOWN_CONFLICT -> StatusCodes.NOT_FOUND;
    };
    return errors.errorResponse(status, refused.reason(), Map.of("reason", io.ncsync.persistence.sync.WireNames.of(refused.refusal())));
  }

  // --- trash and guard ----------------------------------------------------------------------------------------

  static final int DEFAULT_TRASH_PAGE = 50;
  static final int MAX_TRASH_PAGE = 500;

  private CompletionStage<HttpResponse> trash(String tenantId, String id, Optional<String> offsetParam,
      Optional<String> limitParam) {
    int offset = intParameter(offsetParam, "offset", 0, 0, Integer.MAX_VALUE);
    int limit = intParameter(limitParam, "limit", DEFAULT_TRASH_PAGE, 1, MAX_TRASH_PAGE);
    return existing(tenantId, id)
        .thenCompose(ref -> ask(tenantId, id,
            (akka.actor.typed.ActorRef<StatusReply<Library.TrashPage>> replyTo) -> new Library.GetTrash(offset, limit, replyTo)))
        .thenApply(page -> errors.json(StatusCodes.OK, new ApiJson.TrashPage(page.total(), offset, limit,
            page.entries().stream().map(ApiJson.TrashEntry::of).toList())));
  }

  /** The library's runs, newest first. */
  private CompletionStage<HttpResponse> runs(String tenantId, String id, Optional<String> offsetParam,
      Optional<String> limitParam) {
    int offset = intParameter(offsetParam, "offset", 0, 0, Integer.MAX_VALUE);
    int limit = intParameter(limitParam, "limit", DEFAULT_DOCUMENT_PAGE, 1, MAX_DOCUMENT_PAGE);
    return existing(tenantId, id)
        .thenCompose(ref -> syncLog.runs(tenantId, id, offset, limit))
        .thenApply(page -> errors.json(StatusCodes.OK, new ApiJson.RunPage(page.total(), offset, limit,
            page.items().stream().map(ApiJson.Run::of).toList())));
  }

  /** The library's documents at or below {@code path}, in one {@code status}: a page sorted by path. */
  private CompletionStage<HttpResponse> documents(String tenantId, String id, Optional<String> prefixParam,
      Optional<String> statusParam, Optional<String> offsetParam, Optional<String> limitParam,
      Optional<String> pageParam, Optional<String> sizeParam, Optional<String> updatedSinceParam) {
    String prefix = prefixParam.map(p -> p.trim().replaceAll("^/+|/+$", "")).orElse("");
    DocumentStatus status = statusParam.map(LibraryRoutes::documentStatus).orElse(null);
    if ((pageParam.isPresent() || sizeParam.isPresent()) && (offsetParam.isPresent() || limitParam.isPresent())) {
      throw ApiException.badRequest("page and size, or offset and limit: not both");
    }
    int limit = sizeParam.isPresent() ? intParameter(sizeParam, "size", DEFAULT_DOCUMENT_PAGE, 1, MAX_DOCUMENT_PAGE)
        : intParameter(limitParam, "limit", DEFAULT_DOCUMENT_PAGE, 1, MAX_DOCUMENT_PAGE);
    int offset = pageParam.isPresent()
        ? Math.multiplyExact(intParameter(pageParam, "page", 1, 1, Integer.MAX_VALUE / MAX_DOCUMENT_PAGE) - 1, limit)
        : intParameter(offsetParam, "offset", 0, 0, Integer.MAX_VALUE);
    Instant since = updatedSinceParam.map(v -> instantParameter(v, "updatedSince")).orElse(null);
    return existing(tenantId, id)
        .thenCompose(ref -> since == null ? CompletableFuture.completedFuture(null)
            : documentHistory.changedSince(tenantId, id, since))
        .thenCompose(ids -> ask(tenantId, id, (akka.actor.typed.ActorRef<StatusReply<Library.DocumentPage>> replyTo) ->
            new Library.GetDocuments(prefix, status, offset, limit, ids, replyTo)))
        .thenCompose(page -> documentHistory.latest(tenantId, id,
                page.documents().stream().map(io.ncsync.persistence.library.DocumentView::documentId).toList())
            .thenApply(latest -> errors.json(StatusCodes.OK, new ApiJson.DocumentPage(page.total(), offset, limit,
                page.documents().stream()
                    .map(d -> ApiJson.Document.of(d).withLastTransition(latest.get(d.documentId()))).toList()))));
  }

  private static Instant instantParameter(String value, String name) {
    try {
      return Instant.parse(value.trim());
    } catch (java.time.format.DateTimeParseException e) {
      throw ApiException.badField(name, name + " must be a time like 2026-12-04T10:00:00Z, got '" + value + "'");
    }
  }

  private static DocumentStatus documentStatus(String wire) {
    DocumentStatus status;
    try {
      status = DocumentStatus.fromWire(wire.trim());
    } catch (IllegalArgumentException e) {
      status = null;
    }
    if (status == null) {
      throw ApiException.badField("status", "status must be one of " + io.ncsync.persistence.sync.WireNames.choices(DocumentStatus.class)
          + ", got '" + wire + "'");
    }
    return status;
  }

  /**
   * One document and its history, newest first. A document gone from both sides is answered from its history (status
   * {@code removed} or {@code orphaned}); an id the library never had is 404, like an unknown library.
   */
  private CompletionStage<HttpResponse> document(String tenantId, String id, String documentId) {
    if (!io.ncsync.persistence.sync.DocumentIds.isWellFormed(documentId)) {
      return CompletableFuture.failedFuture(ApiException.notFound("unknown document: " + documentId));
    }
    return existing(tenantId, id)
        .thenCompose(ref -> ask(tenantId, id, (akka.actor.typed.ActorRef<StatusReply<Library.DocumentPage>> replyTo) ->
            new Library.GetDocument(documentId, replyTo)))
        .thenCompose(page -> documentHistory.of(tenantId, id, documentId, DocumentHistory.KEPT).thenApply(history -> {
          if (page.documents().isEmpty() && history.isEmpty()) throw ApiException.notFound("unknown document: " + documentId);
          ApiJson.Document now = page.documents().isEmpty() ? ApiJson.Document.of(history.get(0))
              : ApiJson.Document.of(page.documents().get(0));
          return errors.json(StatusCodes.OK, now.withHistory(history.stream().map(ApiJson.Transition::of).toList()));
        }));
  }

  private static int intParameter(Optional<String> value, String name, int fallback, int min, int max) {
    if (value.isEmpty()) return fallback;
    try {
      int parsed = Integer.parseInt(value.get().trim());
      if (parsed < min || parsed > max) throw ApiException.badField(name, name + " must be between " + min + " and " + max);
      return parsed;
    } catch (NumberFormatException e) {
      throw ApiException.badField(name, name + " must be a whole number, got '" + value.get() + "'");
    }
  }

  /**
   * Lifts the back-off and the parking of failed documents: those named in {@code {"paths": [...]}}, or every one when
   * the body is empty or names none. Answers how many were released; the next run tries them.
   */
  private CompletionStage<HttpResponse> retryFailures(String tenantId, String id, ApiJson.RetryFailures body) {
    java.util.Set<String> paths = body.paths() == null ? java.util.Set.of() : java.util.Set.copyOf(body.paths());
    return existing(tenantId, id)
        .thenCompose(ref -> ask(tenantId, id,
            (akka.actor.typed.ActorRef<StatusReply<Integer>> replyTo) -> new Library.RetryFailures(paths, replyTo)))
        .thenApply(released -> errors.json(StatusCodes.OK, new ApiJson.FailuresReleased(released)));
  }

  /** 409 when nothing is held (or a run is active). */
  private CompletionStage<HttpResponse> guard(String tenantId, String id, ApiJson.GuardRequest body) {
    String action = Validation.required(body.action(), "action");
    Library.GuardAction guardAction = switch (action) {
      case "confirm" -> Library.GuardAction.CONFIRM;
      case "cancel" -> Library.GuardAction.CANCEL;
      default -> throw ApiException.badField("action", "action must be \"confirm\" or \"cancel\", got '" + action + "'");
    };
    return existing(tenantId, id)
        .thenCompose(ref -> ask(tenantId, id,
            (akka.actor.typed.ActorRef<StatusReply<Library.GuardAction>> replyTo) -> new Library.ResolveGuard(guardAction, replyTo)))
        .thenApply(done -> {
          log.info("library {}: held deletions {} through the API", id, action);
          return errors.json(StatusCodes.OK, new ApiJson.GuardResolved(action));
        });
  }

  /** Finds the library whose trash log has the entry (404 when none has), then restores it there (409 when it cannot). */
  private CompletionStage<HttpResponse> restore(String tenantId, String entryId) {
    return tenant(tenantId).<Tenant.Libraries>ask(Tenant.ListLibraries::new, askTimeout)
        .thenCompose(all -> {
          List<CompletableFuture<Optional<String>>> lookups = all.libraries().stream()
              .map(ref -> library(tenantId, ref.libraryId())
                  .<Boolean>ask(replyTo -> new Library.HasTrashEntry(entryId, replyTo), askTimeout)
                  .thenApply(has -> has ? Optional.of(ref.libraryId()) : Optional.<String>empty())
                  .toCompletableFuture())
              .toList();
          return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
              .thenApply(done -> lookups.stream().map(CompletableFuture::join).flatMap(Optional::stream).findFirst()
                  .orElseThrow(() -> ApiException.notFound("unknown trash entry: " + entryId)));
        })
        .thenCompose(libraryId -> ask(tenantId, libraryId,
            (akka.actor.typed.ActorRef<StatusReply<io.ncsync.persistence.sync.TrashEntry>> replyTo)
                -> new Library.RestoreTrash(entryId, replyTo)))
        .thenApply(line -> errors.json(StatusCodes.OK, ApiJson.TrashEntry.of(line)));
  }

  /** The tenant's registered library, or a 404 naming the id. */
  CompletionStage<LibraryRef> existing(String tenantId, String id) {
    return tenant(tenantId).<Tenant.Libraries>ask(Tenant.ListLibraries::new, askTimeout).thenApply(all -> {
      Optional<LibraryRef> ref = all.libraries().stream().filter(r -> r.libraryId().equals(id)).findFirst();
      return ref.orElseThrow(() -> ApiException.notFound("unknown library: " + id));
    });
  }

  /** A registered library's configuration; 404 for an unknown (or another tenant's) library. */
  CompletionStage<LibraryConfig> config(String tenantId, String id) {
    return existing(tenantId, id).thenCompose(ref -> ask(tenantId, id, Library.Get::new));
  }

  /**
   * The document as the library knows it now; 404 for an unknown library or document (a document gone from both
   * sides has no identity left to ask the server about).
   */
  CompletionStage<io.ncsync.persistence.library.DocumentView> currentDocument(String tenantId, String id,
      String documentId) {
    if (!io.ncsync.persistence.sync.DocumentIds.isWellFormed(documentId)) {
      return CompletableFuture.failedFuture(ApiException.notFound("unknown document: " + documentId));
    }
    return existing(tenantId, id)
        .thenCompose(ref -> ask(tenantId, id, (akka.actor.typed.ActorRef<StatusReply<Library.DocumentPage>> replyTo) ->
            new Library.GetDocument(documentId, replyTo)))
        .thenApply(page -> page.documents().stream().findFirst()
            .orElseThrow(() -> ApiException.notFound("unknown document: " + documentId)));
  }

  /** Asks a registered library of the tenant (404 for an unknown or another tenant's one); refusals as {@link #ask}. */
  <T> CompletionStage<T> askExisting(String tenantId, String id,
      Function<akka.actor.typed.ActorRef<StatusReply<T>>, Library.Command> message) {
    return existing(tenantId, id).thenCompose(ref -> ask(tenantId, id, message));
  }

  /** Starts (or queues) a run of the library, for a change made on the server through the API. */
  CompletionStage<Library.SyncAccepted> syncNow(String tenantId, String id) {
    return ask(tenantId, id, Library.Sync::new);
  }

  /** Every registered library's configuration, from the tenant's read model: no library is asked. */
  CompletionStage<List<LibraryConfig>> configs(String tenantId) {
    return directory.configs(tenantId);
  }

  /** Asks a registered library; its refusals become 404 (unknown), 503 (shutting down) or 409 (anything else). */
  private <T> CompletionStage<T> ask(
      String tenantId, String libraryId, Function<akka.actor.typed.ActorRef<StatusReply<T>>, Library.Command> message) {
    return mapRefusal(library(tenantId, libraryId).askWithStatus(message::apply, askTimeout), refused -> {
      String reason = refused.getMessage() == null ? "refused" : refused.getMessage();
      if (reason.startsWith("unknown library")) return ApiException.notFound("unknown library: " + libraryId);
      if (reason.contains("shutting down")) {
        return new ApiException(StatusCodes.SERVICE_UNAVAILABLE, reason + "; try again after the restart");
      }
      return ApiException.conflict(reason);
    });
  }

  private static <T> CompletionStage<T> mapRefusal(
      CompletionStage<T> stage, Function<StatusReply.ErrorMessage, ApiException> map) {
    return stage.handle((value, error) -> {
      if (error == null) return value;
      Throwable cause = ApiErrors.unwrap(error);
      if (cause instanceof StatusReply.ErrorMessage refused) throw map.apply(refused);
      throw new java.util.concurrent.CompletionException(cause);
    });
  }

  /** The folder this tenant's libraries live in ({@link TenantWorkspaces}). */
  private Path tenantRoot(String tenantId) {
    return TenantWorkspaces.root(workspacesRoot, tenantId);
  }

  /** The tenant's folder, created when its first library is. */
  private Path existingTenantRoot(String tenantId) {
    Path root = tenantRoot(tenantId);
    try {
      return java.nio.file.Files.createDirectories(root).toRealPath();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create the tenant's workspaces folder " + root + ": " + e.getMessage(), e);
    }
  }

  private EntityRef<Tenant.Command> tenant(String tenantId) {
    return sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId);
  }

  private EntityRef<Library.Command> library(String tenantId, String libraryId) {
    return sharding.entityRefFor(Library.ENTITY_KEY, Library.entityId(tenantId, libraryId));
  }
}
