package io.ncsync.persistence.library;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import io.ncsync.persistence.CborSerializable;
import io.ncsync.persistence.sync.ActionResult;
import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.ChangeFeedPosition;
import io.ncsync.persistence.sync.ConflictPolicy;
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.persistence.sync.ConflictState;
import io.ncsync.persistence.sync.ConflictStrategy;
import io.ncsync.persistence.sync.ConflictType;
import io.ncsync.persistence.sync.Discovery;
import io.ncsync.persistence.sync.DocumentIds;
import io.ncsync.persistence.sync.DiscoveryInput;
import io.ncsync.persistence.sync.LocalDrift;
import io.ncsync.persistence.sync.DocumentChange;
import io.ncsync.persistence.sync.DeletionRules;
import io.ncsync.persistence.sync.Failure;
import io.ncsync.persistence.sync.FailureClass;
import io.ncsync.persistence.sync.FailureCode;
import io.ncsync.persistence.sync.Reconciler;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.persistence.sync.ChangeWatch;
import io.ncsync.persistence.sync.SyncEngine;
import io.ncsync.persistence.sync.SyncMode;
import io.ncsync.persistence.sync.SyncPlan;
import io.ncsync.persistence.sync.Transfer;
import io.ncsync.persistence.sync.TrashEntry;
import io.ncsync.persistence.tenant.Tenant;
import io.ncsync.persistence.tenant.TenantIds;
import io.ncsync.protocol.UploadSession;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;

/**
 * One library: its configuration, the base (last agreed state of every document), open conflicts, failures, upload
 * sessions, change-feed position and run history, event-sourced. A run discovers both sides, plans with
 * {@link Reconciler}, and executes the plan phase by phase through one {@link Document} worker per path, persisting
 * each document's outcome as it arrives, so a crash at any moment loses at most the documents in flight (which the next
 * run re-examines by content). Last, the run records the folder ETags it agreed on (only above what settled: a folder's
 * ETag lets the next run skip everything below it) and where to follow the change feed from.
 *
 * <p>Addressed through Cluster Sharding by {@link #entityId(String, String)}.
 */
