package io.ncsync.daemon.http;

import io.ncsync.daemon.connections.ServerPromisesStatus;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.persistence.library.LibraryStatus;
import io.ncsync.persistence.library.RunSummary;
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.persistence.sync.SideInfo;
import io.ncsync.persistence.tenant.ConnectionRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The admin API's wire types: what requests carry and responses show. Kept apart from the domain records so the JSON
 * shape is decided here, and so no secret (the app password, its ciphertext) can end up in a response by accident.
 */
public final class ApiJson {
  private ApiJson() {}

  /** GET /api/v1/connections/{id}/folders: the folders one level below {@code path}. */
  public record Folders(String path, List<String> folders) {}

  /** POST /api/v1/setup: a connection and a library on it, in one call. */
  public record Setup(CreateConnection connection, CreateLibrary library) {}

  /** What POST /api/v1/setup made. */
  public record SetUp(Connection connection, Library library) {}

  /** POST …/documents/{documentId}/lock: who holds it, and for how long (default 300 s, at most 3,600 s). */
  public record LockDocument(Long ttlSeconds, String owner) {}

  /** A document's lock as the API shows it. */
  public record Lock(String documentId, String path, String owner, Instant lockedAt, Instant expiresAt,
      boolean onServer) {
    public static Lock of(io.ncsync.persistence.library.DocumentLock l) {
      return new Lock(l.documentId(), l.path(), l.owner(), l.lockedAt(), l.expiresAt(), l.onServer());
    }
  }

  /** GET …/documents/{documentId}/versions: the newest versions on the server, as listed at {@code fetchedAt}. */
  public record Versions(String documentId, String path, Instant fetchedAt, List<Version> versions) {}

  /** One older version of a document on the server. */
  public record Version(String versionId, long size, Instant lastModified, String etag, String label, String author) {
    public static Version of(io.ncsync.protocol.nextcloud.FileVersion v) {
      return new Version(v.versionId(), v.size(), v.lastModified(), v.etag(), v.label(), v.author());
    }
  }

  /** 202 of a restore on the server: what was restored, and the runs that bring it down. */
  public record Restored(String restored, List<RestoringRun> runs) {}

  /** @param runId null when the library could not start a run (the schedule brings it) */
  public record RestoringRun(String libraryId, String runId) {}

  /** GET /api/v1/connections/{id}/trashbin: the items deleted from {@code path} (or below). */
  public record Trashbin(String path, List<TrashbinItem> items) {}

  public record TrashbinItem(String id, String fileName, String originalLocation, Instant deletionTime,
      String deletedBy, boolean folder, long size) {
    public static TrashbinItem of(io.ncsync.protocol.nextcloud.TrashItem i) {
      return new TrashbinItem(i.id(), i.fileName(), i.originalLocation(), i.deletionTime(), i.deletedBy(), i.folder(),
          i.size());
    }
  }

  /** POST /api/v1/keys/rotate: the new master key (base64 of 32 bytes); absent: generated into the key file. */
  public record RotateKeys(String newKey) {
    @Override
    public String toString() {
      return "RotateKeys[newKey=" + (newKey == null ? "absent" : "(given)") + "]";
    }
  }

  /** What a master key rotation did: the new key's fingerprint and where it is, never the key. */
  public record KeysRotated(String fingerprint, int dataKeysRewrapped, int secretsMigrated, String keyLocation,
      String next) {
    public static KeysRotated of(io.ncsync.daemon.security.KeyRotation.Outcome o) {
      return new KeysRotated(o.fingerprint(), o.dataKeys(), o.migratedSecrets(), o.keyLocation(), o.next());
    }
  }

  /** POST /api/v1/webhooks: the events to post (absent or empty: all). */
  public record CreateWebhook(String url, List<String> events) {}

