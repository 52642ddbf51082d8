package io.ncsync.persistence.library;

import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.ChangeFeedPosition;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.persistence.sync.SyncPlan;
import io.ncsync.protocol.RemotePaths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The in-memory progress of the run a library is executing: which phase, what is queued, which paths are in flight.
 * Not persisted (the events are); confined to the library actor.
 */
final class RunExecution {
  /** The phases workers execute; {@link SyncAction.Phase#RECORD_FOLDERS} is the library's own, see {@link #folderRecords}. */
  private static final List<SyncAction.Phase> WORKER_PHASES = Arrays.stream(SyncAction.Phase.values())
      .filter(p -> p != SyncAction.Phase.RECORD_FOLDERS).toList();

  final String runId;
  /** The configuration the run started with: a change of settings applies from the next run. */
  final LibraryConfig config;
  private Iterator<SyncAction.Phase> phases;
  private SyncAction.Phase phase;
  private SyncPlan plan;
  private RunProgress.Totals totals;
  /** The planned file paths not yet done (transfers and deletions): what progress counts. */
  private final Set<String> filePaths = new HashSet<>();
  private int filesDone;
  private final ArrayDeque<SyncAction> queue = new ArrayDeque<>();
  private final Set<String> inFlight = new HashSet<>();
  private final java.util.Map<String, Long> workerOf = new java.util.HashMap<>();
  private int runningWorkers;
  /** Depth of the folders the current folder phase is working on; -1 before its first. */
  private int level = -1;
  private int remainingInLaterPhases;
  private long workers;

  /** Paths whose action failed, was skipped or never reported in this run: nothing above them is settled. */
  private final Set<String> unsettled = new HashSet<>();
  /** Move steps in flight or done, by path → the subtree the plan placed behind them. */
  private final java.util.Map<String, String> moveSteps = new java.util.HashMap<>();
  /** Subtrees behind a move step that did not complete: planned as if it had, so not attempted in this run. */
  private final Set<String> behindFailedMoves = new HashSet<>();
  private ChangeFeedPosition feedAfter;
  /** What discovery saw, to stamp a failure with how its document looked ({@link FailureRecord#seen}). */
  private io.ncsync.persistence.sync.Discovery seen;
  /** The FATAL failure that stopped this run: no action starts after it. */
  private io.ncsync.persistence.sync.Failure stoppedFor;

  /** The document id of each planned path (for its transitions and its base). */
  private final java.util.Map<String, String> documentIds = new java.util.HashMap<>();

  RunExecution(String runId, LibraryConfig config) {
    this.runId = runId;
    this.config = config;
  }

  /** @param feedAfter where the library follows its change feed once this plan is applied, or null for none */
  void start(SyncPlan plan, ChangeFeedPosition feedAfter) {
    this.plan = plan;
    this.totals = RunProgress.Totals.of(plan);
    for (SyncAction.Phase counted : List.of(SyncAction.Phase.TRANSFER_FILES, SyncAction.Phase.DELETE_FILES)) {
      for (SyncAction action : plan.actions(counted)) filePaths.addAll(action.paths());
    }
    this.feedAfter = feedAfter;
    this.phases = WORKER_PHASES.iterator();
    this.remainingInLaterPhases = WORKER_PHASES.stream().mapToInt(p -> documents(plan.actions(p))).sum();
  }

  private static int documents(List<SyncAction> actions) {
    return actions.stream().mapToInt(a -> a.paths().size()).sum();
  }

  java.util.Map<String, String> documentIds() {
    return documentIds;
  }

  ChangeFeedPosition feedAfter() {
    return feedAfter;
  }

  void unsettled(String path) {
    unsettled.add(path);
  }

  /** The action at {@code path} did not complete; if it was a move step, what the plan placed behind it waits too. */
  void stepNotDone(String path) {
    String behind = phase == SyncAction.Phase.MOVES ? moveSteps.get(path) : null;
    if (behind == null) return;
    behindFailedMoves.add(behind);
    unsettled.add(behind);
  }

  private boolean isBlocked(SyncAction action) {
    if (behindFailedMoves.isEmpty()) return false;
    for (String path : action.paths()) {
      for (String b : behindFailedMoves) if (path.equals(b) || path.startsWith(b + "/")) return true;
    }
    return false;
  }

  /**
   * The folder ETags to record now that every worker phase is done: those of the plan, except folders at or above a
   * path that did not settle (its change would hide behind the folder's ETag on the next run).
   */
  List<BaseEntry> folderRecords() {
    Set<String> blocked = new HashSet<>();
    for (String path : unsettled) {
      blocked.add(path);
      for (String p = path; !p.isEmpty(); ) {
        p = RemotePaths.parent(p);
        if (!blocked.add(p)) break;
      }
    }
    List<BaseEntry> records = new ArrayList<>();
    for (SyncAction action : plan.actions(SyncAction.Phase.RECORD_FOLDERS)) {
      if (action instanceof SyncAction.RecordFolder record && !blocked.contains(record.path()) && !isBlocked(record)) {
        records.add(record.base());
      }
    }
    return records;
  }