public final class Library
    extends EventSourcedBehaviorWithEnforcedReplies<Library.Command, Library.Event, LibraryState> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Library");

  /**
   * @param parallelTransfers documents transferred at once within a run
   * @param snapshotEvery     events between snapshots
   * @param batchFiles        new small files uploaded together at most (1 = no batching)
   * @param batchFileBytes    largest file that goes into a batch
   * @param workspacesRoot    the folder every library's local root must lie in (the daemon's workspaces root)
   * @param documentRetry     when a document that failed for its own sake is tried again, and when it is parked
   */
  /**
   * @param runsUnasked whether a library starts a run by itself right after its creation and right after a restart cut
   *                    its run short (the daemon's default; off where runs happen only on request)
   * @param staleRunAfter how long a run holds its library without progress: then it is given up (failed, "stale"),
   *                    so a run hung on a request nobody answers never blocks the library
   * @param clock       what the library's decisions read the time from (leases, locks, schedules); tests move a manual one
   */
  public record Settings(int parallelTransfers, int snapshotEvery, int batchFiles, long batchFileBytes,
      Path workspacesRoot, DocumentRetry documentRetry, boolean runsUnasked, Duration staleRunAfter,
      java.time.Clock clock) {
    /** A run that made no progress this long holds its library no more ({@link #staleRunAfter}). */
    public static final Duration STALE_RUN_AFTER = Duration.ofHours(1);

    public Settings {
      java.util.Objects.requireNonNull(workspacesRoot, "workspacesRoot");
      java.util.Objects.requireNonNull(documentRetry, "documentRetry");
      if (staleRunAfter == null || staleRunAfter.isNegative() || staleRunAfter.isZero()) staleRunAfter = STALE_RUN_AFTER;
      if (clock == null) clock = java.time.Clock.systemUTC();
    }

    public Settings(int parallelTransfers, int snapshotEvery, int batchFiles, long batchFileBytes,
        Path workspacesRoot, DocumentRetry documentRetry, boolean runsUnasked, Duration staleRunAfter) {
      this(parallelTransfers, snapshotEvery, batchFiles, batchFileBytes, workspacesRoot, documentRetry, runsUnasked,
          staleRunAfter, null);
    }

    public Settings withClock(java.time.Clock value) {
      return new Settings(parallelTransfers, snapshotEvery, batchFiles, batchFileBytes, workspacesRoot, documentRetry,
          runsUnasked, staleRunAfter, value);
    }

    /** The retry rule for a library: its own first wait where it has one ({@link LibrarySettings#retryInterval}). */
    DocumentRetry documentRetry(LibrarySettings library) {
      Duration first = library.retryInterval();
      if (first == null) return documentRetry;
      return new DocumentRetry(first, first.compareTo(documentRetry.max()) > 0 ? first : documentRetry.max(),
          documentRetry.attempts());
    }

    public Settings(int parallelTransfers, int snapshotEvery, int batchFiles, long batchFileBytes,
        Path workspacesRoot, DocumentRetry documentRetry) {
      this(parallelTransfers, snapshotEvery, batchFiles, batchFileBytes, workspacesRoot, documentRetry, false,
          STALE_RUN_AFTER);
    }

    public Settings withRunsUnasked(boolean value) {
      return new Settings(parallelTransfers, snapshotEvery, batchFiles, batchFileBytes, workspacesRoot, documentRetry,
          value, staleRunAfter, clock);
    }

    /** How long a run may go without progress (a listing, a document, a chunk) before it is given up as stale. */
    public Settings withStaleRunAfter(Duration value) {
      return new Settings(parallelTransfers, snapshotEvery, batchFiles, batchFileBytes, workspacesRoot, documentRetry,
          runsUnasked, value, clock);
    }

    public Settings(int parallelTransfers, int snapshotEvery, int batchFiles, long batchFileBytes, Path workspacesRoot) {
      this(parallelTransfers, snapshotEvery, batchFiles, batchFileBytes, workspacesRoot, DocumentRetry.DEFAULT);
    }

    public Settings(int parallelTransfers, int snapshotEvery, Path workspacesRoot) {
      this(parallelTransfers, snapshotEvery, 100, 1L << 20, workspacesRoot);
    }
  }

  // --- commands -----------------------------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /**
   * Creates the library; replies with its config. Repeating it with the same config is harmless. A local root outside
   * the workspaces root is refused with an error, whoever sends this.
   */
  public record Create(LibraryConfig config, ActorRef<StatusReply<LibraryConfig>> replyTo) implements Command {}

  /** Replies with the config, or an error "unknown library". */
  public record Get(ActorRef<StatusReply<LibraryConfig>> replyTo) implements Command {}

  /**
   * Changes the mode and settings from the next run on (the active run keeps what it started with); replies with the
   * outcome: {@link SettingsChanged} or {@link SettingsRefused} naming the field.
   */
  public record ChangeSettings(SettingsPatch patch, ActorRef<StatusReply<SettingsOutcome>> replyTo) implements Command {}

  public sealed interface SettingsOutcome extends CborSerializable {}

  public record SettingsChanged(LibraryConfig config) implements SettingsOutcome {}

  /** @param reason names the field and what is wrong with it */
  public record SettingsRefused(String reason) implements SettingsOutcome {}

  /**
   * The scheduler's tick: the library looks at its own schedule ({@link Schedule}: its intervals, or the daemon's
   * {@code defaults} where it has none) and does what is due: the cleanup first, then a full sync, else an incremental
   * run when its sync interval has passed since its last run started. Only when it is enabled and idle. No reply.
   */
  public record PeriodicSync(Schedule defaults) implements Command {
    /** Only the incremental sync, every {@code defaultInterval}: no full sync, no cleanup. */
    public PeriodicSync(Duration defaultInterval) {
      this(new Schedule(defaultInterval, Duration.ZERO, Duration.ZERO, Schedule.TRASH_RETENTION));
    }
  }

  /**
   * The daemon's schedule for libraries without intervals of their own (zero: never).
   *
   * @param syncInterval     between incremental runs
   * @param fullSyncInterval between full syncs ({@link RunSummary#FULL_SYNC})
   * @param cleanupInterval  between cleanups ({@link CleanUp})
   * @param trashRetention   the cleanup purges trashed and replaced files older than this
   */
  public record Schedule(Duration syncInterval, Duration fullSyncInterval, Duration cleanupInterval,
      Duration trashRetention) implements CborSerializable {
    public static final Duration TRASH_RETENTION = Duration.ofDays(30);
  }

  /**
   * The library's cleanup, on its schedule or on request: gives up a run whose lease went stale, releases expired
   * locks, purges trash past {@code trashRetention} and drops old trash-log lines, and has the engine remove the
   * server's abandoned upload folders. Logs one line saying what it did, and replies with it.
   */
  public record CleanUp(Duration trashRetention, ActorRef<StatusReply<CleanupReport>> replyTo) implements Command {}

  /**
   * What a cleanup did.
   *
   * @param staleRun        the run given up because its lease went stale, or null
   * @param locksReleased   expired locks released
   * @param trashPurged     trashed or replaced files purged for good (their content past the retention)
   * @param trashLinesDropped trash-log lines dropped (past the retention, holding no content)
   * @param uploadFoldersRemoved the server's abandoned upload folders removed (-1: could not be looked at)
   */
  public record CleanupReport(Instant at, String staleRun, int locksReleased, int trashPurged, int trashLinesDropped,
      int uploadFoldersRemoved) implements CborSerializable {
    public String describe() {
      return "stale run " + (staleRun == null ? "none" : staleRun + " given up") + ", " + locksReleased
          + " expired lock(s) released, " + trashPurged + " trashed file(s) purged, " + trashLinesDropped
          + " trash-log line(s) dropped, " + (uploadFoldersRemoved < 0 ? "upload folders not looked at"
          : uploadFoldersRemoved + " abandoned upload folder(s) removed");
    }
  }

  /**
   * Removes the library: {@code KEEP} at once, {@code DOWNLOAD} once a reverse sync (remote to local) has brought every
   * remote file down (a failed one is retried by the periodic tick). Its journal stays; the id is never used again.
   * Replies {@link DetachAccepted}; refused while an ordinary run is active.
   */
  public record Detach(Removal.Detach detach, ActorRef<StatusReply<DetachAccepted>> replyTo) implements Command {}

  /** @param runId the reverse sync bringing the files down, or null when the library is already removed */
  public record DetachAccepted(boolean removed, String runId) implements CborSerializable {}

  /** Starts a run unless one is active; replies {@link SyncAccepted} either way. */
  public record Sync(ActorRef<StatusReply<SyncAccepted>> replyTo) implements Command {}

  /**
   * @param runId       the run that will carry the request out: started now, or queued to follow the active run (however
   *                    many triggers arrive meanwhile, they share one queued run; it is not kept across a restart)
   * @param started     true when {@code runId} started now
   * @param activeRunId the run in progress when the request arrived, or null
   */
  public record SyncAccepted(String runId, boolean started, String activeRunId) implements CborSerializable {
    public SyncAccepted(String runId, boolean started) {
      this(runId, started, null);
    }
  }

  /** Replies with {@link LibraryStatus}. */
  public record GetStatus(ActorRef<StatusReply<LibraryStatus>> replyTo) implements Command {}

  /** Replies with the conflicts not yet resolved (sorted by path), then the resolved ones (newest first). */
  public record GetConflicts(ActorRef<StatusReply<Conflicts>> replyTo) implements Command {}

  public record Conflicts(List<ConflictRecord> conflicts) implements CborSerializable {}

  /**
   * Replies with the documents at or below {@code pathPrefix} ("" for all) that stand at {@code status} (null for any),
   * and whose id is among {@code documentIds} (null: any), sorted by path: {@code limit} from {@code offset}, and how
   * many match.
   */
  public record GetDocuments(String pathPrefix, DocumentStatus status, int offset, int limit,
      java.util.Set<String> documentIds, ActorRef<StatusReply<DocumentPage>> replyTo) implements Command {
    /** Every document, whatever its id. */
    public GetDocuments(String pathPrefix, DocumentStatus status, int offset, int limit,
        ActorRef<StatusReply<DocumentPage>> replyTo) {
      this(pathPrefix, status, offset, limit, null, replyTo);
    }
  }

  /** Replies with the document of that id (a page of one), or an empty page when the library holds none now. */
  public record GetDocument(String documentId, ActorRef<StatusReply<DocumentPage>> replyTo) implements Command {}

  /**
   * Locks a synced file for {@code owner} for {@code ttl} (renewed when the same owner asks again), also on the server
   * when it offers files_lock. Replies with the lock, or an error: "unknown document", "locked by …", "a folder …".
   */
  public record LockDocument(String documentId, String owner, Duration ttl, ActorRef<StatusReply<DocumentLock>> replyTo)
      implements Command {}

  /** Releases a document's lock (whoever holds it); replies with the released lock, or an error "not locked". */
  public record UnlockDocument(String documentId, ActorRef<StatusReply<DocumentLock>> replyTo) implements Command {}

  public record DocumentPage(long total, List<DocumentView> documents) implements CborSerializable {}

  /** Replies with the trash log, newest first: {@code limit} entries from {@code offset}, and how many there are. */
  public record GetTrash(int offset, int limit, ActorRef<StatusReply<TrashPage>> replyTo) implements Command {}

  public record TrashPage(long total, List<TrashEntry> entries) implements CborSerializable {}

  /** Replies whether the library's trash log has the entry (the API finds an entry's library so). */
  public record HasTrashEntry(String entryId, ActorRef<Boolean> replyTo) implements Command {}

  /**
   * Puts a trashed, archived or replaced file back where it was (beside it with a suffix when the path is taken) and
   * logs it; the next run syncs it. Replies with the {@code restored} log line, or an error: "unknown trash entry",
   * nothing left to restore, or a run is active.
   */
  public record RestoreTrash(String entryId, ActorRef<StatusReply<TrashEntry>> replyTo) implements Command {}

  /**
   * The operator's answer to held deletions: {@code confirm} lets the next run carry them out once, {@code cancel}
   * forgets the missing side's base so the next run merges. Replies with the action, or an error when the library is
   * not guarded.
   */
  public record ResolveGuard(GuardAction action, ActorRef<StatusReply<GuardAction>> replyTo) implements Command {}

  /**
   * Lifts the back-off and the parking of the failed documents at {@code paths} (every one when empty), so the next run
   * tries them; replies with how many were released.
   */
  public record RetryFailures(java.util.Set<String> paths, ActorRef<StatusReply<Integer>> replyTo) implements Command {}

  public enum GuardAction implements CborSerializable {
    CONFIRM,
    CANCEL
  }

  /**
   * The operator ends conflict {@code conflictId} with {@code strategy}; the next run carries it out. Replies
   * {@link ResolutionAccepted} with the conflict, or {@link ResolutionRefused} saying why (an unknown id included: the
   * API asks every library of the tenant).
   */
  public record ResolveConflict(String conflictId, ConflictStrategy strategy, String by,
      ActorRef<StatusReply<ResolveOutcome>> replyTo) implements Command {}

  public sealed interface ResolveOutcome extends CborSerializable {}

  public record ResolutionAccepted(ConflictRecord conflict) implements ResolveOutcome {}

  public record ResolutionRefused(Refusal refusal, String reason) implements ResolveOutcome {}

  public enum Refusal {
    /** No conflict with that id here. */
    UNKNOWN_CONFLICT,
    /** Resolved already, or a resolution is pending. */
    ALREADY_RESOLVED,
    /** A side changed since the conflict was recorded: the choice would be made on a stale record. */
    SIDES_CHANGED,
    /** The strategy cannot end this kind of conflict. */
    NOT_APPLICABLE,
    /** The sides could not be looked at now (a server or disk error): nothing was decided. */
    SIDES_UNKNOWN
  }

  /**
   * Sharding's hand-off message (shutdown, rebalance): starts nothing new, lets documents in flight finish, closes the
   * run as interrupted and stops. No reply.
   */
  public record Stop() implements Command {}

  private record DiscoveryDone(String runId, Discovery discovery) implements Command {}

  private record DiscoveryFailed(String runId, String reason) implements Command {}

  private record ActionDone(Document.Finished finished) implements Command {}

  private record UploadProgressed(Document.UploadProgress progress) implements Command {}

  private record ConflictToRecordReceived(Document.ConflictToRecord request) implements Command {}

  private record DocumentStopped(String runId, long worker, List<String> paths) implements Command {}

  private record FinishRun(String runId) implements Command {}

  private record CloseInterruptedRun(String runId) implements Command {}

  /** @param asked whether someone asked for it (a sync request), not only a watch: then parked documents are tried */
  private record StartQueuedRun(String runId, boolean asked) implements Command {}

  /** Starts a run nobody asked for: a new library's first, or one a restart cut short ({@link Settings#runsUnasked}). */
  private record StartRunUnasked(String trigger) implements Command {}

  /** Time to look whether the active run still makes progress (its lease). */
  private record CheckRunLease(String runId) implements Command {}

  /** The server's answer to a lock, before the lock is journaled. */
  private record ServerLockAnswered(LockDocument request, String path, boolean onServer, String refusal)
      implements Command {}

  /** The earliest lock's time is up: expired locks are released. */
  private record ExpireLocks() implements Command {}

  /** The cleanup's work off the actor came back: trash purged (what went), upload folders removed (-1: not known). */
  private record CleanupContinued(CleanupReport partial, List<TrashEntry> due, java.util.Set<String> purged,
      int uploadFoldersRemoved, ActorRef<StatusReply<CleanupReport>> replyTo) implements Command {}

  /** A watch saw a change in the workspace ({@code local}) or the server folder (told from the watcher's thread). */
  private record ChangeSeen(boolean local) implements Command {}

  /** The changes seen in the last {@link #LOCAL_QUIET} are collected: one run takes them all. */
  private record ChangesCollected() implements Command {}

  /** How long changes are collected before a run starts: a save that writes several files costs one run. */
  static final Duration LOCAL_QUIET = Duration.ofSeconds(1);

  /** Both sides of a conflict as they are now (null: unknown), or why they could not be looked at. */
  private record ResolutionChecked(ResolveConflict request, SyncEngine.Sides sides, String failure) implements Command {}
  private record TrashRestoreDone(TrashEntry entry, String restoredTo, String error, ActorRef<StatusReply<TrashEntry>> replyTo)
      implements Command {}

  // --- events -------------------------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {}

  public record DocumentLocked(DocumentLock lock) implements Event {}

  /** @param reason "released through the API", "expired" */
  public record DocumentUnlocked(String documentId, String reason, Instant at) implements Event {}

  public record LibraryCreated(LibraryConfig config) implements Event {}

  /** @param trigger what started it ({@link RunSummary#MANUAL}, ...); null in events journaled before it was kept */
  public record RunStarted(String runId, Instant startedAt, String trigger) implements Event {}

  /** The library's cleanup ran ({@link CleanUp}); what it did. */
  public record CleanedUp(CleanupReport report) implements Event {}

  /** The operator changed how the library syncs; effective from the next run. */
  public record LibrarySettingsChanged(SyncMode mode, LibrarySettings settings, Instant at) implements Event {}

  public record DocumentSynced(String runId, BaseEntry entry, Transfer transfer) implements Event {}

  public record DocumentForgotten(String runId, String path, Transfer transfer) implements Event {}

  /**
   * What the base held at {@code from} and below is at {@code to} now on both sides (a move carried out, or made by
   * both): {@code moved} are those entries at their new paths, so replay re-keys them without searching the base.
   */
  public record DocumentsMoved(String runId, String from, String to, List<BaseEntry> moved) implements Event {}

  /** A conflict was found (open, or already ended by the strategy), or one on record was seen with new sides. */
  public record ConflictRaised(ConflictRecord conflict) implements Event {}

  /** The operator chose how conflict {@code conflictId} ends; the next run carries it out. */
  public record ConflictResolutionRequested(String conflictId, ConflictStrategy strategy, String by, Instant at)
      implements Event {}

  /** A conflict on record ended: carried out as requested, or both sides became identical. */
  public record ConflictResolved(ConflictRecord conflict) implements Event {}

  public record DocumentFailed(FailureRecord failure) implements Event {}

  /** A path excluded by an earlier run (see {@link FailureRecord#exclusion()}) is no longer: its record goes. */
  public record ExclusionLifted(String runId, String path) implements Event {}

  /** @param code what stopped the run when a FATAL failure did; null otherwise (and in journals from before it) */
  public record RunFinished(String runId, Instant finishedAt, String outcome, String reason, FailureCode code)
      implements Event {
    public RunFinished(String runId, Instant finishedAt, String outcome, String reason) {
      this(runId, finishedAt, outcome, reason, null);
    }
  }

  /** A chunked upload of {@code path} progressed; kept until the document syncs so a restart resumes it. */
  public record UploadSessionSaved(String path, UploadSession session) implements Event {}

  /** The chunked upload of {@code path} cannot be resumed (failed for good). */
  public record UploadSessionDropped(String path) implements Event {}

  /** The operator asked to remove the library once its remote files are down. */
  public record RemovalRequested(Removal.Detach detach, Instant at) implements Event {}

  /** The library is removed: it syncs no more; its history stays in the journal. */
  public record LibraryRemoved(Instant at) implements Event {}

  /** A document was removed or replaced, and where its content is kept: the library's trash log. */
  public record TrashLogged(TrashEntry entry) implements Event {}

  /** A trashed entry's content left the trash (restored or purged); {@code line} is the log line that says so. */
  public record TrashReleased(String entryId, TrashEntry line) implements Event {}

  /** The daily cleanup dropped these trash-log lines: past the retention, holding no content ({@link TrashLogRetention}). */
  public record TrashLogCompacted(List<String> entryIds, Instant at) implements Event {}

  /** The deletion guard held a run's deletions for the operator. */
  public record RunGuarded(GuardHold hold) implements Event {}

  /** The operator confirmed the held deletions: the next run carries them out. */
  public record GuardConfirmed(Instant at) implements Event {}

  /** An operator asked for these failed documents to be tried again at the next run. */
  public record FailuresReleased(List<String> paths, Instant at) implements Event {}

  /** The operator cancelled the held deletions: the missing side's base is forgotten. */
  public record GuardCancelled(List<String> forgotten, Instant at) implements Event {}

  /** The server's oc:data-fingerprint a run accepted (the first seen, or a change the operator answered). */
  public record DataFingerprintRecorded(String fingerprint) implements Event {}

  /** A run passed the guard (confirmed, or the missing side came back): nothing is held any more. */
  public record GuardLifted(String runId) implements Event {}

  /** The folder ETags a run agreed on, recorded once everything below them had synced. */
  public record FolderEtagsRecorded(String runId, List<BaseEntry> folders) implements Event {}

  /** The library now follows its server's change feed from {@code position} (null: it follows none). */
  public record ChangeFeedAdvanced(String runId, ChangeFeedPosition position) implements Event {}

  // --- wiring -------------------------------------------------------------------------------------------------

  public static void init(ActorSystem<?> system, SyncEngine io, Settings settings, DocumentHistory history) {
    init(system, io, settings, history, LibraryObserver.NONE);
  }

  public static void init(ActorSystem<?> system, SyncEngine io, Settings settings, DocumentHistory history,
      LibraryObserver observer) {
    ClusterSharding sharding = ClusterSharding.get(system);
    Removals removals = (tenantId, libraryId) -> sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId)
        .tell(new Tenant.UnregisterLibrary(libraryId, system.ignoreRef()));
    sharding.init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), io, settings, removals, history, observer))
        .withStopMessage(new Stop()));
  }

  /** Told when a library is removed, so that its tenant stops listing it; must be idempotent (told again on recovery). */
  @FunctionalInterface
  public interface Removals {
    void removed(String tenantId, String libraryId);
  }

  public static String entityId(String tenantId, String libraryId) {
    return tenantId + ":" + libraryId;
  }

  public static Behavior<Command> create(String entityId, SyncEngine io, Settings settings) {
    return create(entityId, io, settings, (tenantId, libraryId) -> {});
  }

  public static Behavior<Command> create(String entityId, SyncEngine io, Settings settings, Removals removals) {
    return create(entityId, io, settings, removals, DocumentHistory.NONE);
  }

  public static Behavior<Command> create(String entityId, SyncEngine io, Settings settings, Removals removals,
      DocumentHistory history) {
    return create(entityId, io, settings, removals, history, LibraryObserver.NONE);
  }

  public static Behavior<Command> create(String entityId, SyncEngine io, Settings settings, Removals removals,
      DocumentHistory history, LibraryObserver observer) {
    return Behaviors.setup(ctx -> new Library(ctx, entityId, io, settings, removals, history, observer));
  }

  private final ActorContext<Command> context;
  private final SyncEngine io;
  private final Settings settings;
  /** The workspace's watch while local changes start runs here; null otherwise. */
  private ChangeWatch watch;
  /** The server folder's watch while remote changes start runs here; null otherwise. */
  private ChangeWatch remoteWatch;
  /** Whether changes are being collected for a run ({@link #LOCAL_QUIET}), and whether a local one is among them. */
  private boolean changesPending;
  private boolean localChangeSeen;
  /** The timer that releases the earliest lock when it expires; null when no lock is held. */
  private akka.actor.Cancellable lockExpiry;
  /** The timer that starts a run when the earliest waiting document may be retried; null when none waits. */
  private akka.actor.Cancellable retryTimer;
  /** When the active run last made progress: its lease, renewed by every step. */
  private Instant lastProgress;
  /** A cleanup's work off the actor is under way (not persisted: one cut short simply runs again when due). */
  private boolean cleaning;
  private final Removals removals;
  private final DocumentHistory history;
  private final LibraryObserver observer;
  /** Conflicts the observer was told of in this run (not persisted). */
  private final java.util.Set<String> conflictsTold = new java.util.HashSet<>();
  /** When progress was last reported (System.nanoTime); not persisted. */
  private long lastProgressReport = System.nanoTime() - PROGRESS_EVERY.toNanos();
  private final WorkspaceBoundary workspaces;
  private final ActorRef<Document.Finished> finishedAdapter;
  private final ActorRef<Document.UploadProgress> progressAdapter;
  private final ActorRef<Document.ConflictToRecord> conflictAdapter;
  /** The run executing in this incarnation; null when idle (a recovered activeRun without it was interrupted). */
  private RunExecution execution;
  /**
   * A scheduled run not journaled (yet): it is journaled ({@link RunStarted}) only once it finds something to do, so an
   * idle library's sweeps every few minutes add nothing to its journal. Null otherwise.
   */
  private RunSummary provisional;
  /** The last scheduled run that found nothing to do (not journaled): the status shows it while it is the newest. */
  private RunSummary lastQuiet;
  /** The run whose start the observer was told of (a provisional one is told before it is journaled). */
  private String announcedStart;
  /** When this incarnation started: scheduled runs after a restart are spread from here ({@link #spread}). */
  private final Instant wokeAt;
  private boolean stopping;
  /** A trigger arrived during the active run: this run starts when it ends. Not persisted. */
  private String queuedRunId;
  /** Whether a sync request (not only a watch) queued it. */
  private boolean queuedAsked;
  /** Trash entries being restored or purged right now (not persisted: an interrupted one is simply tried again). */
  private final java.util.Set<String> trashInFlight = new java.util.HashSet<>();
  /** Files the last discovery left out by the filters (not persisted: the next run counts again). */
  private int excluded;
  /** What the last discovery left out (filters, kept untracked, waiting), by path with the reason; not persisted. */
  private Map<String, String> excludedPaths = Map.of();
  /** A remote-to-local library's local changes the last discovery found, and what becomes of them; not persisted. */
  private List<LocalDrift> localDrift = List.of();

  private Library(ActorContext<Command> context, String entityId, SyncEngine io, Settings settings, Removals removals,
      DocumentHistory history, LibraryObserver observer) {
    super(
        PersistenceId.of(ENTITY_KEY.name(), entityId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
    this.context = context;
    this.io = io;
    this.settings = settings;
    this.removals = removals;
    this.history = history;
    this.observer = observer;
    this.lastProgress = settings.clock().instant();
    this.wokeAt = lastProgress;
    // Each tenant's libraries stay in that tenant's own folder (TenantWorkspaces), checked here as well as by the API.
    this.workspaces = WorkspaceBoundary.ofTenant(settings.workspacesRoot(),
        TenantIds.ofEntityId(entityId));
    this.finishedAdapter = context.messageAdapter(Document.Finished.class, ActionDone::new);
    this.progressAdapter = context.messageAdapter(Document.UploadProgress.class, UploadProgressed::new);
    this.conflictAdapter = context.messageAdapter(Document.ConflictToRecord.class, ConflictToRecordReceived::new);
  }

  @Override
  public LibraryState emptyState() {
    return LibraryState.empty();
  }

  @Override
  /**
   * Two snapshots kept, and the events older than the older one deleted (issue 12: the journal of a busy library stays
   * bounded). The daemon's snapshot store falls back to the older snapshot when the newest cannot be read, and the
   * events after that one are still there.
   */
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public SignalHandler<LibraryState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecoveryCompleted)
        .onSignal(akka.actor.typed.PostStop.instance(), state -> stopWatching())
        .build();
  }

  private void onRecoveryCompleted(LibraryState state) {
    refreshWatch(state);
    scheduleLockExpiry(state);
    scheduleRetry(state);
    if (state.isRemoved()) removals.removed(state.config().tenantId(), state.config().libraryId()); // a crash may have cut it short
    // A run a kill left open, or one a shutdown closed as interrupted: resumed at once when runs start unasked.
    boolean cutShort = state.activeRun() != null
        || (state.lastRun() != null && RunSummary.INTERRUPTED.equals(state.lastRun().outcome()));
    if (settings.runsUnasked() && cutShort) context.getSelf().tell(new StartRunUnasked(RunSummary.RESUMED));
    else if (state.activeRun() != null) context.getSelf().tell(new CloseInterruptedRun(state.activeRun().runId()));
  }

  // --- command handlers ---------------------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, LibraryState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Create.class, this::onCreate)
        .onCommand(Get.class, this::onGet)
        .onCommand(Sync.class, this::onSync)
        .onCommand(ChangeSettings.class, this::onChangeSettings)
        .onCommand(Detach.class, this::onDetach)
        .onCommand(PeriodicSync.class, this::onPeriodicSync)
        .onCommand(CleanUp.class, this::onCleanUp)
        .onCommand(CleanupContinued.class, this::onCleanupContinued)
        .onCommand(GetStatus.class, this::onGetStatus)
        .onCommand(GetConflicts.class, this::onGetConflicts)
        .onCommand(GetDocuments.class, this::onGetDocuments)
        .onCommand(GetDocument.class, this::onGetDocument)
        .onCommand(ResolveConflict.class, this::onResolveConflict)
        .onCommand(ResolutionChecked.class, this::onResolutionChecked)
        .onCommand(GetTrash.class, this::onGetTrash)
        .onCommand(HasTrashEntry.class, this::onHasTrashEntry)
        .onCommand(RestoreTrash.class, this::onRestoreTrash)
        .onCommand(TrashRestoreDone.class, this::onTrashRestoreDone)
        .onCommand(ResolveGuard.class, this::onResolveGuard)
        .onCommand(RetryFailures.class, this::onRetryFailures)
        .onCommand(Stop.class, this::onStop)
        .onCommand(DiscoveryDone.class, this::onDiscoveryDone)
        .onCommand(DiscoveryFailed.class, this::onDiscoveryFailed)
        .onCommand(ActionDone.class, this::onActionDone)
        .onCommand(UploadProgressed.class, this::onUploadProgressed)
        .onCommand(ConflictToRecordReceived.class, this::onConflictToRecord)
        .onCommand(DocumentStopped.class, this::onDocumentStopped)
        .onCommand(FinishRun.class, this::onFinishRun)
        .onCommand(CloseInterruptedRun.class, this::onCloseInterruptedRun)
        .onCommand(StartQueuedRun.class, this::onStartQueuedRun)
        .onCommand(StartRunUnasked.class, this::onStartRunUnasked)
        .onCommand(CheckRunLease.class, this::onCheckRunLease)
        .onCommand(LockDocument.class, this::onLockDocument)
        .onCommand(ServerLockAnswered.class, this::onServerLockAnswered)
        .onCommand(UnlockDocument.class, this::onUnlockDocument)
        .onCommand(ExpireLocks.class, this::onExpireLocks)
        .onCommand(ChangeSeen.class, this::onChangeSeen)
        .onCommand(ChangesCollected.class, this::onChangesCollected)
        .build();
  }

  private ReplyEffect<Event, LibraryState> onCreate(LibraryState state, Create cmd) {
    if (state.created()) {
      return state.config().equals(cmd.config())
          ? Effect().reply(cmd.replyTo(), StatusReply.success(state.config()))
          : Effect().reply(cmd.replyTo(), StatusReply.error("library already exists: " + state.config().libraryId()));
    }
    // A few stat calls, in the handler on purpose: the answer decides whether anything is persisted at all.
    var refusal = workspaces.refusal(cmd.config().localRoot());
    if (refusal.isPresent()) return Effect().reply(cmd.replyTo(), StatusReply.error(refusal.get()));
    return Effect().persist(new LibraryCreated(cmd.config()))
        .thenRun(s -> {
          if (settings.runsUnasked()) context.getSelf().tell(new StartRunUnasked(RunSummary.CREATED));
          refreshWatch(s);
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.config()));
  }

  private ReplyEffect<Event, LibraryState> onGet(LibraryState state, Get cmd) {
    return state.created()
        ? Effect().reply(cmd.replyTo(), StatusReply.success(state.config()))
        : Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
  }

  private ReplyEffect<Event, LibraryState> onSync(LibraryState state, Sync cmd) {
    if (!state.created()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    if (stopping) return Effect().reply(cmd.replyTo(), StatusReply.error("the library is shutting down"));
    // A library created before this check existed, or under another workspaces root, must not sync outside it either.
    var refusal = workspaces.refusal(state.config().localRoot());
    if (refusal.isPresent()) return Effect().reply(cmd.replyTo(), StatusReply.error(refusal.get()));
    RunSummary active = running(state);
    if (active != null && state.removal() == null) {
      if (queuedRunId == null) queuedRunId = UUID.randomUUID().toString();
      queuedAsked = true;
      return Effect().reply(cmd.replyTo(), StatusReply.success(new SyncAccepted(queuedRunId, false, active.runId())));
    }
    if (active != null) return Effect().reply(cmd.replyTo(), StatusReply.success(new SyncAccepted(active.runId(), false)));
    if (state.removal() != null) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(state.isRemoved() ? "the library was removed"
          : "the library is being detached: its remote files are being brought down"));
    }
    if (!state.config().settings().isEnabled()) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("the library is disabled; enable it to sync"));
    }
    return startRun(state, now(), UUID.randomUUID().toString(), RunSummary.MANUAL, unparked(state))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new SyncAccepted(s.activeRun().runId(), true)));
  }

  /** A sync someone asked for tries parked documents again (a scheduled one leaves them until they change). */
  private List<Event> unparked(LibraryState state) {
    List<String> parked = state.failures().values().stream().filter(FailureRecord::parked).map(FailureRecord::path)
        .sorted().toList();
    return parked.isEmpty() ? List.of() : List.of(new FailuresReleased(parked, now()));
  }

  private ReplyEffect<Event, LibraryState> onStartQueuedRun(LibraryState state, StartQueuedRun cmd) {
    if (stopping || execution != null || state.removal() != null || !state.config().settings().isEnabled()) {
      return Effect().noReply();
    }
    return startRun(state, now(), cmd.runId(), RunSummary.QUEUED, cmd.asked() ? unparked(state) : List.of())
        .thenNoReply();
  }

  /**
   * Runs when it may: created, not stopping, idle, not being removed, enabled, inside the workspaces root. Otherwise
   * a run a restart cut short is only closed (the schedule or a request starts the next one).
   */
  private ReplyEffect<Event, LibraryState> onStartRunUnasked(LibraryState state, StartRunUnasked cmd) {
    if (mayRunUnasked(state)) return startRun(state, now(), cmd.trigger()).thenNoReply();
    if (execution == null && state.activeRun() != null) {
      RunFinished end = interrupted(state.activeRun().runId(), now());
      return Effect().persist(end).thenRun(s -> announceRuns(s, List.of(end))).thenNoReply();
    }
    return Effect().noReply();
  }

  // --- the run's lease and the retry schedule ----------------------------------------------------------------

  /**
   * How long the active run may go without progress. A document in flight (a long download reports nothing until it
   * ends) has its own transfer deadlines: it holds the lease longer, not for ever.
   */
  private Duration leaseLimit() {
    return execution != null && execution.inFlight() > 0
        ? settings.staleRunAfter().multipliedBy(6) : settings.staleRunAfter();
  }

  private Duration leaseCheckEvery() {
    Duration quarter = settings.staleRunAfter().dividedBy(4);
    return quarter.compareTo(Duration.ofMinutes(1)) < 0 ? quarter : Duration.ofMinutes(1);
  }

  /**
   * The run's lease: renewed by every step (a listing, a document, a chunk); a run without one for
   * {@link Settings#staleRunAfter} is given up, so a request nobody answers never holds the library. Its late
   * results are ignored (they are not of the current run); the next run looks at everything again.
   */
  private ReplyEffect<Event, LibraryState> onCheckRunLease(LibraryState state, CheckRunLease msg) {
    if (!isCurrent(msg.runId()) || running(state) == null) return Effect().noReply();
    Duration idle = Duration.between(lastProgress, now());
    if (idle.compareTo(leaseLimit()) < 0) {
      context.scheduleOnce(leaseCheckEvery(), context.getSelf(), msg);
      return Effect().noReply();
    }
    return finishRun(state, RunSummary.FAILED, "stale: no progress for " + idle.toSeconds() + " s; the run was given "
        + "up so the library can sync again", List.of());
  }

  /**
   * Starts a run when the earliest document waiting for its back-off may be tried again (parked ones wait for a
   * change or a request); without it they would wait for the next scheduled run.
   */
  private void scheduleRetry(LibraryState state) {
    if (retryTimer != null) retryTimer.cancel();
    retryTimer = null;
    if (!settings.runsUnasked()) return;
    Instant now = now();
    // A back-off already over (a short one ends before its run does) is due at once; parking bounds the repeats.
    state.failures().values().stream()
        .filter(f -> !f.parked() && f.retryAt() != null)
        .map(FailureRecord::retryAt).min(Instant::compareTo)
        .ifPresent(first -> retryTimer = context.scheduleOnce(
            (first.isAfter(now) ? Duration.between(now, first) : Duration.ZERO).plusMillis(50),
            context.getSelf(), new StartRunUnasked(RunSummary.RETRY)));
  }

  // --- document locks -----------------------------------------------------------------------------------------

  private ReplyEffect<Event, LibraryState> onLockDocument(LibraryState state, LockDocument cmd) {
    if (!state.created() || state.isRemoved()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    if (stopping) return Effect().reply(cmd.replyTo(), StatusReply.error("the library is shutting down"));
    Instant now = now();
    var held = state.lockOf(cmd.documentId(), now);
    if (held.isPresent() && !held.get().owner().equals(cmd.owner())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(lockedBy(held.get())));
    }
    if (held.isPresent()) {
      DocumentLock renewed = held.get().renewed(now.plus(cmd.ttl()));
      return Effect().persist(new DocumentLocked(renewed))
          .thenRun(this::scheduleLockExpiry)
          .thenReply(cmd.replyTo(), s -> StatusReply.success(renewed));
    }
    BaseEntry base = state.bases().values().stream()
        .filter(b -> !b.path().isEmpty() && cmd.documentId().equals(b.documentIdOrDerived())).findFirst().orElse(null);
    if (base == null) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown document: " + cmd.documentId()));
    if (base.folder()) return Effect().reply(cmd.replyTo(), StatusReply.error("a folder cannot be locked, only a file"));
    String path = base.path();
    context.pipeToSelf(safely(() -> io.serverLock(state.config(), path, true)), (onServer, error) -> error == null
        ? new ServerLockAnswered(cmd, path, onServer, null)
        : new ServerLockAnswered(cmd, path, false, reason(error)));
    return Effect().noReply();
  }

  private ReplyEffect<Event, LibraryState> onServerLockAnswered(LibraryState state, ServerLockAnswered msg) {
    LockDocument cmd = msg.request();
    if (msg.refusal() != null) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("locked on the server: " + msg.refusal()));
    }
    Instant now = now();
    var held = state.lockOf(cmd.documentId(), now);
    if (held.isPresent() && !held.get().owner().equals(cmd.owner())) { // another owner was quicker
      if (msg.onServer() && !held.get().onServer()) releaseOnServer(state, msg.path());
      return Effect().reply(cmd.replyTo(), StatusReply.error(lockedBy(held.get())));
    }
    DocumentLock lock = new DocumentLock(cmd.documentId(), msg.path(), cmd.owner(), now, now.plus(cmd.ttl()),
        msg.onServer() || held.map(DocumentLock::onServer).orElse(false));
    return Effect().persist(new DocumentLocked(lock))
        .thenRun(s -> {
          lockHistory(s, lock, DocumentStatus.SYNCED, DocumentStatus.LOCKED, "locked by " + lock.owner() + " until "
              + lock.expiresAt() + (lock.onServer() ? ", on the server too" : ""));
          scheduleLockExpiry(s);
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(lock));
  }

  private ReplyEffect<Event, LibraryState> onUnlockDocument(LibraryState state, UnlockDocument cmd) {
    if (!state.created() || state.isRemoved()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    DocumentLock lock = state.locks().get(cmd.documentId());
    if (lock == null) return Effect().reply(cmd.replyTo(), StatusReply.error("not locked: " + cmd.documentId()));
    return Effect().persist(new DocumentUnlocked(cmd.documentId(), "released through the API", now()))
        .thenRun(s -> afterUnlock(s, List.of(lock), "released through the API"))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(lock));
  }

  private ReplyEffect<Event, LibraryState> onExpireLocks(LibraryState state, ExpireLocks msg) {
    lockExpiry = null;
    Instant now = now();
    List<DocumentLock> expired = state.locks().values().stream().filter(l -> l.expired(now)).toList();
    if (expired.isEmpty()) {
      scheduleLockExpiry(state);
      return Effect().noReply();
    }
    List<Event> events = new ArrayList<>();
    for (DocumentLock lock : expired) events.add(new DocumentUnlocked(lock.documentId(), "expired", now));
    return Effect().persist(events).thenRun(s -> afterUnlock(s, expired, "expired")).thenNoReply();
  }

  /** After locks ended: the server's locks go too, the history says so, and a run takes the changes that waited. */
  private void afterUnlock(LibraryState state, List<DocumentLock> ended, String why) {
    for (DocumentLock lock : ended) {
      if (lock.onServer()) releaseOnServer(state, state.pathOf(lock));
      lockHistory(state, lock, DocumentStatus.LOCKED, DocumentStatus.SYNCED, "lock of " + lock.owner() + " " + why);
    }
    scheduleLockExpiry(state);
    if (settings.runsUnasked()) context.getSelf().tell(new StartRunUnasked(RunSummary.UNLOCKED));
  }

  private void releaseOnServer(LibraryState state, String path) {
    String libraryId = state.config().libraryId();
    safely(() -> io.serverLock(state.config(), path, false)).whenComplete((done, error) -> {
      if (error != null) {
        context.getSystem().log().warn("library {}: the server's lock on '{}' could not be released: {}", libraryId,
            path, reason(error));
      }
    });
  }

  private void lockHistory(LibraryState state, DocumentLock lock, DocumentStatus from, DocumentStatus to, String why) {
    history.record(state.config().tenantId(), state.config().libraryId(), List.of(new DocumentTransition(
        lock.documentId(), state.pathOf(lock), from, to, null, now(), why)));
  }

  /** Sets the timer for the earliest lock's expiry (at once when one is overdue). */
  private void scheduleLockExpiry(LibraryState state) {
    if (lockExpiry != null) lockExpiry.cancel();
    lockExpiry = null;
    state.locks().values().stream().map(DocumentLock::expiresAt).min(Instant::compareTo).ifPresent(first -> {
      Duration wait = Duration.between(now(), first);
      lockExpiry = context.scheduleOnce(wait.isNegative() ? Duration.ZERO : wait.plusMillis(10), context.getSelf(),
          new ExpireLocks());
    });
  }

  private static String lockedBy(DocumentLock lock) {
    return "locked by " + lock.owner() + " until " + lock.expiresAt();
  }

  private ReplyEffect<Event, LibraryState> onChangeSeen(LibraryState state, ChangeSeen msg) {
    if (!(msg.local() ? watch != null : remoteWatch != null)) return Effect().noReply(); // a watch since closed
    if (msg.local()) localChangeSeen = true;
    if (!changesPending) {
      changesPending = true;
      context.scheduleOnce(LOCAL_QUIET, context.getSelf(), new ChangesCollected());
    }
    return Effect().noReply();
  }

  /** One run for the changes collected; while a run is active, one run after it (it may have missed them). */
  private ReplyEffect<Event, LibraryState> onChangesCollected(LibraryState state, ChangesCollected msg) {
    boolean local = localChangeSeen;
    changesPending = false;
    localChangeSeen = false;
    if (!mayRunUnasked(state)) {
      if (running(state) != null && queuedRunId == null) {
        queuedRunId = UUID.randomUUID().toString();
      }
      return Effect().noReply();
    }
    return startRun(state, now(), local ? RunSummary.LOCAL_CHANGE : RunSummary.REMOTE_CHANGE).thenNoReply();
  }

  private boolean mayRunUnasked(LibraryState state) {
    return state.created() && !stopping && execution == null && state.removal() == null
        && state.config().settings().isEnabled() && workspaces.refusal(state.config().localRoot()).isEmpty();
  }

  /**
   * Watches each side while its changes should start runs: runs start unasked, the library is created, enabled and
   * not being removed, and the side is a source (the workspace unless remote-to-local, the server folder unless
   * local-to-remote).
   */
  private void refreshWatch(LibraryState state) {
    boolean wanted = settings.runsUnasked() && !stopping && state.created() && state.removal() == null
        && state.config().settings().isEnabled();
    boolean local = wanted && state.config().mode() != SyncMode.REMOTE_TO_LOCAL;
    boolean remote = wanted && state.config().mode() != SyncMode.LOCAL_TO_REMOTE;
    ActorRef<Command> self = context.getSelf();
    if (local != (watch != null)) {
      if (watch != null) watch.close();
      watch = !local ? null : watching(() -> io.watchWorkspace(state.config(), () -> self.tell(new ChangeSeen(true))));
    }
    if (remote != (remoteWatch != null)) {
      if (remoteWatch != null) remoteWatch.close();
      remoteWatch = !remote ? null
          : watching(() -> io.watchRemote(state.config(), () -> self.tell(new ChangeSeen(false))));
    }
  }

  private static ChangeWatch watching(java.util.function.Supplier<ChangeWatch> start) {
    try {
      return start.get();
    } catch (RuntimeException e) {
      return ChangeWatch.unavailable("cannot be watched: " + e.getMessage());
    }
  }

  private void stopWatching() {
    if (watch != null) watch.close();
    if (remoteWatch != null) remoteWatch.close();
    watch = null;
    remoteWatch = null;
  }

  /** For the status: how a side is watched, off, or why it is not. */
  private static String watchState(ChangeWatch side, String watching) {
    if (side == null) return "off";
    String unavailable = side.unavailable();
    if (unavailable != null) return unavailable;
    return side.how() != null ? side.how() : watching;
  }

  /** Closes a run a crash left open, starts a new one and its discovery. */
  private akka.persistence.typed.javadsl.EffectBuilder<Event, LibraryState> startRun(LibraryState state, Instant now,
      String trigger) {
    return startRun(state, now, UUID.randomUUID().toString(), trigger);
  }

  private akka.persistence.typed.javadsl.EffectBuilder<Event, LibraryState> startRun(
      LibraryState state, Instant now, String runId, String trigger) {
    return startRun(state, now, runId, trigger, List.of());
  }

  private akka.persistence.typed.javadsl.EffectBuilder<Event, LibraryState> startRun(
      LibraryState state, Instant now, String runId, String trigger, List<Event> before) {
    if (RunSummary.SCHEDULE.equals(trigger) && before.isEmpty() && state.activeRun() == null) {
      provisional = RunSummary.started(runId, now, trigger); // journaled once it finds something to do
      conflictsTold.clear();
      announcedStart = runId;
      observer.runStarted(state.config().tenantId(), state.config().libraryId(), provisional);
      return Effect().none().thenRun(s -> startDiscovery(s, runId));
    }
    provisional = null;
    List<Event> events = new ArrayList<>(before);
    if (state.activeRun() != null) events.add(interrupted(state.activeRun().runId(), now));
    events.add(new RunStarted(runId, now, trigger));
    return Effect().persist(events).thenRun(s -> {
      announceRuns(s, events);
      startDiscovery(s, runId);
    });
  }

  /** How far the active run is, or null when none runs here. */
  private RunProgress progress(LibraryState state) {
    RunSummary run = running(state);
    if (run == null) return null;
    return execution.progress(run.bytesUploaded() + run.bytesDownloaded());
  }

  /** Live progress for the observer: at most one report per {@link #PROGRESS_EVERY}. */
  private void reportProgress(LibraryState state) {
    RunProgress progress = progress(state);
    long now = System.nanoTime();
    if (progress == null || now - lastProgressReport < PROGRESS_EVERY.toNanos()) return;
    lastProgressReport = now;
    observer.progress(state.config().tenantId(), state.config().libraryId(), progress);
  }

  static final Duration PROGRESS_EVERY = Duration.ofMillis(250);

  /** Tells the observer of the runs {@code events} (just journaled) started and finished, and their conflicts. */
  private void announceRuns(LibraryState state, List<Event> events) {
    String tenantId = state.config().tenantId();
    String libraryId = state.config().libraryId();
    for (Event event : events) {
      if (event instanceof ConflictRaised raised) {
        // Journaled before its worker settles it, and again with the outcome: told once.
        if (conflictsTold.add(raised.conflict().id())) observer.conflictRaised(tenantId, libraryId, raised.conflict());
      } else if (event instanceof ConflictResolved resolved) {
        observer.conflictResolved(tenantId, libraryId, resolved.conflict());
      } else if (event instanceof RunFinished finished) {
        state.history().stream().filter(run -> run.runId().equals(finished.runId())).reduce((a, b) -> b)
            .ifPresent(run -> observer.runFinished(tenantId, libraryId, run));
      } else if (event instanceof RunStarted started && state.activeRun() != null
          && state.activeRun().runId().equals(started.runId()) && !started.runId().equals(announcedStart)) {
        conflictsTold.clear();
        announcedStart = started.runId();
        observer.runStarted(tenantId, libraryId, state.activeRun());
      }
    }
  }

  private ReplyEffect<Event, LibraryState> onChangeSettings(LibraryState state, ChangeSettings cmd) {
    if (!state.created()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    LibraryConfig next;
    try {
      next = cmd.patch().applyTo(state.config());
    } catch (IllegalArgumentException e) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(new SettingsRefused(e.getMessage())));
    }
    if (next.equals(state.config())) return Effect().reply(cmd.replyTo(), StatusReply.success(new SettingsChanged(next)));
    return Effect().persist(new LibrarySettingsChanged(next.mode(), next.settings(), now()))
        .thenRun(this::refreshWatch)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new SettingsChanged(s.config())));
  }

  private ReplyEffect<Event, LibraryState> onDetach(LibraryState state, Detach cmd) {
    if (!state.created()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    if (state.isRemoved()) return Effect().reply(cmd.replyTo(), StatusReply.success(new DetachAccepted(true, null)));
    RunSummary active = running(state);
    if (active != null && state.isDetaching() && cmd.detach() == Removal.Detach.DOWNLOAD) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(new DetachAccepted(false, active.runId())));
    }
    if (active != null) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("a sync run is active; detach once it has finished"));
    }
    Instant now = now();
    if (cmd.detach() == Removal.Detach.KEEP) {
      return Effect().persist(new LibraryRemoved(now))
          .thenRun(s -> {
            refreshWatch(s);
            removals.removed(s.config().tenantId(), s.config().libraryId());
          })
          .thenReply(cmd.replyTo(), s -> StatusReply.success(new DetachAccepted(true, null)));
    }
    List<Event> events = new ArrayList<>();
    if (!state.isDetaching()) events.add(new RemovalRequested(Removal.Detach.DOWNLOAD, now));
    String runId = UUID.randomUUID().toString();
    if (state.activeRun() != null) events.add(interrupted(state.activeRun().runId(), now));
    events.add(new RunStarted(runId, now, RunSummary.DETACH));
    return Effect().persist(events).thenRun(s -> {
          refreshWatch(s);
          announceRuns(s, events);
          startDiscovery(s, runId);
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new DetachAccepted(false, runId)));
  }

  private ReplyEffect<Event, LibraryState> onPeriodicSync(LibraryState state, PeriodicSync cmd) {
    if (!state.created() || stopping || state.isRemoved()) return Effect().noReply();
    Instant now = now();
    LibrarySettings own = state.config().settings();
    Schedule defaults = cmd.defaults();
    Instant cleanupDue = ScheduledJobs.due(state.jobs().lastCleanup(), state.config().createdAt(),
        or(own.cleanupInterval(), defaults.cleanupInterval()));
    if (cleanupDue != null && !cleanupDue.isAfter(now) && !cleaning) {
      context.getSelf().tell(new CleanUp(defaults.trashRetention(), context.getSystem().ignoreRef()));
    }
    if (running(state) != null) return Effect().noReply();
    if (state.isDetaching()) { // the reverse sync, again, backing off while it fails
      RunSummary last = state.lastRun();
      Duration wait = FailureBackoff.after(state.history(), Duration.ZERO);
      if (last != null && last.startedAt() != null && last.startedAt().plus(wait).isAfter(now)) {
        return Effect().noReply();
      }
      return startRun(state, now, RunSummary.DETACH).thenNoReply();
    }
    if (!own.isEnabled()) return Effect().noReply();
    RunSummary last = lastRun(state);
    Duration backoff = FailureBackoff.after(state.history(), Duration.ZERO);
    if (last != null && last.startedAt() != null && last.startedAt().plus(backoff).isAfter(now)) return Effect().noReply();
    Instant fullDue = ScheduledJobs.due(state.jobs().lastFullSync(), state.config().createdAt(),
        or(own.fullSyncInterval(), defaults.fullSyncInterval()));
    if (fullDue != null && !fullDue.isAfter(now)) return startRun(state, now, RunSummary.FULL_SYNC).thenNoReply();
    Duration interval = or(own.syncInterval(), defaults.syncInterval());
    if (interval == null || interval.isZero()) return Effect().noReply();
    if (last != null && now.isBefore(wokeAt.plus(spread(interval)))) return Effect().noReply();
    Duration wait = FailureBackoff.after(state.history(), interval);
    if (last != null && last.startedAt() != null && last.startedAt().plus(wait).isAfter(now)) return Effect().noReply();
    return startRun(state, now, RunSummary.SCHEDULE).thenNoReply();
  }

  /**
   * Where in its interval this library's scheduled runs fall after a restart (fixed per library), so a thousand
   * libraries woken together do not all sweep at the same moment and keep doing so every interval. A library that
   * never ran is not held back.
   */
  private Duration spread(Duration interval) {
    return Duration.ofMillis(Math.floorMod((long) persistenceId().hashCode() * 2654435761L, interval.toMillis()));
  }

  private static <T> T or(T own, T fallback) {
    return own != null ? own : fallback;
  }

  // --- the cleanup ----------------------------------------------------------------------------------------------

  /**
   * Releases expired locks and drops old trash-log lines at once; gives a stale run up through its lease check; purges
   * trash past the retention and removes the server's abandoned upload folders off the actor, then journals and logs
   * what it all did ({@link #onCleanupContinued}).
   */
  /** The library's time: its settings' clock (a manual one in tests). */
  private Instant now() {
    return settings.clock().instant();
  }

  private ReplyEffect<Event, LibraryState> onCleanUp(LibraryState state, CleanUp cmd) {
    if (!state.created() || state.isRemoved()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    if (cleaning) return Effect().reply(cmd.replyTo(), StatusReply.error("a cleanup is running"));
    Instant now = now();
    String staleRun = null;
    RunSummary active = running(state);
    if (active != null && Duration.between(lastProgress, now).compareTo(leaseLimit()) >= 0) {
      staleRun = active.runId();
      context.getSelf().tell(new CheckRunLease(staleRun));
    } else if (state.activeRun() != null && execution == null) {
      staleRun = state.activeRun().runId(); // a run nothing here carries on (a crash left it open)
      context.getSelf().tell(new CloseInterruptedRun(staleRun));
    }
    List<DocumentLock> expired = state.locks().values().stream().filter(l -> l.expired(now)).toList();
    List<Event> events = new ArrayList<>();
    for (DocumentLock lock : expired) events.add(new DocumentUnlocked(lock.documentId(), "expired", now));
    Instant olderThan = now.minus(cmd.trashRetention());
    List<String> dropped = TrashLogRetention.droppable(state.trashLog().values(), olderThan, TrashLogRetention.MAX_LINES);
    if (!dropped.isEmpty()) events.add(new TrashLogCompacted(dropped, now));
    List<TrashEntry> due = purgeable(state, olderThan);
    due.forEach(e -> trashInFlight.add(e.id()));
    cleaning = true;
    CleanupReport partial = new CleanupReport(now, staleRun, expired.size(), 0, dropped.size(), -1);
    List<String> kept = due.stream().map(TrashEntry::kept).toList();
    java.util.Set<String> sessions = state.uploadSessions().values().stream()
        .map(session -> session.transferId()).collect(java.util.stream.Collectors.toSet());
    LibraryConfig config = state.config();
    CompletionStage<java.util.Set<String>> purge = due.isEmpty()
        ? CompletableFuture.completedFuture(java.util.Set.of())
        : safely(() -> io.purgeTrash(config, kept)).exceptionally(error -> java.util.Set.of());
    org.slf4j.Logger log = context.getSystem().log(); // the actor's own logger is not for other threads
    CompletionStage<Integer> uploads = safely(() -> io.removeAbandonedUploads(config, sessions))
        .exceptionally(error -> {
          log.warn("library {}: abandoned upload folders could not be looked at: {}",
              config.libraryId(), reason(error));
          return -1;
        });
    context.pipeToSelf(purge.thenCombine(uploads, (purged, removed) -> new CleanupContinued(partial, due, purged,
            removed, cmd.replyTo())),
        (next, error) -> next != null ? next
            : new CleanupContinued(partial, due, java.util.Set.of(), -1, cmd.replyTo()));
    return Effect().persist(events).thenRun(s -> {
      if (!expired.isEmpty()) afterUnlock(s, expired, "expired");
    }).thenNoReply();
  }

  private ReplyEffect<Event, LibraryState> onCleanupContinued(LibraryState state, CleanupContinued msg) {
    cleaning = false;
    List<Event> events = new ArrayList<>(purgedLines(msg.due(), msg.purged(), now()));
    CleanupReport report = new CleanupReport(msg.partial().at(), msg.partial().staleRun(),
        msg.partial().locksReleased(), events.size(), msg.partial().trashLinesDropped(), msg.uploadFoldersRemoved());
    events.add(new CleanedUp(report));
    context.getLog().info("library {}: cleanup: {}", state.config().libraryId(), report.describe());
    return Effect().persist(events).thenReply(msg.replyTo(), s -> StatusReply.success(report));
  }

  /** Trashed and replaced files logged before {@code olderThan} whose content is still kept, not being handled now. */
  private List<TrashEntry> purgeable(LibraryState state, Instant olderThan) {
    return state.trashLog().values().stream()
        .filter(e -> e.kept() != null && e.at().isBefore(olderThan) && !trashInFlight.contains(e.id()))
        .filter(e -> e.action() == TrashEntry.Action.TRASHED || e.action() == TrashEntry.Action.REPLACED)
        .toList();
  }

  /** The {@code purged} log lines of the entries whose content went; none is in flight any more. */
  private List<Event> purgedLines(List<TrashEntry> entries, java.util.Set<String> purged, Instant now) {
    List<Event> events = new ArrayList<>();
    for (TrashEntry entry : entries) {
      trashInFlight.remove(entry.id());
      if (!purged.contains(entry.kept())) continue;
      events.add(new TrashReleased(entry.id(), new TrashEntry(UUID.randomUUID().toString(), entry.path(), entry.size(),
          entry.sha256(), now, null, "the retention passed since it was " + entry.action().wireName() + " (entry "
          + entry.id() + ")", TrashEntry.Action.PURGED, null)));
    }
    return events;
  }

  private ReplyEffect<Event, LibraryState> onGetStatus(LibraryState state, GetStatus cmd) {
    if (!state.created()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    int pending = execution == null ? 0 : execution.pending();
    int open = (int) state.conflicts().values().stream().filter(ConflictRecord::isOpen).count();
    long exclusions = state.failures().values().stream().filter(FailureRecord::exclusion).count();
    LibraryStatus.Counts counts = new LibraryStatus.Counts((int) state.fileCount(), pending,
        (int) (state.failures().size() - exclusions), open, excluded + (int) exclusions,
        state.untracked(TrashEntry.Action.ORPHANED).size());
    List<FailureRecord> failures = state.failures().values().stream()
        .sorted(java.util.Comparator.comparing(FailureRecord::at).reversed())
        .limit(LibraryStatus.LISTED_FAILURES)
        .toList();
    return Effect().reply(cmd.replyTo(),
        StatusReply.success(new LibraryStatus(stateName(state), running(state), lastRun(state), counts, failures,
            state.guard() == null ? null : state.guard().summary(), state.config().name(), progress(state),
            watchState(watch, "watching"), watchState(remoteWatch, "watching"), state.jobs(),
            localDrift.subList(0, Math.min(localDrift.size(), LibraryStatus.LISTED_DRIFT)), localDrift.size())));
  }

  /** The state's name, told apart by what only this incarnation knows: a run still discovering is "scanning". */
  private String stateName(LibraryState state) {
    String name = provisional != null && execution != null && state.stateName().equals("idle") ? "syncing"
        : state.stateName();
    return name.equals("syncing") && execution != null && !execution.planned() ? "scanning" : name;
  }

  private ReplyEffect<Event, LibraryState> onGetConflicts(LibraryState state, GetConflicts cmd) {
    if (!state.created()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    List<ConflictRecord> conflicts = new ArrayList<>(state.conflicts().values());
    conflicts.sort(java.util.Comparator.comparing(ConflictRecord::path));
    List<ConflictRecord> resolved = new ArrayList<>(state.resolvedConflicts());
    java.util.Collections.reverse(resolved);
    conflicts.addAll(resolved);
    return Effect().reply(cmd.replyTo(), StatusReply.success(new Conflicts(conflicts)));
  }

  private ReplyEffect<Event, LibraryState> onGetDocuments(LibraryState state, GetDocuments cmd) {
    if (!state.created()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    String prefix = cmd.pathPrefix() == null ? "" : cmd.pathPrefix();
    List<DocumentView> matching = documents(state).stream()
        .filter(d -> prefix.isEmpty() || d.path().equals(prefix) || d.path().startsWith(prefix + "/"))
        .filter(d -> cmd.status() == null || d.status() == cmd.status())
        .filter(d -> cmd.documentIds() == null || cmd.documentIds().contains(d.documentId()))
        .sorted(java.util.Comparator.comparing(DocumentView::path))
        .toList();
    int from = Math.min(matching.size(), Math.max(0, cmd.offset()));
    int to = Math.min(matching.size(), from + Math.max(0, cmd.limit()));
    return Effect().reply(cmd.replyTo(), StatusReply.success(new DocumentPage(matching.size(),
        List.copyOf(matching.subList(from, to)))));
  }

  private ReplyEffect<Event, LibraryState> onGetDocument(LibraryState state, GetDocument cmd) {
    if (!state.created()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    List<DocumentView> found = documents(state).stream().filter(d -> d.documentId().equals(cmd.documentId())).limit(1).toList();
    return Effect().reply(cmd.replyTo(), StatusReply.success(new DocumentPage(found.size(), found)));
  }

  /** Every document the library knows now: synced ones, failed or excluded ones, and those in an open conflict. */
  private List<DocumentView> documents(LibraryState state) {
    Map<String, DocumentView> byPath = new java.util.HashMap<>();
    for (BaseEntry base : state.bases().values()) {
      if (base.path().isEmpty()) continue; // the library's own folder
      byPath.put(base.path(), new DocumentView(base.documentIdOrDerived(), base.path(), base.folder(),
          base.folder() ? 0 : base.size(), DocumentStatus.SYNCED, null, base.fileId(), base.etag(), null));
    }
    for (FailureRecord failure : state.failures().values()) {
      DocumentView known = byPath.get(failure.path());
      String id = known != null ? known.documentId() : failedId(state, failure.path(), Map.of());
      String reason = (failure.code() == null ? "" : failure.code().wireName() + ": ") + failure.reason();
      DocumentStatus status = failure.exclusion() ? DocumentStatus.EXCLUDED
          : failure.code() == FailureCode.LOCKED ? DocumentStatus.LOCKED : DocumentStatus.FAILED;
      byPath.put(failure.path(), new DocumentView(id, failure.path(), known != null && known.folder(),
          known == null ? -1 : known.size(), status, reason,
          known == null ? null : known.fileId(), known == null ? null : known.etag(), null));
    }
    for (ConflictRecord conflict : state.conflicts().values()) {
      if (conflict.isResolved()) continue;
      DocumentView known = byPath.get(conflict.path());
      String id = known != null ? known.documentId() : failedId(state, conflict.path(), Map.of());
      byPath.put(conflict.path(), new DocumentView(id, conflict.path(), known != null && known.folder(),
          known == null ? -1 : known.size(), DocumentStatus.CONFLICT, "conflict " + conflict.type().wireName() + " ("
              + conflict.strategy().wireName() + ")", known == null ? null : known.fileId(),
          known == null ? null : known.etag(), conflict.id()));
    }
    // Outside the filters, or kept untracked by a deletion policy: never synced, never deleted because of it.
    excludedPaths.forEach((path, why) -> {
      DocumentView known = byPath.get(path);
      if (known == null || known.status() == DocumentStatus.SYNCED) {
        byPath.put(path, new DocumentView(known != null ? known.documentId() : DocumentIds.derived(path, null), path,
            known != null && known.folder(), known == null ? -1 : known.size(), DocumentStatus.EXCLUDED, why,
            known == null ? null : known.fileId(), known == null ? null : known.etag(), null));
      }
    });
    Instant now = now();
    for (DocumentLock lock : state.locks().values()) {
      if (lock.expired(now)) continue;
      DocumentView known = byPath.get(state.pathOf(lock));
      if (known == null || known.status() != DocumentStatus.SYNCED) continue; // a conflict or failure says more
      byPath.put(known.path(), new DocumentView(known.documentId(), known.path(), known.folder(), known.size(),
          DocumentStatus.LOCKED, lockedBy(lock) + (lock.onServer() ? " (on the server too)" : ""), known.fileId(),
          known.etag(), null));
    }
    if (execution != null) {
      byPath.replaceAll((path, d) -> execution.isInFlight(path) && d.status() == DocumentStatus.SYNCED
          ? new DocumentView(d.documentId(), d.path(), d.folder(), d.size(), DocumentStatus.SYNCING, null, d.fileId(),
              d.etag(), null)
          : d);
    }
    return new ArrayList<>(byPath.values());
  }

  private ReplyEffect<Event, LibraryState> onResolveConflict(LibraryState state, ResolveConflict cmd) {
    if (!state.created()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    ResolveOutcome refusal = resolutionRefusal(state, cmd);
    if (refusal != null) return Effect().reply(cmd.replyTo(), StatusReply.success(refusal));
    // The record must still describe both sides: look at them now, then decide.
    String path = state.unresolvedConflict(cmd.conflictId()).path();
    context.pipeToSelf(safely(() -> io.sides(state.config(), path)),
        (sides, error) -> new ResolutionChecked(cmd, sides, error == null ? null : reason(error)));
    return Effect().noReply();
  }

  private ReplyEffect<Event, LibraryState> onResolutionChecked(LibraryState state, ResolutionChecked msg) {
    ResolveConflict cmd = msg.request();
    ResolveOutcome refusal = resolutionRefusal(state, cmd); // the state may have moved on while we looked
    ConflictRecord conflict = state.unresolvedConflict(cmd.conflictId());
    if (refusal == null && msg.failure() != null) {
      refusal = new ResolutionRefused(Refusal.SIDES_UNKNOWN,
          "could not look at both sides of '" + conflict.path() + "' now (" + msg.failure() + "); nothing was decided, try again");
    } else if (refusal == null && msg.sides() != null && !conflict.sidesMatch(msg.sides().local(), msg.sides().remote())) {
      refusal = new ResolutionRefused(Refusal.SIDES_CHANGED, "'" + conflict.path() + "' changed since the conflict was "
          + "recorded; the next run records its new sides (or closes it if they became identical): resolve it after that run");
    }
    if (refusal != null) return Effect().reply(cmd.replyTo(), StatusReply.success(refusal));
    return Effect().persist(new ConflictResolutionRequested(cmd.conflictId(), cmd.strategy(), cmd.by(), now()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new ResolutionAccepted(s.unresolvedConflict(cmd.conflictId()))));
  }

  private ResolutionRefused resolutionRefusal(LibraryState state, ResolveConflict cmd) {
    ConflictRecord conflict = state.unresolvedConflict(cmd.conflictId());
    if (conflict == null) {
      ConflictRecord ended = state.resolvedConflict(cmd.conflictId());
      return ended == null
          ? new ResolutionRefused(Refusal.UNKNOWN_CONFLICT, "unknown conflict: " + cmd.conflictId())
          : new ResolutionRefused(Refusal.ALREADY_RESOLVED, "conflict " + cmd.conflictId() + " on '" + ended.path()
              + "' is already resolved (" + ended.resolvedBy() + ", " + ended.resolvedAt() + ")");
    }
    if (conflict.state() == ConflictState.RESOLVING) {
      return new ResolutionRefused(Refusal.ALREADY_RESOLVED, "conflict " + cmd.conflictId() + " on '" + conflict.path()
          + "' is already being resolved with " + conflict.strategy().wireName() + "; the next run carries it out");
    }
    if (cmd.strategy() == ConflictStrategy.MANUAL) {
      return new ResolutionRefused(Refusal.NOT_APPLICABLE, "manual does not resolve a conflict; choose keep_local, keep_remote, keep_newest or keep_both");
    }
    if (conflict.type() == ConflictType.TYPE_MISMATCH && cmd.strategy() != ConflictStrategy.KEEP_BOTH) {
      return new ResolutionRefused(Refusal.NOT_APPLICABLE, "'" + conflict.path() + "' is a file on one side and a folder on "
          + "the other: neither can replace the other, only keep_both resolves it");
    }
    return null;
  }

  // --- trash and guard ----------------------------------------------------------------------------------------

  private ReplyEffect<Event, LibraryState> onGetTrash(LibraryState state, GetTrash cmd) {
    if (!state.created()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    List<TrashEntry> page = state.trashLog().values().stream()
        .sorted(java.util.Comparator.comparing(TrashEntry::at).reversed().thenComparing(TrashEntry::id))
        .skip(Math.max(0, cmd.offset()))
        .limit(Math.max(0, cmd.limit()))
        .toList();
    return Effect().reply(cmd.replyTo(), StatusReply.success(new TrashPage(state.trashLog().size(), page)));
  }

  private ReplyEffect<Event, LibraryState> onHasTrashEntry(LibraryState state, HasTrashEntry cmd) {
    return Effect().reply(cmd.replyTo(), state.created() && state.trashLog().containsKey(cmd.entryId()));
  }

  private ReplyEffect<Event, LibraryState> onRestoreTrash(LibraryState state, RestoreTrash cmd) {
    if (!state.created()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    TrashEntry entry = state.trashLog().get(cmd.entryId());
    if (entry == null) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown trash entry: " + cmd.entryId()));
    if (entry.kept() == null) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("nothing to restore: the content of " + entry.path() + " ("
          + entry.action().wireName() + ") is not kept in the trash or the archive (restored, purged, or never kept)"));
    }
    if (state.activeRun() != null || running(state) != null || !trashInFlight.add(entry.id())) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("a sync run or another restore is active; try again when it is done"));
    }
    context.pipeToSelf(safely(() -> io.restoreFromTrash(state.config(), entry.kept(), entry.path())),
        (restoredTo, error) -> new TrashRestoreDone(entry, restoredTo, error == null ? null : reason(error), cmd.replyTo()));
    return Effect().noReply();
  }

  private ReplyEffect<Event, LibraryState> onTrashRestoreDone(LibraryState state, TrashRestoreDone msg) {
    trashInFlight.remove(msg.entry().id());
    if (msg.error() != null) {
      return Effect().reply(msg.replyTo(), StatusReply.error("could not restore " + msg.entry().path() + ": " + msg.error()));
    }
    TrashEntry entry = msg.entry();
    String where = msg.restoredTo().equals(entry.path()) ? "" : " as " + msg.restoredTo() + " (its path was taken)";
    TrashEntry line = new TrashEntry(UUID.randomUUID().toString(), msg.restoredTo(), entry.size(), entry.sha256(), now(),
        null, "restored from " + entry.action().wireName() + " entry " + entry.id() + where, TrashEntry.Action.RESTORED, null);
    context.getLog().info("library {}: {} restored{}", state.config().libraryId(), entry.path(), where);
    return Effect().persist(new TrashReleased(entry.id(), line)).thenReply(msg.replyTo(), s -> StatusReply.success(line));
  }

  private ReplyEffect<Event, LibraryState> onRetryFailures(LibraryState state, RetryFailures cmd) {
    if (!state.created()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    List<String> paths = state.failures().values().stream()
        .filter(f -> !f.exclusion() && (cmd.paths().isEmpty() || cmd.paths().contains(f.path())))
        .filter(f -> f.parked() || f.retryAt() != null)
        .map(FailureRecord::path).sorted().toList();
    if (paths.isEmpty()) return Effect().reply(cmd.replyTo(), StatusReply.success(0));
    context.getLog().info("library {}: {} failed document(s) released for the next run by the operator",
        state.config().libraryId(), paths.size());
    return Effect().persist(new FailuresReleased(paths, now()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(paths.size()));
  }

  private ReplyEffect<Event, LibraryState> onResolveGuard(LibraryState state, ResolveGuard cmd) {
    if (!state.created()) return Effect().reply(cmd.replyTo(), StatusReply.error("unknown library"));
    if (state.guard() == null) return Effect().reply(cmd.replyTo(), StatusReply.error("the library is not guarded: no deletions are held"));
    if (state.activeRun() != null || running(state) != null) {
      return Effect().reply(cmd.replyTo(), StatusReply.error("a sync run is active; try again when it is done"));
    }
    Event event = cmd.action() == GuardAction.CONFIRM
        ? new GuardConfirmed(now())
        : new GuardCancelled(state.guard().forgetOnCancel(), now());
    context.getLog().info("library {}: held deletions {} by the operator ({})", state.config().libraryId(),
        cmd.action() == GuardAction.CONFIRM ? "confirmed" : "cancelled", state.guard().reason());
    return Effect().persist(event).thenReply(cmd.replyTo(), s -> StatusReply.success(cmd.action()));
  }

  private ReplyEffect<Event, LibraryState> onStop(LibraryState state, Stop cmd) {
    stopping = true;
    stopWatching();
    // A provisional run has only been looking: nothing of it to close (the schedule runs again).
    if (execution == null || state.activeRun() == null) return Effect().stop().thenNoReply();
    if (execution.inFlight() == 0) {
      RunFinished end = interrupted(execution.runId, now());
      return Effect().persist(end).thenRun(s -> announceRuns(s, List.of(end))).thenStop().thenNoReply();
    }
    return Effect().noReply(); // the last document to finish triggers FinishRun, which stops
  }

  private ReplyEffect<Event, LibraryState> onDiscoveryDone(LibraryState state, DiscoveryDone msg) {
    if (!isCurrent(msg.runId()) || running(state) == null) return Effect().noReply();
    lastProgress = now();
    Discovery discovery = msg.discovery().filteredBy(execution.config.settings().filters())
        .leavingAlone(state.untracked(null), "no longer synced: deleted on the server and kept in place by policy");
    excluded = discovery.excluded().size();
    excludedPaths = discovery.excluded();
    execution.remember(msg.discovery());
    Map<String, String> held = held(state, msg.discovery(), now());
    discovery = discovery.excluding(held);
    LibrarySettings librarySettings = execution.config.settings();
    ConflictPolicy conflicts = new ConflictPolicy(librarySettings.conflictStrategy(), state.conflicts(),
        librarySettings.verifyOnAdopt());
    localDrift = LocalDrift.of(state.bases(), discovery, execution.config.mode(), conflicts);
    SyncPlan plan = Reconciler.plan(state.bases(), discovery, execution.config.mode(), conflicts,
            new DeletionRules(librarySettings.remoteDeletionPolicy(), librarySettings.localDeletions()))
        .batchingNewSmallFiles(settings.batchFiles(), settings.batchFileBytes());
    List<Event> events = new ArrayList<>();
    boolean confirmed = state.guard() != null && state.guard().confirmed();
    if (!confirmed) {
      GuardHold hold = DeletionGuard.hold(state, msg.discovery(), plan, msg.runId(), now());
      if (hold != null) return finishRun(state, RunSummary.FAILED, hold.reason(), List.of(new RunGuarded(hold)));
    }
    if (state.guard() != null) events.add(new GuardLifted(msg.runId()));
    String fingerprint = msg.discovery().remoteRoot() == null ? null : msg.discovery().remoteRoot().dataFingerprint();
    if (fingerprint != null && !fingerprint.equals(state.dataFingerprint())) events.add(new DataFingerprintRecorded(fingerprint));
    execution.start(plan, discovery.feed());
    List<DocumentTransition> pending = pendingSteps(state, plan, msg.discovery(), msg.runId());
    // The folders above a skipped name keep their old ETags: every run lists them and sees whether it is still there.
    discovery.skipped().keySet().forEach(execution::unsettled);
    held.keySet().forEach(execution::unsettled);
    // A scheduled sweep with nothing to do says so only at DEBUG (a thousand idle libraries, every five minutes).
    if (plan.documents() > 0 || provisional == null) {
      context.getLog().info("library {} run {}: {} documents to act on", state.config().libraryId(), msg.runId(), plan.documents());
    } else {
      context.getLog().debug("library {} run {}: nothing to act on", state.config().libraryId(), msg.runId());
    }
    List<Event> skipped = skippedFailures(state, discovery, msg.runId());
    events.addAll(skipped);
    if (provisional != null && (!plan.isEmpty() || !events.isEmpty() || !pending.isEmpty())) {
      events.add(0, journaled(provisional)); // it has something to do: journaled before any of it
      provisional = null;
    }
    pending.addAll(DocumentTransitions.finished(state, "", skipped, Map.of(), msg.runId(), now()));
    return Effect().persist(events).thenRun(s -> {
      record(s, pending);
      dispatch(s);
      lastProgressReport = System.nanoTime() - PROGRESS_EVERY.toNanos(); // the plan is made: say so at once
      reportProgress(s);
    }).thenNoReply();
  }

  private ReplyEffect<Event, LibraryState> onDiscoveryFailed(LibraryState state, DiscoveryFailed msg) {
    if (!isCurrent(msg.runId()) || running(state) == null) return Effect().noReply();
    return finishRun(state, RunSummary.FAILED, "discovery failed, nothing was changed: " + msg.reason());
  }

  private ReplyEffect<Event, LibraryState> onActionDone(LibraryState state, ActionDone msg) {
    Document.Finished finished = msg.finished();
    if (!isCurrent(finished.runId())) return Effect().noReply();
    lastProgress = now();
    execution.workerDone();
    List<Event> events = new ArrayList<>();
    List<DocumentTransition> steps = new ArrayList<>();
    for (ActionResult result : finished.results()) {
      execution.done(result.path());
      if (unsettled(result)) execution.unsettled(result.path());
      Failure failure = result.failure();
      if (failure != null) {
        context.getLog().warn("library {} run {}: {} failed ({}): {}", state.config().libraryId(), finished.runId(),
            result.path(), failure.code().wireName(), failure.message());
        // Nothing else can succeed now (credentials, quota, server, workspace): let the in-flight ones end, start no more.
        if (failure.fatal()) execution.stopFor(failure);
      }
      if (failure != null || unsettled(result)) execution.stepNotDone(result.path());
      List<Event> resultEvents = eventsFor(state, finished.runId(), result, execution.seen(result.path()),
          settings.documentRetry(state.config().settings()), execution.documentIds());
      events.addAll(resultEvents);
      steps.addAll(DocumentTransitions.finished(state, result.path(), resultEvents, execution.documentIds(),
          finished.runId(), now()));
      // A chunked upload that failed for its own sake (not the network's) starts over next time.
      boolean failedForItself = failure != null && failure.failureClass() == FailureClass.DOCUMENT;
      if (failedForItself && state.uploadSessions().containsKey(result.path())) events.add(new UploadSessionDropped(result.path()));
    }
    return Effect().persist(events).thenRun(s -> {
      record(s, steps);
      announceRuns(s, events);
      dispatch(s);
      reportProgress(s);
    }).thenNoReply();
  }

  /** Journals a conflict before its worker carries it out; the worker waits for this. */
  private ReplyEffect<Event, LibraryState> onConflictToRecord(LibraryState state, ConflictToRecordReceived msg) {
    Document.ConflictToRecord request = msg.request();
    if (!isCurrent(request.runId()) || stopping) {
      request.recorded().completeExceptionally(new IllegalStateException("the run is over"));
      return Effect().noReply();
    }
    ConflictRaised raised = new ConflictRaised(request.conflict());
    return Effect().persist(raised)
        .thenRun(s -> {
          request.recorded().complete(null);
          announceRuns(s, List.of(raised));
        })
        .thenNoReply();
  }

  private ReplyEffect<Event, LibraryState> onUploadProgressed(LibraryState state, UploadProgressed msg) {
    Document.UploadProgress progress = msg.progress();
    if (isCurrent(progress.runId())) lastProgress = now(); // a chunk landed: the lease is renewed
    if (!isCurrent(progress.runId()) || progress.session().equals(state.uploadSessions().get(progress.path()))) {
      return Effect().noReply();
    }
    return Effect().persist(new UploadSessionSaved(progress.path(), progress.session())).thenNoReply();
  }

  private ReplyEffect<Event, LibraryState> onDocumentStopped(LibraryState state, DocumentStopped msg) {
    if (!isCurrent(msg.runId()) || msg.paths().stream().noneMatch(p -> execution.isInFlightWith(p, msg.worker()))) {
      return Effect().noReply();
    }
    execution.workerDone();
    List<Event> events = new ArrayList<>();
    for (String path : msg.paths()) {
      if (!execution.isInFlightWith(path, msg.worker())) continue;
      execution.done(path);
      execution.unsettled(path);
      events.add(new DocumentFailed(settings.documentRetry(state.config().settings()).after(state.failures().get(path), FailureRecord.first(path,
          FailureCode.WORKER_STOPPED, "the document worker stopped unexpectedly", now(), msg.runId(),
          execution.seen(path)).of(failedId(state, path, execution.documentIds())))));
    }
    List<DocumentTransition> steps = DocumentTransitions.finished(state, "", events, execution.documentIds(), msg.runId(),
        now());
    return events.isEmpty() ? Effect().noReply() : Effect().persist(events).thenRun(s -> {
      record(s, steps);
      dispatch(s);
    }).thenNoReply();
  }

  private ReplyEffect<Event, LibraryState> onFinishRun(LibraryState state, FinishRun msg) {
    if (!isCurrent(msg.runId()) || running(state) == null) return Effect().noReply();
    if (stopping) return finishRun(state, RunSummary.INTERRUPTED, "the daemon shut down during the run");
    Failure fatal = execution.stoppedFor();
    if (fatal != null) {
      // The folders' ETags are not agreed: the run did not get through its plan.
      return finishRun(state, RunSummary.FAILED, "stopped: " + fatal.message(), List.of(), fatal.code());
    }
    List<Event> agreed = agreedAtTheEnd(state, msg.runId());
    int failed = running(state).failed();
    if (failed == 0) return finishRun(state, RunSummary.SUCCEEDED, null, agreed);
    String example = state.failures().values().stream()
        .filter(f -> msg.runId().equals(f.runId()))
        .min(java.util.Comparator.comparing(FailureRecord::path))
        .map(f -> " (" + f.path() + ": " + f.reason() + ")")
        .orElse("");
    return finishRun(state, RunSummary.FAILED, failed + " document(s) failed; the next run retries them" + example, agreed);
  }

  /**
   * What a run that got through its plan agrees on last: the folder ETags above everything that settled, and where to
   * follow the change feed from (failed paths are listed again by the next run whatever the feed says).
   */
  private List<Event> agreedAtTheEnd(LibraryState state, String runId) {
    List<Event> events = new ArrayList<>();
    List<BaseEntry> folders = execution.folderRecords();
    if (!folders.isEmpty()) events.add(new FolderEtagsRecorded(runId, folders));
    ChangeFeedPosition feed = execution.feedAfter();
    if (!java.util.Objects.equals(feed, state.changeFeed())) events.add(new ChangeFeedAdvanced(runId, feed));
    return events;
  }

  private ReplyEffect<Event, LibraryState> onCloseInterruptedRun(LibraryState state, CloseInterruptedRun msg) {
    if (execution != null || state.activeRun() == null || !state.activeRun().runId().equals(msg.runId())) {
      return Effect().noReply();
    }
    RunFinished end = interrupted(msg.runId(), now());
    return Effect().persist(end).thenRun(s -> announceRuns(s, List.of(end))).thenNoReply();
  }

  // --- run mechanics ------------------------------------------------------------------------------------------

  private boolean isCurrent(String runId) {
    return execution != null && execution.runId.equals(runId);
  }

  /** The run executing here, journaled or {@link #provisional}; null when none. */
  private RunSummary running(LibraryState state) {
    if (execution == null) return null;
    return state.activeRun() != null ? state.activeRun() : provisional;
  }

  /** The newest run, journaled or quiet (for the status, and when the next scheduled one is due). */
  private RunSummary lastRun(LibraryState state) {
    RunSummary journaled = state.lastRun();
    if (lastQuiet == null) return journaled;
    return journaled == null || journaled.startedAt().isBefore(lastQuiet.startedAt()) ? lastQuiet : journaled;
  }

  private void startDiscovery(LibraryState state, String runId) {
    LibraryConfig config = state.isDetaching()
        ? state.config().with(SyncMode.REMOTE_TO_LOCAL, state.config().settings()) // bring every remote file down
        : state.config();
    execution = new RunExecution(runId, config);
    lastProgress = now();
    context.scheduleOnce(leaseCheckEvery(), context.getSelf(), new CheckRunLease(runId));
    context.pipeToSelf(
        safely(() -> io.discover(state.config(),
            new DiscoveryInput(state.bases(), state.changeFeed(), toLookAtAgain(state), isFullSync(state)))),
        (discovery, error) -> error == null ? new DiscoveryDone(runId, discovery) : new DiscoveryFailed(runId, reason(error)));
  }

  private static boolean isFullSync(LibraryState state) {
    return state.activeRun() != null && RunSummary.FULL_SYNC.equals(state.activeRun().trigger());
  }

  /** Starts document workers up to the phase's parallelism; moves to the next phase when one drains. */
  private void dispatch(LibraryState state) {
    if (execution == null || !execution.planned()) return;
    if (stopping) {
      if (execution.inFlight() == 0) context.getSelf().tell(new FinishRun(execution.runId));
      return;
    }
    while (execution.inFlight() < Math.max(1, settings.parallelTransfers())) {
      var action = execution.next();
      if (action == null) break;
      long number = execution.nextWorkerNumber();
      ActorRef<Document.Command> worker = context.spawn(Document.create(io), workerName(action, number));
      context.watchWith(worker, new DocumentStopped(execution.runId, number, action.paths()));
      execution.started(action, number);
      record(state, DocumentTransitions.all(action, execution.documentIds(), DocumentStatus.PENDING, DocumentStatus.SYNCING,
          execution.runId, now(), "started"));
      worker.tell(new Document.Execute(execution.config, execution.runId, withSession(action, state), finishedAdapter, progressAdapter,
          conflictAdapter));
    }
    if (execution.finished()) context.getSelf().tell(new FinishRun(execution.runId));
  }

  /**
   * {@code doc-<document id>} for an action on one document, {@code batch-<n>} for a batch of new files. A worker that
   * has answered may not have stopped yet (its name is taken until it has): the next one for the same document is then
   * {@code doc-<id>-<n>}.
   */
  private String workerName(SyncAction action, long number) {
    String id = action.paths().size() == 1 ? execution.documentIds().get(action.paths().get(0)) : null;
    if (id == null) return "batch-" + number;
    return context.getChild("doc-" + id).isPresent() ? "doc-" + id + "-" + number : "doc-" + id;
  }

  /** An upload resumes the chunked upload an earlier attempt left on the server. */
  private static SyncAction withSession(SyncAction action, LibraryState state) {
    if (action instanceof SyncAction.Upload upload) {
      UploadSession session = state.uploadSessions().get(upload.path());
      if (session != null) return upload.resuming(session);
    }
    return action;
  }

  private static RunStarted journaled(RunSummary run) {
    return new RunStarted(run.runId(), run.startedAt(), run.trigger());
  }

  /**
   * A scheduled run that found nothing to do ends without a trace in the journal: the status shows it as the last run
   * until a newer one, and the schedule counts from it. A run queued meanwhile starts now.
   */
  private ReplyEffect<Event, LibraryState> finishQuietly(LibraryState state, Instant now) {
    lastQuiet = provisional.finished(now, RunSummary.SUCCEEDED, null);
    provisional = null;
    execution = null;
    logRunEnd(state.config().libraryId(), lastQuiet, RunSummary.SUCCEEDED, now);
    observer.runFinished(state.config().tenantId(), state.config().libraryId(), lastQuiet);
    String queued = queuedRunId;
    boolean asked = queuedAsked;
    queuedRunId = null;
    queuedAsked = false;
    if (queued != null) context.getSelf().tell(new StartQueuedRun(queued, asked));
    else scheduleRetry(state);
    return Effect().noReply();
  }

  /**
   * What a run did, in one line: at INFO when it changed anything or was a full sync, at DEBUG when it found nothing to
   * do (a thousand idle libraries would otherwise write a line each every five minutes).
   */
  private void logRunEnd(String libraryId, RunSummary run, String outcome, Instant at) {
    boolean changed = run.uploaded() + run.downloaded() + run.deletedLocal() + run.deletedRemote() + run.conflicts()
        + run.failed() > 0;
    if (!changed && !RunSummary.FULL_SYNC.equals(run.trigger()) && !context.getLog().isDebugEnabled()) return;
    String line = "library {} run {} ({}) {} in {} ms: {} uploaded, {} downloaded, {} deleted here, {} deleted on the "
        + "server, {} conflict(s), {} failed";
    Object[] args = {libraryId, run.runId(), run.trigger(), outcome, Duration.between(run.startedAt(), at).toMillis(),
        run.uploaded(), run.downloaded(), run.deletedLocal(), run.deletedRemote(), run.conflicts(), run.failed()};
    if (changed || RunSummary.FULL_SYNC.equals(run.trigger())) context.getLog().info(line, args);
    else context.getLog().debug(line, args);
  }

  private ReplyEffect<Event, LibraryState> finishRun(LibraryState state, String outcome, String reason) {
    return finishRun(state, outcome, reason, List.of());
  }

  /** Persists {@code before}, then the run's end. */
  private ReplyEffect<Event, LibraryState> finishRun(LibraryState state, String outcome, String reason, List<Event> before) {
    return finishRun(state, outcome, reason, before, null);
  }

  private ReplyEffect<Event, LibraryState> finishRun(LibraryState state, String outcome, String reason, List<Event> before,
      FailureCode code) {
    RunSummary run = running(state) != null ? running(state) : state.activeRun();
    String runId = run.runId();
    Instant now = now();
    if (provisional != null && before.isEmpty() && RunSummary.SUCCEEDED.equals(outcome) && !stopping) {
      return finishQuietly(state, now);
    }
    List<Event> events = new ArrayList<>();
    if (provisional != null) events.add(journaled(provisional)); // failed or stopped: on record like any other run
    provisional = null;
    events.addAll(before);
    events.add(new RunFinished(runId, now, outcome, reason, code));
    if (reason != null) context.getLog().warn("library {} run {} {}: {}", state.config().libraryId(), runId, outcome, reason);
    else logRunEnd(state.config().libraryId(), run, outcome, now);
    execution = null;
    boolean detached = state.isDetaching() && RunSummary.SUCCEEDED.equals(outcome);
    if (detached) {
      events.add(new LibraryRemoved(now));
      context.getLog().info("library {} detached: every remote file is down; removed", state.config().libraryId());
    }
    String queued = stopping || detached ? null : queuedRunId;
    boolean asked = queuedAsked;
    queuedRunId = null;
    queuedAsked = false;
    var effect = Effect().persist(events)
        .thenRun(s -> {
          announceRuns(s, events);
          if (detached) removals.removed(s.config().tenantId(), s.config().libraryId());
          if (queued != null) context.getSelf().tell(new StartQueuedRun(queued, asked));
          else scheduleRetry(s);
        });
    return stopping ? effect.thenStop().thenNoReply() : effect.thenNoReply();
  }

  /**
   * A result that leaves its path for a later run (a failure, or a skip because something changed meanwhile): the
   * folders above it keep their old ETags, so the next run looks there again (a document waiting for its back-off, or
   * parked, is then held back by {@link #held}; seeing it again tells whether it changed).
   */
  private static boolean unsettled(ActionResult result) {
    if (result.failure() != null) return true;
    // An open conflict is looked at again on every run, so its folders must be listed (not pruned by their ETags).
    if (result.conflict() != null && !result.conflict().isResolved()) return true;
    return result.changes().isEmpty();
  }

  /**
   * Paths whose folders discovery must list whatever the change feed says: failures (those waiting or parked too: a
   * change to them lifts the wait), exclusions and unresolved conflicts.
   */
  private static java.util.Set<String> toLookAtAgain(LibraryState state) {
    java.util.Set<String> paths = new java.util.HashSet<>(state.conflicts().keySet());
    paths.addAll(state.failures().keySet());
    return paths;
  }

  /**
   * The documents a {@code DOCUMENT} failure holds back from this run (waiting for their back-off, or parked) and
   * have not changed since, with why: the plan leaves them alone on both sides.
   */
  static Map<String, String> held(LibraryState state, Discovery discovery, Instant now) {
    Map<String, String> held = new java.util.HashMap<>();
    for (DocumentLock lock : state.locks().values()) {
      if (!lock.expired(now)) held.put(state.pathOf(lock), lockedBy(lock) + "; its changes wait for the lock to end");
    }
    for (FailureRecord failure : state.failures().values()) {
      String seenNow = FailureRecord.stamp(discovery.local().get(failure.path()), discovery.remote().get(failure.path()));
      if (!failure.holds(now, seenNow)) continue;
      held.put(failure.path(), failure.parked()
          ? "parked after " + failure.attempts() + " failures (" + failure.code().wireName() + "); retried when it changes"
          : "waiting until " + failure.retryAt() + " to retry (" + failure.code().wireName() + ")");
    }
    return held;
  }

  private static RunFinished interrupted(String runId, Instant at) {
    return new RunFinished(runId, at, RunSummary.INTERRUPTED, "the daemon stopped during the run; the next run resumes");
  }

  private List<Event> eventsFor(LibraryState state, String runId, ActionResult result, String seen,
      DocumentRetry retry, Map<String, String> documentIds) {
    List<Event> events = new ArrayList<>();
    Map<String, String> ids = documentIds;
    for (DocumentChange change : result.changes()) {
      if (change instanceof DocumentChange.BaseRecorded recorded) {
        events.add(new DocumentSynced(runId, withDocumentId(state, recorded.entry(), ids), recorded.transfer()));
      } else if (change instanceof DocumentChange.BaseForgotten forgotten) {
        events.add(new DocumentForgotten(runId, forgotten.path(), forgotten.transfer()));
      } else if (change instanceof DocumentChange.BaseMoved moved) {
        List<BaseEntry> entries = state.basesMoved(moved.from(), moved.to());
        events.add(new DocumentsMoved(runId, moved.from(), moved.to(), entries));
        // What the same action records at the new paths next is the moved documents.
        ids = new java.util.HashMap<>(ids);
        for (BaseEntry entry : entries) ids.put(entry.path(), entry.documentId());
      }
    }
    ConflictRecord conflict = result.conflict();
    if (conflict != null) {
      boolean endsOneOnRecord = conflict.isResolved() && state.unresolvedConflict(conflict.id()) != null;
      events.add(endsOneOnRecord ? new ConflictResolved(conflict) : new ConflictRaised(conflict));
    }
    for (TrashEntry entry : result.trashLog()) events.add(new TrashLogged(entry));
    Failure failure = result.failure();
    if (failure != null) {
      FailureRecord first = FailureRecord.first(result.path(), failure.code(), failure.message(), now(), runId, seen)
          .of(failedId(state, result.path(), documentIds));
      events.add(new DocumentFailed(retry.after(state.failures().get(result.path()), first)));
    }
    return events;
  }

  /**
   * The entry as its document: the id its base already has (kept whatever the engine recorded), else the one the run
   * planned it with, else a new one (a conflict copy).
   */
  private static BaseEntry withDocumentId(LibraryState state, BaseEntry entry, Map<String, String> documentIds) {
    if (entry.documentId() != null) return entry;
    BaseEntry known = state.bases().get(entry.path());
    String id = documentIds.get(entry.path());
    if (id == null && known != null) id = known.documentIdOrDerived();
    if (id == null) {
      id = DocumentIds.forNew(entry.path(), entry.fileId(), "recorded:" + entry.sha256());
    }
    return entry.withDocumentId(id);
  }

  /** The id of a document that failed: the run's, its base's, its last failure's, else one from its path. */
  static String failedId(LibraryState state, String path, Map<String, String> documentIds) {
    String id = documentIds.get(path);
    if (id != null) return id;
    BaseEntry base = state.bases().get(path);
    if (base != null) return base.documentIdOrDerived();
    FailureRecord known = state.failures().get(path);
    return known != null && known.documentId() != null ? known.documentId() : DocumentIds.derived(path, null);
  }

  /** Gives every planned path its document id and returns their {@code pending} steps. */
  private List<DocumentTransition> pendingSteps(LibraryState state, SyncPlan plan, Discovery seen, String runId) {
    List<DocumentTransition> steps = new ArrayList<>();
    Instant now = now();
    java.util.Set<String> movedAway = DocumentTransitions.movedAway(plan);
    for (SyncAction.Phase phase : SyncAction.Phase.values()) {
      if (phase == SyncAction.Phase.RECORD_FOLDERS) continue;
      for (SyncAction action : plan.actions(phase)) {
        List<SyncAction> parts = action instanceof SyncAction.UploadBatch batch ? List.copyOf(batch.uploads()) : List.of(action);
        for (SyncAction part : parts) {
          String reason = DocumentTransitions.planned(part);
          for (String path : part.paths()) {
            String id = DocumentTransitions.idFor(state, part, path, seen, movedAway);
            execution.documentIds().put(path, id);
            steps.add(new DocumentTransition(id, path, DocumentTransitions.current(state, path), DocumentStatus.PENDING,
                runId, now, reason));
          }
        }
      }
    }
    return steps;
  }

  /** Hands {@code steps} to the document history (after the events that caused them are journaled). */
  private void record(LibraryState state, List<DocumentTransition> steps) {
    if (!steps.isEmpty()) history.record(state.config().tenantId(), state.config().libraryId(), steps);
  }

  /**
   * Records the names discovery skipped (once per path and reason), and lifts those it no longer finds: the name
   * was renamed or removed. Discovery lists the folders of every recorded exclusion: not finding one means it is gone.
   */
  private List<Event> skippedFailures(LibraryState state, Discovery discovery, String runId) {
    List<Event> events = new ArrayList<>();
    for (Map.Entry<String, String> skipped : discovery.skipped().entrySet()) {
      FailureRecord known = state.failures().get(skipped.getKey());
      if (known == null || !known.exclusion() || !known.reason().equals(skipped.getValue())) {
        events.add(new DocumentFailed(FailureRecord.first(skipped.getKey(), FailureCode.EXCLUDED_NAME, skipped.getValue(),
            now(), runId, null).of(failedId(state, skipped.getKey(), Map.of()))));
      }
    }
    for (FailureRecord failure : state.failures().values()) {
      if (failure.exclusion() && !discovery.skipped().containsKey(failure.path())) {
        events.add(new ExclusionLifted(runId, failure.path()));
      }
    }
    return events;
  }

  private static <T> java.util.concurrent.CompletionStage<T> safely(
      java.util.function.Supplier<java.util.concurrent.CompletionStage<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return java.util.concurrent.CompletableFuture.failedFuture(e);
    }
  }

  private static String reason(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  // --- event handler ------------------------------------------------------------------------------------------

  @Override
  public EventHandler<LibraryState, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(LibraryCreated.class, (state, evt) -> state.created(evt.config()))
        .onEvent(DocumentLocked.class, (state, evt) -> state.locked(evt.lock()))
        .onEvent(DocumentUnlocked.class, (state, evt) -> state.unlocked(evt.documentId()))
        .onEvent(RunStarted.class, (state, evt) -> state.runStarted(RunSummary.started(evt.runId(), evt.startedAt(), evt.trigger())))
        .onEvent(CleanedUp.class, (state, evt) -> state.cleanedUp(evt.report().at()))
        .onEvent(LibrarySettingsChanged.class, (state, evt) -> state.created(state.config().with(evt.mode(), evt.settings())))
        .onEvent(DocumentSynced.class, (state, evt) -> state.documentSynced(evt.entry(), evt.transfer()))
        .onEvent(DocumentForgotten.class, (state, evt) -> state.documentForgotten(evt.path(), evt.transfer()))
        .onEvent(DocumentsMoved.class, (state, evt) -> state.documentsMoved(evt.from(), evt.to(), evt.moved()))
        .onEvent(ConflictRaised.class, (state, evt) -> state.conflictRaised(evt.conflict()))
        .onEvent(ConflictResolutionRequested.class, (state, evt) -> state.conflictResolutionRequested(evt.conflictId(), evt.strategy(), evt.by()))
        .onEvent(ConflictResolved.class, (state, evt) -> state.conflictResolved(evt.conflict()))
        .onEvent(DocumentFailed.class, (state, evt) -> state.documentFailed(evt.failure()))
        .onEvent(ExclusionLifted.class, (state, evt) -> state.exclusionLifted(evt.path()))
        .onEvent(RunFinished.class, Library::applyRunFinished)
        .onEvent(UploadSessionSaved.class, (state, evt) -> state.uploadSessionSaved(evt.path(), evt.session()))
        .onEvent(UploadSessionDropped.class, (state, evt) -> state.uploadSessionDropped(evt.path()))
        .onEvent(RemovalRequested.class, (state, evt) -> state.removalRequested(new Removal(evt.detach(), evt.at(), null)))
        .onEvent(LibraryRemoved.class, (state, evt) -> state.removed(evt.at()))
        .onEvent(TrashLogged.class, (state, evt) -> state.trashLogged(evt.entry()))
        .onEvent(TrashReleased.class, (state, evt) -> state.trashReleased(evt.entryId(), evt.line()))
        .onEvent(TrashLogCompacted.class, (state, evt) -> state.trashLogCompacted(evt.entryIds()))
        .onEvent(RunGuarded.class, (state, evt) -> state.guarded(evt.hold()))
        .onEvent(FailuresReleased.class, (state, evt) -> state.failuresReleased(evt.paths()))
        .onEvent(GuardConfirmed.class, (state, evt) -> state.guard() == null ? state : state.guarded(state.guard().confirm()))
        .onEvent(GuardCancelled.class, (state, evt) -> state.guardCancelled(evt.forgotten()))
        .onEvent(GuardLifted.class, (state, evt) -> state.guarded(null))
        .onEvent(DataFingerprintRecorded.class, (state, evt) -> state.dataFingerprintRecorded(evt.fingerprint()))
        .onEvent(FolderEtagsRecorded.class, (state, evt) -> state.foldersRecorded(evt.folders()))
        .onEvent(ChangeFeedAdvanced.class, (state, evt) -> state.changeFeedAdvanced(evt.position()))
        .build();
  }

  private static LibraryState applyRunFinished(LibraryState state, RunFinished evt) {
    RunSummary active = state.activeRun();
    if (active == null || !active.runId().equals(evt.runId())) return state;
    return state.runFinished(active.finished(evt.finishedAt(), evt.outcome(), evt.reason(), evt.code()));
  }
}
