package io.ncsync.persistence.library;

import io.ncsync.persistence.sync.SyncAction;
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

  void start(SyncPlan plan) {
    this.plan = plan;
    this.phases = java.util.List.of(SyncAction.Phase.values()).iterator();
    this.remainingInLaterPhases = plan.documents();
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
      case CREATE_FOLDERS, DELETE_FOLDERS -> 1;
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
