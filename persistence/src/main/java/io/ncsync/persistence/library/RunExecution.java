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
  private final ArrayDeque<SyncAction> queue = new ArrayDeque<>();
  private final Set<String> inFlight = new HashSet<>();
  private int runningWorkers;
  /** Depth of the folders the current folder phase is working on; -1 before its first. */
  private int level = -1;
  private int remainingInLaterPhases;
  private long workers;

  /** Paths whose action failed, was skipped or never reported in this run: nothing above them is settled. */
  private final Set<String> unsettled = new HashSet<>();
  private ChangeFeedPosition feedAfter;

  RunExecution(String runId, LibraryConfig config) {
    this.runId = runId;
    this.config = config;
  }

  /** @param feedAfter where the library follows its change feed once this plan is applied, or null for none */
  void start(SyncPlan plan, ChangeFeedPosition feedAfter) {
    this.plan = plan;
    this.feedAfter = feedAfter;
    this.phases = WORKER_PHASES.iterator();
    this.remainingInLaterPhases = WORKER_PHASES.stream().mapToInt(p -> documents(plan.actions(p))).sum();
  }

  private static int documents(List<SyncAction> actions) {
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
      if (action instanceof SyncAction.RecordFolder record && !blocked.contains(record.path())) records.add(record.base());
    }
    return records;
  }

  boolean planned() {
    return plan != null;
  }

  /**
   * The next action to start, or null when nothing may start now: a phase completes before the next begins, and in the
   * folder phases a level of the tree completes before the next (a folder is created after its parent and deleted
   * after its children; siblings go in parallel).
   */
  SyncAction next() {
    while (queue.isEmpty()) {
      if (!inFlight.isEmpty() || !phases.hasNext()) return null;
      phase = phases.next();
      queue.addAll(plan.actions(phase));
      remainingInLaterPhases -= queue.stream().mapToInt(a -> a.paths().size()).sum();
      level = -1;
    }
    if (phase == SyncAction.Phase.CREATE_FOLDERS || phase == SyncAction.Phase.DELETE_FOLDERS) {
      int depth = RemotePaths.depth(queue.peek().path());
      if (depth != level && !inFlight.isEmpty()) return null;
      level = depth;
    }
    return queue.poll();
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
