package io.ncsync.daemon.logs;

import java.time.Instant;

/**
 * One line of the sync log: what a run did to one document, or the run itself.
 *
 * @param level   {@code info}, {@code warning} or {@code error}
 * @param action  upload, download, delete, move, conflict, failure, skip, run
 * @param path    the document's library-relative path; null for a run's own lines
 */
public record SyncLogEntry(String tenantId, String libraryId, String runId, Instant at, String level, String action,
    String path, String message) {
  public static final String INFO = "info";
  public static final String WARNING = "warning";
  public static final String ERROR = "error";
}
