package io.ncsync.persistence.library;

/**
 * Told what a library's runs do, after the events are journaled: the daemon keeps the run history, feeds live events,
 * webhooks and metrics from it. Calls come on the library's thread and must not block (hand the work off).
 */
public interface LibraryObserver {
  /** A run started. */
  default void runStarted(String tenantId, String libraryId, RunSummary run) {}

  /** A run finished (succeeded, failed or interrupted), with its counts. */
  default void runFinished(String tenantId, String libraryId, RunSummary run) {}

  /** How far the active run is; at most every {@code Library.PROGRESS_EVERY} per library. */
  default void progress(String tenantId, String libraryId, RunProgress progress) {}

  /** A conflict was recorded (open, or already settled by the library's strategy). */
  default void conflictRaised(String tenantId, String libraryId, io.ncsync.persistence.sync.ConflictRecord conflict) {}

  /** A conflict was resolved. */
  default void conflictResolved(String tenantId, String libraryId, io.ncsync.persistence.sync.ConflictRecord conflict) {}

  LibraryObserver NONE = new LibraryObserver() {};
}