  /** A webhook as the API shows it; {@code secret} only in the answer to its creation, null after. */
  public record Webhook(String id, String url, List<String> events, Instant createdAt, String secret) {
    public static Webhook of(io.ncsync.persistence.tenant.WebhookRecord record, String secret) {
      return new Webhook(record.id(), record.url(), record.events(), record.createdAt(), secret);
    }

    @Override
    public String toString() {
      return "Webhook[id=" + id + ", url=" + url + "]";
    }
  }

  /** POST /api/v1/tenants. */
  public record CreateTenant(String name) {}

  /** A tenant as the API shows it; {@code remoteBaseFolder} null: the daemon's default. */
  public record Tenant(String id, String name, Instant createdAt, String remoteBaseFolder) {
    public static Tenant of(io.ncsync.persistence.tenant.TenantRecord record) {
      return new Tenant(record.id(), record.name(), record.createdAt(), record.remoteBaseFolder());
    }
  }

  /** PATCH /api/v1/tenants/{id}. */
  public record UpdateTenant(String name, String remoteBaseFolder) {}

  /** POST /api/v1/tenants/{id}/tokens. */
  public record CreateToken(String name, String role) {}

  /** A token as the API lists it: never its secret or hash. */
  public record Token(String id, String tenantId, String name, String role, Instant createdAt) {
    public static Token of(io.ncsync.persistence.tenant.TokenRecord record) {
      return new Token(record.id(), record.tenantId(), record.name(), record.role().wireName(), record.createdAt());
    }
  }

  /** The answer to issuing a token: the only time its secret is shown. */
  public record IssuedToken(String id, String tenantId, String name, String role, Instant createdAt, String token) {
    @Override
    public String toString() {
      return "IssuedToken[id=" + id + ", tenantId=" + tenantId + ", role=" + role + "]";
    }
  }

  /** POST /api/v1/connections. */
  public record CreateConnection(
      String name, String kind, String url, String username, String appPassword, Boolean allowInsecureHttp,
      Integer requestsPerSecond, Boolean skipTest) {
    @Override
    public String toString() {
      return "CreateConnection[name=" + name + ", kind=" + kind + ", url=" + url + ", username=" + username + "]";
    }
  }

  /**
   * PATCH /api/v1/connections/{id}: absent fields stay as they are; {@code "requestsPerSecond": null} returns to the
   * daemon's default.
   */
  public record UpdateConnection(
      String name, String url, String username, String appPassword, Boolean allowInsecureHttp,
      Integer requestsPerSecond, Boolean skipTest) {
    @Override
    public String toString() {
      return "UpdateConnection[name=" + name + ", url=" + url + ", username=" + username + "]";
    }
  }

  /**
   * A connection as the API shows it: never the password, never its ciphertext. {@code requestsPerSecond} is null when
   * the connection uses the daemon's default pacing.
   */
  public record Connection(
      String id, String name, String kind, String url, String username, boolean allowInsecureHttp, Instant createdAt,
      Integer requestsPerSecond, ServerPromisesStatus serverPromises) {
    public static Connection of(ConnectionRecord record) {
      return of(record, null);
    }

    /** @param serverPromises what the server was found to keep; null until the connection's store was first used */
    public static Connection of(ConnectionRecord record, ServerPromisesStatus serverPromises) {
      return new Connection(record.id(), record.name(), record.kind().wireName(), record.url(), record.username(),
          record.allowInsecureHttp(), record.createdAt(), record.requestsPerSecond(), serverPromises);
    }
  }

  /** POST /api/v1/libraries: where, and optionally any of the settings PATCH takes. */
  public record CreateLibrary(
      String name, String connectionId, String localPath, String remotePath, String mode, String conflictStrategy,
      String remoteDeletionPolicy, String localDeletions, Filters filters, Boolean enabled, Integer deletionGuardPercent,
      String syncInterval, String archiveFolder, Boolean verifyOnAdopt, String fullSyncInterval,
      String cleanupInterval, String retryInterval) {
    public CreateLibrary(String name, String connectionId, String localPath, String remotePath, String mode) {
      this(name, connectionId, localPath, remotePath, mode, null, null, null, null, null, null, null, null, null, null,
          null, null);
    }

    UpdateLibrary settings() {
      return new UpdateLibrary(mode, conflictStrategy, remoteDeletionPolicy, localDeletions, filters, enabled,
          deletionGuardPercent, syncInterval, archiveFolder, verifyOnAdopt, fullSyncInterval, cleanupInterval,
          retryInterval);
    }
  }