  boolean planned() {
    return plan != null;
  }

  void remember(io.ncsync.persistence.sync.Discovery discovery) {
    this.seen = discovery;
  }

  /** How discovery saw {@code path} ({@link FailureRecord#stamp}), or null before discovery. */
  String seen(String path) {
    return seen == null ? null : FailureRecord.stamp(seen.local().get(path), seen.remote().get(path));
  }

  /** No action starts any more: what is queued is left for the next run. */
  void stopFor(io.ncsync.persistence.sync.Failure fatal) {
    if (stoppedFor == null) stoppedFor = fatal;
    for (SyncAction action : queue) unsettled.addAll(action.paths());
    queue.clear();
    while (phases != null && phases.hasNext()) {
      for (SyncAction action : plan.actions(phases.next())) unsettled.addAll(action.paths());
    }
    remainingInLaterPhases = 0;
  }

  /** The FATAL failure that stopped the run, or null. */
  io.ncsync.persistence.sync.Failure stoppedFor() {
    return stoppedFor;
  }

  /**
   * The next action to start, or null when nothing may start now: a phase completes before the next begins, and in the
   * folder phases a level of the tree completes before the next (a folder is created after its parent and deleted
   * after its children; siblings go in parallel).
   */
  SyncAction next() {
    SyncAction action;
    do {
      action = nextInOrder();
      if (action == null || !isBlocked(action)) return action;
      action.paths().forEach(unsettled::add); // behind a move that did not happen: the next run plans it again
    } while (true);
  }

  private SyncAction nextInOrder() {
    while (queue.isEmpty()) {
      if (!inFlight.isEmpty() || !phases.hasNext()) return null;
      phase = phases.next();
      queue.addAll(plan.actions(phase));
      remainingInLaterPhases -= queue.stream().mapToInt(a -> a.paths().size()).sum();
      level = -1;
    }
    if (phase == SyncAction.Phase.MOVES && !inFlight.isEmpty()) return null; // one at a time: each may need the one before
    if (phase == SyncAction.Phase.CREATE_FOLDERS || phase == SyncAction.Phase.DELETE_FOLDERS) {
      int depth = RemotePaths.depth(queue.peek().path());
      if (depth != level && !inFlight.isEmpty()) return null;
      level = depth;
    }
    return queue.poll();
  }

  void started(SyncAction action, long worker) {
    if (action instanceof SyncAction.MoveStep step) moveSteps.put(step.path(), step.blocks());
    inFlight.addAll(action.paths());
    for (String path : action.paths()) workerOf.put(path, worker);
    runningWorkers++;
  }

  /** A worker reported (or died); its documents are marked done one by one with {@link #done}. */
  void workerDone() {
    runningWorkers--;
  }

  void done(String path) {
    inFlight.remove(path);
    if (filePaths.remove(path)) filesDone++;
  }

  /** How far the run is; {@code bytesDone} is what the library counted for the documents synced so far. */
  RunProgress progress(long bytesDone) {
    if (plan == null) return new RunProgress(runId, RunProgress.SCANNING, 0, 0, 0, 0);
    String phaseName = phase == null ? SyncAction.Phase.values()[0].name() : phase.name();
    return new RunProgress(runId, phaseName.toLowerCase(java.util.Locale.ROOT), filesDone, totals.files(),
        Math.min(bytesDone, totals.bytes()), totals.bytes());
  }

  boolean isInFlight(String path) {
    return inFlight.contains(path);
  }

  /**
   * {@code path} is in flight with that worker: a path may come up twice in a run (moved away, then a new file at its
   * old name), and a worker that stopped after reporting must not be taken for the next one's death.
   */
  boolean isInFlightWith(String path, long worker) {
    return inFlight.contains(path) && workerOf.getOrDefault(path, -1L) == worker;
  }

  /** Workers running; a batch worker counts once, whatever the number of its documents. */
  int inFlight() {
    return runningWorkers;
  }

  long nextWorkerNumber() {
    return ++workers;
  }

  /** Planned actions not yet finished. */
  int pending() {
    return plan == null ? 0 : queue.stream().mapToInt(a -> a.paths().size()).sum() + inFlight.size() + remainingInLaterPhases;
  }

  boolean finished() {
    return plan != null && queue.isEmpty() && inFlight.isEmpty() && !phases.hasNext();
  }
}
