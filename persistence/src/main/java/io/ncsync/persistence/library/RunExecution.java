package io.ncsync.persistence.library;

import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.ChangeFeedPosition;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.protocol.RemotePaths;
import io.ncsync.persistence.sync.SyncPlan;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * The in-memory progress of the run a library is executing: which phase, what is queued, which paths are in flight.
 * Not persisted (the events are); confined to the library actor.
 */
final class RunExecution {
  final String runId;
  private Iterator<SyncAction.Phase> phases;
  private SyncAction.Phase phase;
  private SyncPlan plan;
  private final ArrayDeque<SyncAction> queue = new ArrayDeque<>();
  private final Set<String> inFlight = new HashSet<>();
  private int runningWorkers;
  private int remainingInLaterPhases;
  private long workers;

  RunExecution(String runId) {
    this.runId = runId;
  }

  /** Paths whose action failed, was skipped or never reported in this run: nothing above them is settled. */
  private final Set<String> unsettled = new HashSet<>();
  private ChangeFeedPosition feedAfter;

  /** @param feedAfter where the library follows its change feed once this plan is applied, or null for none */
  void start(SyncPlan plan, ChangeFeedPosition feedAfter) {
    this.plan = plan;
    this.feedAfter = feedAfter;
    this.phases = WORKER_PHASES.iterator();
    this.remainingInLaterPhases = WORKER_PHASES.stream().mapToInt(p -> documents(plan.actions(p))).sum();
  }

  /** The phases workers execute; {@link SyncAction.Phase#RECORD_FOLDERS} is the library's own, see {@link #folderRecords}. */
  private static final java.util.List<SyncAction.Phase> WORKER_PHASES = java.util.Arrays.stream(SyncAction.Phase.values())
      .filter(p -> p != SyncAction.Phase.RECORD_FOLDERS).toList();

  private static int documents(java.util.List<SyncAction> actions) {
    return actions.stream().mapToInt(a -> a.paths().size()).sum();
  }

  ChangeFeedPosition feedAfter() {
    return feedAfter;
  }

  void unsettled(String path) {
    unsettled.add(path);
  }

  /**
   * The folder ETags to record now that every worker phase is done: those of the plan, except folders at or above a
   * path that did not settle (its change would hide behind the folder's ETag on the next run).
   */
  java.util.List<BaseEntry> folderRecords() {
    Set<String> blocked = new HashSet<>();
    for (String path : unsettled) {
      blocked.add(path);
      for (String p = path; !p.isEmpty(); ) {
        p = RemotePaths.parent(p);
        if (!blocked.add(p)) break;
      }
    }
    java.util.List<BaseEntry> records = new java.util.ArrayList<>();
    for (SyncAction action : plan.actions(SyncAction.Phase.RECORD_FOLDERS)) {
      if (action instanceof SyncAction.RecordFolder record && !blocked.contains(record.path())) records.add(record.base());
    }
    return records;
  }

  boolean anyUnsettled() {
    return !unsettled.isEmpty();
  }

  boolean planned() {
    return plan != null;
  }

  /** The next action to start, or null when the current phase has nothing more to start now. */
  SyncAction next() {
    while (queue.isEmpty()) {
      if (!inFlight.isEmpty() || !phases.hasNext()) return null; // a phase completes before the next begins
      phase = phases.next();
      queue.addAll(plan.actions(phase));
      remainingInLaterPhases -= queue.stream().mapToInt(a -> a.paths().size()).sum();
    }
    return queue.poll();
  }

  int parallelism(int transfers) {
    if (phase == null) return 1;
    return switch (phase) {
      case CREATE_FOLDERS, DELETE_FOLDERS, RECORD_FOLDERS -> 1;
      case TRANSFER_FILES, DELETE_FILES -> Math.max(1, transfers);
    };
  }

  void started(SyncAction action) {
    inFlight.addAll(action.paths());
    runningWorkers++;
  }

  /** A worker reported (or died); its documents are marked done one by one with {@link #done}. */
  void workerDone() {
    runningWorkers--;
  }

  void done(String path) {
    inFlight.remove(path);
  }

  boolean isInFlight(String path) {
    return inFlight.contains(path);
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