  /** PATCH /api/v1/libraries/{id}: any of these; absent fields keep their value; {@code filters} is replaced whole. */
  public record UpdateLibrary(
      String mode, String conflictStrategy, String remoteDeletionPolicy, String localDeletions, Filters filters,
      Boolean enabled, Integer deletionGuardPercent, String syncInterval, String archiveFolder, Boolean verifyOnAdopt,
      String fullSyncInterval, String cleanupInterval, String retryInterval) {}

  /**
   * A library's filters. Dates are ISO-8601 instants ("2026-01-31T00:00:00Z").
   */
  public record Filters(
      java.util.List<String> include, java.util.List<String> exclude, java.util.List<String> extensions,
      String modifiedAfter, String modifiedBefore, Long maxSizeBytes) {
    static Filters of(io.ncsync.persistence.sync.SyncFilters f) {
      return new Filters(f.include(), f.exclude(), f.extensions(),
          f.modifiedAfter() == null ? null : f.modifiedAfter().toString(),
          f.modifiedBefore() == null ? null : f.modifiedBefore().toString(), f.maxSizeBytes());
    }
  }

  /**
   * A library as the API shows it.
   *
   * @param localPath relative to the workspaces root
   * @param localRoot the absolute folder
   * @param remotePath the connection's folder, no leading or trailing '/' ("" for the root)
   */
  public record Library(
      String id,
      String name,
      String connectionId,
      String localPath,
      String localRoot,
      String remotePath,
      String mode,
      Instant createdAt,
      String conflictStrategy,
      String remoteDeletionPolicy,
      String localDeletions,
      Filters filters,
      boolean enabled,
      int deletionGuardPercent,
      String syncInterval,
      String archiveFolder,
      boolean verifyOnAdopt,
      String fullSyncInterval,
      String cleanupInterval,
      String retryInterval) {
    public static Library of(LibraryConfig config, Path workspacesRoot) {
      Path localRoot = Path.of(config.localRoot());
      String localPath = localRoot.startsWith(workspacesRoot)
          ? workspacesRoot.relativize(localRoot).toString()
          : config.localRoot();
      var s = config.settings();
      return new Library(config.libraryId(), config.name(), config.connectionId(), localPath, config.localRoot(),
          config.remotePath(), config.mode().wireName(), config.createdAt(), s.conflictStrategy().wireName(),
          s.remoteDeletionPolicy().wireName(), s.localDeletions().wireName(), Filters.of(s.filters()), s.isEnabled(),
          s.deletionGuardPercent(), text(s.syncInterval()), s.archiveFolder(), s.verifyOnAdopt(),
          text(s.fullSyncInterval()), text(s.cleanupInterval()), text(s.retryInterval()));
    }

    /** ISO-8601 ("PT15M"); null where the library takes the daemon's default. */
    private static String text(java.time.Duration interval) {
      return interval == null ? null : interval.toString();
    }
  }

  /** DELETE /api/v1/libraries/{id}: {@code removed}, or {@code detaching} while {@code runId} brings the files down. */
  public record Removed(String id, String state, String runId) {}

  /**
   * 202 of POST /api/v1/libraries/{id}/sync: the run that carries the request out, started now or {@code queued} to
   * follow {@code activeRunId}.
   */
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  public record SyncStarted(String runId, Boolean queued, String activeRunId) {}

