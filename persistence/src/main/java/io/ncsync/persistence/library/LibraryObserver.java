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

  LibraryObserver NONE = new LibraryObserver() {};
}
