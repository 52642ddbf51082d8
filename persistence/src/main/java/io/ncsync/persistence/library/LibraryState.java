package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;
import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.ChangeFeedPosition;
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.persistence.sync.Transfer;
import io.ncsync.persistence.sync.TrashEntry;
import io.ncsync.protocol.UploadSession;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * A library's durable state. Immutable; the maps are persistent (structure-sharing) so that recording one document in
 * a library of 100,000 costs O(log n), not a copy.
 *
 * @param config    null until the library is created
 * @param bases     last agreed state per path
 * @param conflicts conflicts not yet resolved (open or resolving) per path
 * @param failures  last failure per path, cleared when the path syncs
 * @param activeRun the run in progress (also after a crash, until closed as interrupted), or null
 * @param history   finished runs, newest last, at most {@link #HISTORY}
 * @param uploadSessions chunked uploads in progress per path, resumed by the next attempt
 * @param changeFeed where the library follows its server's change feed, or null
 * @param files     how many files {@code bases} holds, kept as it changes (the status asks on every poll, and a large
 *                  library would count 100,000 entries each time); null (snapshots from before it) counts once
 * @param trashLog  what runs removed or replaced, by entry id
 * @param removal   null for a library in use; else its detach, requested or done
 * @param resolvedConflicts ended conflicts, newest last, at most {@link #RESOLVED_CONFLICTS} ({@code conflicts} holds
 *                  the open and resolving ones)
 * @param guard     deletions the deletion guard holds for the operator, or null
 * @param dataFingerprint the server's oc:data-fingerprint as last accepted, or null (none seen yet)
 * @param locks     the documents API clients hold locked, by document id
 */
public record LibraryState(
    LibraryConfig config,
    Map<String, BaseEntry> bases,
    Map<String, ConflictRecord> conflicts,
    Map<String, FailureRecord> failures,
    RunSummary activeRun,
    List<RunSummary> history,
    Map<String, UploadSession> uploadSessions,
    ChangeFeedPosition changeFeed,
    Long files,
    Map<String, TrashEntry> trashLog,
    Removal removal,
    List<ConflictRecord> resolvedConflicts,
    GuardHold guard,
    String dataFingerprint,
    Map<String, DocumentLock> locks,
    ScheduledJobs jobs)
    implements CborSerializable {

  static final int HISTORY = 20;
  /** Resolved conflicts kept for the API, newest last. */
  static final int RESOLVED_CONFLICTS = 500;

  public LibraryState {
    bases = persistent(bases);
    conflicts = persistent(conflicts);
    failures = persistent(failures);
    history = history == null ? List.of() : List.copyOf(history);
    uploadSessions = persistent(uploadSessions);
    if (files == null) files = bases.values().stream().filter(b -> !b.folder()).count();
    trashLog = persistent(trashLog);
    locks = persistent(locks);
    if (jobs == null) jobs = ScheduledJobs.NONE;
    if (resolvedConflicts == null) {
      // A snapshot from before conflicts ended: those it kept as open but a conflict copy settled are resolved.
      resolvedConflicts = conflicts.values().stream().filter(ConflictRecord::isResolved).toList();
      for (ConflictRecord ended : resolvedConflicts) conflicts = ((PMap<String, ConflictRecord>) conflicts).minus(ended.path());
    }
    resolvedConflicts = List.copyOf(resolvedConflicts);
  }

  private static <V> PMap<String, V> persistent(Map<String, V> map) {
    if (map == null) return HashTreePMap.empty();
    return map instanceof PMap<String, V> p ? p : HashTreePMap.from(map);
  }

  public static LibraryState empty() {
    return new LibraryState(null, null, null, null, null, null, null, null, 0L, null, null, List.of(), null, null, null, null);
  }

  public boolean created() {
    return config != null;
  }

  public RunSummary lastRun() {
    return history.isEmpty() ? null : history.get(history.size() - 1);
  }

  /**
   * "syncing" while a run is active, "disabled" when switched off, "guarded" while the deletion guard holds deletions
   * for the operator, "failed" when the last run failed, else "idle".
   */
  public String stateName() {
    if (isRemoved()) return "removed";
    if (isDetaching()) return "detaching";
    if (activeRun != null) return "syncing";
    if (config != null && !config.settings().isEnabled()) return "disabled";
    if (guard != null) return "guarded";
    RunSummary last = lastRun();
    return last != null && RunSummary.FAILED.equals(last.outcome()) ? "failed" : "idle";
  }

  /** How many files the base holds (a library "had files"). */
  public long fileCount() {
    return files;
  }

  /** The lock on a document, if one holds now (an expired one the daemon has not released yet does not). */
  public java.util.Optional<DocumentLock> lockOf(String documentId, Instant now) {
    DocumentLock lock = locks.get(documentId);
    return lock == null || lock.expired(now) ? java.util.Optional.empty() : java.util.Optional.of(lock);
  }

  /** Where a locked document is now: its base's path when the base knows its id (a move), else where it was locked. */
  public String pathOf(DocumentLock lock) {
    for (BaseEntry base : bases.values()) {
      if (lock.documentId().equals(base.documentIdOrDerived())) return base.path();
    }
    return lock.path();
  }

  // --- transitions, one per event -------------------------------------------------------------------------------

  LibraryState locked(DocumentLock lock) {
    return new LibraryState(config, bases, conflicts, failures, activeRun, history, uploadSessions, changeFeed, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, ((PMap<String, DocumentLock>) locks).plus(lock.documentId(), lock), jobs);
  }

  LibraryState unlocked(String documentId) {
    return new LibraryState(config, bases, conflicts, failures, activeRun, history, uploadSessions, changeFeed, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, ((PMap<String, DocumentLock>) locks).minus(documentId), jobs);
  }

  LibraryState created(LibraryConfig config) {
    return new LibraryState(config, bases, conflicts, failures, activeRun, history, uploadSessions, changeFeed, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  LibraryState runStarted(RunSummary run) {
    ScheduledJobs nextJobs = RunSummary.FULL_SYNC.equals(run.trigger()) ? jobs.fullSyncStarted(run.startedAt()) : jobs;
    return new LibraryState(config, bases, conflicts, failures, run, history, uploadSessions, changeFeed, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, nextJobs);
  }

  LibraryState cleanedUp(Instant at) {
    return new LibraryState(config, bases, conflicts, failures, activeRun, history, uploadSessions, changeFeed, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs.cleanedUp(at));
  }

  LibraryState documentSynced(BaseEntry entry, Transfer transfer) {
    long nextFiles = files - fileAt(entry.path()) + (entry.folder() ? 0 : 1);
    return new LibraryState(
        config,
        ((PMap<String, BaseEntry>) bases).plus(entry.path(), entry),
        conflicts,
        ((PMap<String, FailureRecord>) failures).minus(entry.path()),
        countBytes(count(transfer), transfer, entry.size()),
        history,
        ((PMap<String, UploadSession>) uploadSessions).minus(entry.path()), changeFeed, nextFiles, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  private static RunSummary countBytes(RunSummary run, Transfer transfer, long size) {
    if (run == null) return null;
    if (transfer == Transfer.UPLOADED) return run.plusBytes(size, 0);
    if (transfer == Transfer.DOWNLOADED) return run.plusBytes(0, size);
    return run;
  }

  LibraryState documentForgotten(String path, Transfer transfer) {
    long nextFiles = files - fileAt(path);
    return new LibraryState(
        config,
        ((PMap<String, BaseEntry>) bases).minus(path),
        conflicts,
        ((PMap<String, FailureRecord>) failures).minus(path),
        count(transfer),
        history,
        ((PMap<String, UploadSession>) uploadSessions).minus(path), changeFeed, nextFiles, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  /** The base entries at {@code from} and below, at the paths a move to {@code to} gives them. */
  public List<BaseEntry> basesMoved(String from, String to) {
    List<BaseEntry> moved = new ArrayList<>();
    for (BaseEntry entry : bases.values()) {
      String path = entry.path();
      if (path.equals(from) || path.startsWith(from + "/")) moved.add(entry.at(to + path.substring(from.length())));
    }
    moved.sort(java.util.Comparator.comparing(BaseEntry::path));
    return moved;
  }

  /**
   * A move: each entry of {@code moved} (at its new path below {@code to}) leaves its old path below {@code from}. A
   * failure or an upload session at an old path no longer names anything.
   */
  LibraryState documentsMoved(String from, String to, List<BaseEntry> moved) {
    PMap<String, BaseEntry> nextBases = (PMap<String, BaseEntry>) bases;
    PMap<String, FailureRecord> nextFailures = (PMap<String, FailureRecord>) failures;
    PMap<String, UploadSession> nextSessions = (PMap<String, UploadSession>) uploadSessions;
    long nextFiles = files;
    for (BaseEntry entry : moved) {
      String old = from + entry.path().substring(to.length());
      BaseEntry left = nextBases.get(old);
      if (left != null && !left.folder()) nextFiles--;
      nextBases = nextBases.minus(old);
      nextFailures = nextFailures.minus(old);
      nextSessions = nextSessions.minus(old);
    }
    for (BaseEntry entry : moved) {
      BaseEntry replaced = nextBases.get(entry.path());
      if (replaced != null && !replaced.folder()) nextFiles--;
      if (!entry.folder()) nextFiles++;
      nextBases = nextBases.plus(entry.path(), entry);
    }
    return new LibraryState(config, nextBases, conflicts, nextFailures, activeRun, history, nextSessions, changeFeed, nextFiles,
        trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  /**
   * A conflict found (counted in the run), or one on record seen again with new sides (same id, not counted again). One
   * found already resolved (a strategy ended it at once) goes straight to the resolved ones.
   */
  LibraryState conflictRaised(ConflictRecord conflict) {
    ConflictRecord known = conflicts.get(conflict.path());
    // Recorded before it was carried out, then again with the outcome: counted once, listed once.
    boolean seenBefore = known != null && known.id().equals(conflict.id()) || resolvedConflict(conflict.id()) != null;
    RunSummary run = activeRun == null || seenBefore ? activeRun : activeRun.plus(0, 0, 0, 0, 1, 0);
    if (conflict.isResolved()) return withConflictResolved(conflict, run);
    return new LibraryState(config, bases, ((PMap<String, ConflictRecord>) conflicts).plus(conflict.path(), conflict),
        failures, run, history, uploadSessions, changeFeed, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  /** The operator chose how the conflict ends; the next run carries it out. */
  LibraryState conflictResolutionRequested(String conflictId, io.ncsync.persistence.sync.ConflictStrategy strategy, String by) {
    ConflictRecord open = unresolvedConflict(conflictId);
    if (open == null) return this;
    return new LibraryState(config, bases, ((PMap<String, ConflictRecord>) conflicts).plus(open.path(), open.requested(strategy, by)),
        failures, activeRun, history, uploadSessions, changeFeed, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  /** A conflict on record ended (carried out, or both sides became identical). */
  LibraryState conflictResolved(ConflictRecord resolved) {
    return withConflictResolved(resolved, activeRun);
  }

  private LibraryState withConflictResolved(ConflictRecord resolved, RunSummary run) {
    PMap<String, ConflictRecord> open = (PMap<String, ConflictRecord>) conflicts;
    ConflictRecord known = open.get(resolved.path());
    if (known != null && known.id().equals(resolved.id())) open = open.minus(resolved.path());
    List<ConflictRecord> ended = new ArrayList<>(resolvedConflicts);
    ended.removeIf(c -> c.id().equals(resolved.id()));
    ended.add(resolved);
    if (ended.size() > RESOLVED_CONFLICTS) ended = ended.subList(ended.size() - RESOLVED_CONFLICTS, ended.size());
    return new LibraryState(config, bases, open, failures, run, history, uploadSessions, changeFeed, files, trashLog, removal, ended, guard, dataFingerprint, locks, jobs);
  }

  /** The open or resolving conflict with this id, or null. */
  public ConflictRecord unresolvedConflict(String conflictId) {
    for (ConflictRecord c : conflicts.values()) if (c.id().equals(conflictId)) return c;
    return null;
  }

  /** The resolved conflict with this id, or null. */
  public ConflictRecord resolvedConflict(String conflictId) {
    for (ConflictRecord c : resolvedConflicts) if (c.id().equals(conflictId)) return c;
    return null;
  }

  /** An exclusion is recorded like a failure but does not fail the run: the rest of the library synced. */
  LibraryState documentFailed(FailureRecord failure) {
    RunSummary run = activeRun == null || failure.exclusion() ? activeRun : activeRun.plus(0, 0, 0, 0, 0, 1);
    return new LibraryState(config, bases, conflicts,
        ((PMap<String, FailureRecord>) failures).plus(failure.path(), failure), run, history, uploadSessions, changeFeed, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  LibraryState failuresReleased(List<String> paths) {
    PMap<String, FailureRecord> next = (PMap<String, FailureRecord>) failures;
    for (String path : paths) {
      FailureRecord failure = next.get(path);
      if (failure != null) next = next.plus(path, failure.released());
    }
    return new LibraryState(config, bases, conflicts, next, activeRun, history, uploadSessions, changeFeed, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  LibraryState exclusionLifted(String path) {
    return new LibraryState(config, bases, conflicts, ((PMap<String, FailureRecord>) failures).minus(path), activeRun,
        history, uploadSessions, changeFeed, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  LibraryState uploadSessionSaved(String path, UploadSession session) {
    return new LibraryState(config, bases, conflicts, failures, activeRun, history,
        ((PMap<String, UploadSession>) uploadSessions).plus(path, session), changeFeed, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  LibraryState uploadSessionDropped(String path) {
    return new LibraryState(config, bases, conflicts, failures, activeRun, history,
        ((PMap<String, UploadSession>) uploadSessions).minus(path), changeFeed, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  /** Folder ETags a run agreed on, recorded together once its contents were synced. */
  LibraryState foldersRecorded(List<BaseEntry> folders) {
    PMap<String, BaseEntry> next = (PMap<String, BaseEntry>) bases;
    long nextFiles = files;
    for (BaseEntry folder : folders) {
      BaseEntry replaced = next.get(folder.path());
      if (replaced != null && !replaced.folder()) nextFiles--;
      // A folder's local identity is learnt when it is made or scanned; a record that does not know it keeps it.
      if (folder.localKey() == null && replaced != null && replaced.folder()) folder = folder.withLocalKey(replaced.localKey());
      next = next.plus(folder.path(), folder);
    }
    return new LibraryState(config, next, conflicts, failures, activeRun, history, uploadSessions, changeFeed, nextFiles, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  LibraryState trashLogged(TrashEntry entry) {
    return new LibraryState(config, bases, conflicts, failures, activeRun, history, uploadSessions, changeFeed, files,
        ((PMap<String, TrashEntry>) trashLog).plus(entry.id(), entry), removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  LibraryState removalRequested(Removal requested) {
    return new LibraryState(config, bases, conflicts, failures, activeRun, history, uploadSessions, changeFeed, files,
        trashLog, requested, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  LibraryState removed(Instant at) {
    Removal done = removal != null ? removal.completed(at) : new Removal(Removal.Detach.KEEP, at, at);
    return new LibraryState(config, bases, conflicts, failures, activeRun, history, uploadSessions, changeFeed, files,
        trashLog, done, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  public boolean isRemoved() {
    return removal != null && removal.done();
  }

  public boolean isDetaching() {
    return removal != null && !removal.done();
  }

  LibraryState trashLogCompacted(List<String> entryIds) {
    return new LibraryState(config, bases, conflicts, failures, activeRun, history, uploadSessions, changeFeed, files,
        ((PMap<String, TrashEntry>) trashLog).minusAll(entryIds), removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  /** A trash-log entry's content left the trash (restored or purged): {@code line} logs what happened. */
  LibraryState trashReleased(String entryId, TrashEntry line) {
    PMap<String, TrashEntry> log = (PMap<String, TrashEntry>) trashLog;
    TrashEntry released = log.get(entryId);
    if (released != null) {
      log = log.plus(entryId, new TrashEntry(released.id(), released.path(), released.size(), released.sha256(),
          released.at(), released.runId(), released.reason(), released.action(), null));
    }
    return new LibraryState(config, bases, conflicts, failures, activeRun, history, uploadSessions, changeFeed, files,
        log.plus(line.id(), line), removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  LibraryState dataFingerprintRecorded(String fingerprint) {
    return new LibraryState(config, bases, conflicts, failures, activeRun, history, uploadSessions, changeFeed, files, trashLog,
        removal, resolvedConflicts, guard, fingerprint, locks, jobs);
  }

  LibraryState guarded(GuardHold hold) {
    return new LibraryState(config, bases, conflicts, failures, activeRun, history, uploadSessions, changeFeed, files, trashLog, removal, resolvedConflicts, hold, dataFingerprint, locks, jobs);
  }

  /**
   * The operator cancelled held deletions: the missing side's base entries are forgotten, so the next run sees those
   * files on one side only, with no base, and merges them back. The folder ETags above them go too (an unchanged ETag
   * would let the next walk skip the folder and fill it in from the base), and so does the change-feed position. A
   * changed data fingerprint the guard held for is accepted.
   */
  LibraryState guardCancelled(List<String> forget) {
    PMap<String, BaseEntry> next = (PMap<String, BaseEntry>) bases;
    long nextFiles = files;
    java.util.Set<String> above = new java.util.HashSet<>();
    for (String path : forget) {
      BaseEntry known = next.get(path);
      if (known == null) continue;
      if (!known.folder()) nextFiles--;
      next = next.minus(path);
      for (String p = path; !p.isEmpty(); ) {
        p = io.ncsync.protocol.RemotePaths.parent(p);
        if (!above.add(p)) break;
      }
    }
    for (String folder : above) {
      BaseEntry known = next.get(folder);
      if (known != null && known.folder()) next = next.plus(folder, BaseEntry.folder(folder, known.fileId(), null));
    }
    String adopted = guard != null && guard.dataFingerprint() != null ? guard.dataFingerprint() : dataFingerprint;
    return new LibraryState(config, next, conflicts, failures, activeRun, history, uploadSessions, null, nextFiles, trashLog,
        removal, resolvedConflicts, null, adopted, locks, jobs);
  }

  /**
   * Paths the library no longer tracks: the last trash-log line for them kept the file in place (policies ignore,
   * orphan, conflict) and no base was recorded there since, unless a conflict on record (policy conflict) waits there. {@code action} narrows to one kind, or null for all.
   */
  public java.util.Set<String> untracked(TrashEntry.Action action) {
    Map<String, TrashEntry> latest = new java.util.HashMap<>();
    for (TrashEntry entry : trashLog.values()) {
      TrashEntry known = latest.get(entry.path());
      if (known == null || entry.at().isAfter(known.at())) latest.put(entry.path(), entry);
    }
    java.util.Set<String> paths = new java.util.TreeSet<>();
    for (TrashEntry entry : latest.values()) {
      boolean keptInPlace = entry.action() == TrashEntry.Action.IGNORED || entry.action() == TrashEntry.Action.ORPHANED;
      // A path with a conflict on record (policy conflict) is the conflict's to settle, once the operator decides.
      boolean underReview = conflicts.containsKey(entry.path());
      if (keptInPlace && !underReview && (action == null || entry.action() == action) && !bases.containsKey(entry.path())) {
        paths.add(entry.path());
      }
    }
    return paths;
  }

  LibraryState changeFeedAdvanced(ChangeFeedPosition position) {
    return new LibraryState(config, bases, conflicts, failures, activeRun, history, uploadSessions, position, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  LibraryState runFinished(RunSummary finished) {
    List<RunSummary> next = new ArrayList<>(history);
    next.add(finished);
    if (next.size() > HISTORY) next = next.subList(next.size() - HISTORY, next.size());
    return new LibraryState(config, bases, conflicts, failures, null, next, uploadSessions, changeFeed, files, trashLog, removal, resolvedConflicts, guard, dataFingerprint, locks, jobs);
  }

  /** 1 when the base holds a file at {@code path}, else 0. */
  private long fileAt(String path) {
    BaseEntry known = bases.get(path);
    return known != null && !known.folder() ? 1 : 0;
  }

  private RunSummary count(Transfer transfer) {
    if (activeRun == null) return null;
    return switch (transfer) {
      case UPLOADED -> activeRun.plus(1, 0, 0, 0, 0, 0);
      case DOWNLOADED -> activeRun.plus(0, 1, 0, 0, 0, 0);
      case DELETED_LOCAL -> activeRun.plus(0, 0, 1, 0, 0, 0);
      case DELETED_REMOTE -> activeRun.plus(0, 0, 0, 1, 0, 0);
      case NONE -> activeRun;
    };
  }
}