  /** GET /api/v1/libraries/{id}/status. */
  public record Status(String state, Run lastRun, Run activeRun, Counts counts, java.util.List<Failure> failures,
      Guard guard, String name, Progress progress, String localWatch, String remoteWatch, Jobs jobs,
      LocalDrift localDrift) {
    public static Status of(LibraryStatus status) {
      LibraryStatus.Counts c = status.counts();
      java.util.List<Failure> failures = status.failures() == null ? java.util.List.of()
          : status.failures().stream().map(Failure::of).toList();
      return new Status(status.state(), Run.of(status.lastRun()), Run.of(status.activeRun()),
          c == null ? new Counts(0, 0, 0, 0, 0, 0)
              : new Counts(c.synced(), c.pending(), c.failed(), c.conflict(), c.excluded(), c.orphaned()),
          failures, Guard.of(status.guard()), status.name(), Progress.of(status.progress()), status.localWatch(),
          status.remoteWatch(), Jobs.of(status.jobs()),
          new LocalDrift(status.localDriftTotal(), status.localDrift().stream()
              .map(d -> new DriftedFile(d.path(), d.kind(), d.fate())).toList()));
    }
  }

  /**
   * A remote-to-local library's local changes (it never uploads): how many, and the first 50 by path with what becomes
   * of each. Found by the last run; empty for other modes.
   */
  public record LocalDrift(int total, java.util.List<DriftedFile> files) {}

  public record DriftedFile(String path, String kind, String fate) {}

  /** When the library's own scheduled jobs last ran (null: not yet). */
  public record Jobs(Instant lastFullSync, Instant lastCleanup) {
    static Jobs of(io.ncsync.persistence.library.ScheduledJobs jobs) {
      return jobs == null ? new Jobs(null, null) : new Jobs(jobs.lastFullSync(), jobs.lastCleanup());
    }
  }

  /** How far the active run is: phase, files (not folders) and bytes done of the run's total. */
  public record Progress(String runId, String phase, int filesDone, int filesTotal, long bytesDone, long bytesTotal) {
    public static Progress of(io.ncsync.persistence.library.RunProgress p) {
      return p == null ? null
          : new Progress(p.runId(), p.phase(), p.filesDone(), p.filesTotal(), p.bytesDone(), p.bytesTotal());
    }
  }

  /**
   * Deletions the deletion guard holds (state "guarded"): what the run saw, how many files it would have deleted on
   * each side of how many, and whether the operator confirmed them for the next run.
   */
  public record Guard(String runId, Instant at, String reason, int localDeletions, int remoteDeletions, long files,
      boolean confirmed) {
    static Guard of(io.ncsync.persistence.library.GuardHold.Summary hold) {
      if (hold == null) return null;
      return new Guard(hold.runId(), hold.at(), hold.reason(), hold.localDeletions(), hold.remoteDeletions(), hold.files(),
          hold.confirmed());
    }
  }

  /** Body of POST /api/v1/libraries/{id}/failures/retry: the paths to release, or none (null, empty) for all. */
  public record RetryFailures(List<String> paths) {}

  /** 200 of POST /api/v1/libraries/{id}/failures/retry. */
  public record FailuresReleased(int released) {}

  /** Body of POST /api/v1/libraries/{id}/guard: "confirm" or "cancel". */
  public record GuardRequest(String action) {}

  /** 200 of POST /api/v1/libraries/{id}/guard. */
  public record GuardResolved(String action) {}

  /**
   * A line of a library's trash log. {@code restorable}: its content is kept in the trash or the archive, so
   * {@code POST /api/v1/trash/{id}/restore} can put it back.
   */
  public record TrashEntry(String id, String path, long size, String sha256, Instant at, String runId, String reason,
      String action, boolean restorable) {
    public static TrashEntry of(io.ncsync.persistence.sync.TrashEntry entry) {
      return new TrashEntry(entry.id(), entry.path(), entry.size(), entry.sha256(), entry.at(), entry.runId(),
          entry.reason(), entry.action().wireName(), entry.kept() != null);
    }
  }

