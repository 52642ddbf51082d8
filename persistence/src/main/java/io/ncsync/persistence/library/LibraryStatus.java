package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;

/**
 * The status API's view of a library.
 *
 * @param state     "idle", "syncing", "guarded" (deletions held for the operator), "failed" (the last run failed) or
 *                  "disabled"
 * @param activeRun the run in progress, or null
 * @param lastRun   the last finished run, or null
 * @param failures  documents whose last attempt failed, newest first, at most {@link #LISTED_FAILURES}
 * @param guard     the deletions the deletion guard holds, with the numbers, or null
 * @param name      the library's name
 * @param progress  how far the active run is, or null
 */
/**
 * @param localWatch {@code watching} when local changes start a run within seconds; {@code off} when they do not by
 *                   design (runs only on request, remote-to-local, disabled, removed); else why the workspace cannot be
 *                   watched (the schedule keeps it in sync)
 * @param remoteWatch how changes on the server reach the library ({@code notify_push}, {@code polling every 30 s}),
 *                    {@code off}, or why they do not
 */
public record LibraryStatus(
    String state, RunSummary activeRun, RunSummary lastRun, Counts counts, java.util.List<FailureRecord> failures,
    GuardHold.Summary guard, String name, RunProgress progress, String localWatch, String remoteWatch,
    ScheduledJobs jobs, java.util.List<io.ncsync.persistence.sync.LocalDrift> localDrift, int localDriftTotal)
    implements CborSerializable {

  /** How many drifted files the status lists at most (by path). */
  public static final int LISTED_DRIFT = 50;

  public LibraryStatus {
    localDrift = localDrift == null ? java.util.List.of() : java.util.List.copyOf(localDrift);
  }

  public LibraryStatus(String state, RunSummary activeRun, RunSummary lastRun, Counts counts,
      java.util.List<FailureRecord> failures, GuardHold.Summary guard, String name, RunProgress progress,
      String localWatch, String remoteWatch) {
    this(state, activeRun, lastRun, counts, failures, guard, name, progress, localWatch, remoteWatch, null, null, 0);
  }

  public LibraryStatus(String state, RunSummary activeRun, RunSummary lastRun, Counts counts,
      java.util.List<FailureRecord> failures, GuardHold.Summary guard, String name, RunProgress progress) {
    this(state, activeRun, lastRun, counts, failures, guard, name, progress, null, null);
  }

  public LibraryStatus(String state, RunSummary activeRun, RunSummary lastRun, Counts counts,
      java.util.List<FailureRecord> failures) {
    this(state, activeRun, lastRun, counts, failures, null, null, null);
  }

  /** How many document failures the status lists at most (the newest). */
  public static final int LISTED_FAILURES = 50;


  /**
   * Documents by state: synced (in the base), pending (planned in the active run), failed, in conflict, excluded (left
   * out by the filters in the last run's discovery), orphaned (deleted on the server, kept in place untracked by policy
   * orphan).
   */
  public record Counts(int synced, int pending, int failed, int conflict, int excluded, int orphaned)
      implements CborSerializable {
    public Counts(int synced, int pending, int failed, int conflict, int excluded) {
      this(synced, pending, failed, conflict, excluded, 0);
    }
  }
}
