package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;

/**
 * The status API's view of a library.
 *
 * @param state     "idle", "syncing" or "failed" (the last run failed)
 * @param activeRun the run in progress, or null
 * @param lastRun   the last finished run, or null
 */
public record LibraryStatus(String state, RunSummary activeRun, RunSummary lastRun, Counts counts)
    implements CborSerializable {

  /** Documents by state: synced (in the base), pending (planned in the active run), failed, in conflict. */
  public record Counts(int synced, int pending, int failed, int conflict) implements CborSerializable {}
}