  /**
   * A document: {@code status} one of pending, syncing, synced, failed, conflict, orphaned, locked, excluded, removed;
   * {@code size} -1 when it never synced; {@code history} (only for one document) its transitions, newest first.
   */
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  /**
   * @param lastTransition the document's newest step (in lists; null when it has none on record)
   * @param history        every step kept, newest first (only when one document is shown)
   */
  public record Document(String documentId, String path, String kind, long size, String status, String reason,
      String fileId, String etag, String conflictId, Transition lastTransition, List<Transition> history) {
    static Document of(io.ncsync.persistence.library.DocumentView view) {
      return new Document(view.documentId(), view.path(), view.folder() ? "folder" : "file", view.size(),
          view.status().wireName(), view.reason(), view.fileId(), view.etag(), view.conflictId(), null, null);
    }

    /** A document the library no longer holds, as its last transition left it. */
    static Document of(io.ncsync.persistence.library.DocumentTransition last) {
      return new Document(last.documentId(), last.path(), null, -1, last.to().wireName(), last.reason(), null, null, null,
          Transition.of(last), null);
    }

    Document withHistory(List<Transition> steps) {
      return new Document(documentId, path, kind, size, status, reason, fileId, etag, conflictId,
          steps.isEmpty() ? null : steps.get(0), steps);
    }

    Document withLastTransition(io.ncsync.persistence.library.DocumentTransition last) {
      return new Document(documentId, path, kind, size, status, reason, fileId, etag, conflictId,
          last == null ? null : Transition.of(last), history);
    }
  }

  /** One step of a document's history. {@code from} is null for a document first seen. */
  public record Transition(Instant at, String runId, String from, String to, String path, String reason) {
    static Transition of(io.ncsync.persistence.library.DocumentTransition step) {
      return new Transition(step.at(), step.runId(), step.from() == null ? null : step.from().wireName(),
          step.to().wireName(), step.path(), step.reason());
    }
  }

  /** GET /api/v1/libraries/{id}/documents: sorted by path, {@code limit} documents from {@code offset} of {@code total}. */
  public record DocumentPage(long total, int offset, int limit, List<Document> documents) {}

  /** GET /api/v1/libraries/{id}/trash: newest first, {@code limit} entries from {@code offset} of {@code total}. */
  public record TrashPage(long total, int offset, int limit, List<TrashEntry> entries) {}

  /**
   * A document whose last attempt failed, or whose name is excluded. {@code class} is {@code fatal}, {@code document}
   * or {@code soft} ({@code excluded} for a name that cannot be synced), {@code code} what went wrong (stable names,
   * e.g. {@code forbidden}, {@code changed-meanwhile}); {@code attempts} failures in a row; {@code retryAt} when a
   * {@code document} failure is tried again; {@code parked} when it is not tried again until it changes or an
   * operator retries it; {@code retryable} whether some later run tries again by itself.
   */
  public record Failure(String path, String reason, @com.fasterxml.jackson.annotation.JsonProperty("class") String failureClass,
      String code, int attempts, Instant retryAt, boolean parked, boolean retryable, Instant at, String runId) {
    static Failure of(io.ncsync.persistence.library.FailureRecord record) {
      boolean exclusion = record.exclusion();
      String code = record.code() != null ? record.code().wireName()
          : exclusion ? io.ncsync.persistence.sync.FailureCode.EXCLUDED_NAME.wireName() : null;
      return new Failure(record.path(), record.reason(), exclusion ? "excluded" : record.failureClass().wireName(), code,
          record.attempts(), record.retryAt(), record.parked(), !exclusion && !record.parked(), record.at(),
          record.runId());
    }
  }

  /** A run: the active one (finishedAt and outcome null) or the last finished one. */
  public record Run(
      String runId,
      Instant startedAt,
      Instant finishedAt,
      String outcome,
      int uploaded,
      int downloaded,
      int deletedLocal,
      int deletedRemote,
      int conflicts,
      int failed,
      String reason,
      String code,
      String trigger,
      long bytesUploaded,
      long bytesDownloaded) {
    public static Run of(RunSummary run) {
      if (run == null) return null;
      return new Run(run.runId(), run.startedAt(), run.finishedAt(), run.outcome(), run.uploaded(), run.downloaded(),
          run.deletedLocal(), run.deletedRemote(), run.conflicts(), run.failed(), run.reason(),
          run.code() == null ? null : run.code().wireName(), run.trigger(), run.bytesUploaded(),
          run.bytesDownloaded());
    }
  }

  /** GET /api/v1/summary: the token's tenant at a glance. */
  public record Summary(int libraries, java.util.Map<String, Integer> librariesByState, Counts documents,
      int openConflicts, List<SummaryFailure> lastFailures) {}

  /** A failed document of some library, for the summary. */
  public record SummaryFailure(String libraryId, String path, String code, String reason, Instant at) {
    static SummaryFailure of(String libraryId, io.ncsync.persistence.library.FailureRecord failure) {
      return new SummaryFailure(libraryId, failure.path(), failure.code() == null ? null : failure.code().wireName(),
          failure.reason(), failure.at());
    }
  }

  /** GET /api/v1/libraries/{id}/runs: newest first. */
  public record RunPage(long total, int offset, int limit, List<Run> runs) {}

  /** A sync log line. */
  public record LogLine(Instant at, String tenantId, String libraryId, String runId, String level, String action,
      String path, String message) {
    public static LogLine of(io.ncsync.daemon.logs.SyncLogEntry e) {
      return new LogLine(e.at(), e.tenantId(), e.libraryId(), e.runId(), e.level(), e.action(), e.path(), e.message());
    }
  }

  /** GET /api/v1/logs. */
  public record LogPage(long total, int page, int size, List<LogLine> lines) {}

  public record Counts(int synced, int pending, int failed, int conflict, int excluded, int orphaned) {}

  /**
   * A conflict with both sides' metadata (a side is null when it was absent: deleted there), the strategy applied or
   * pending, and who or what ended it, when.
   *
   * @param state open (waiting for the operator), resolving (the next run carries out {@code strategy}) or resolved
   */
  public record Conflict(
      String id, String path, String type, String state, String strategy, String conflictCopyPath, LocalSide local,
      RemoteSide remote, Instant detectedAt, String runId, String resolvedBy, Instant resolvedAt) {
    public static Conflict of(ConflictRecord record) {
      return new Conflict(record.id(), record.path(), record.type() == null ? null : record.type().wireName(),
          record.state().wireName(), record.strategy().wireName(), record.conflictCopyPath(), LocalSide.of(record.local()),
          RemoteSide.of(record.remote()), record.detectedAt(), record.runId(), record.resolvedBy(), record.resolvedAt());
    }

    public static List<Conflict> of(List<ConflictRecord> records) {
      return records.stream().map(Conflict::of).toList();
    }
  }

  /** POST /api/v1/conflicts/{id}/resolve. */
  public record ResolveConflict(String strategy) {}

  /** The local version of a conflicting file; null fields are unknown. */
  public record LocalSide(Long size, Instant mtime, String sha256) {
    static LocalSide of(SideInfo side) {
      if (side == null) return null;
      return new LocalSide(side.size() < 0 ? null : side.size(),
          side.mtimeMillis() <= 0 ? null : Instant.ofEpochMilli(side.mtimeMillis()), side.sha256());
    }
  }

  /** The remote version of a conflicting file; null fields are unknown. */
  public record RemoteSide(Long size, String etag, Instant lastModified) {
    static RemoteSide of(SideInfo side) {
      if (side == null) return null;
      return new RemoteSide(side.size() < 0 ? null : side.size(), side.etag(),
          side.mtimeMillis() <= 0 ? null : Instant.ofEpochMilli(side.mtimeMillis()));
    }
  }
}
