package io.ncsync.daemon.logs;

import io.ncsync.persistence.library.DocumentTransition;
import io.ncsync.persistence.library.RunSummary;
import java.util.Optional;

/**
 * Which steps of a document's history become sync log lines, and how: where a run ended with a document (uploaded,
 * downloaded, deleted, moved, in conflict, failed, skipped). Steps on the way ({@code pending}, {@code syncing}) and
 * a mere record that both sides agree are left out.
 */
public final class SyncLogEntries {
  private SyncLogEntries() {}

  public static Optional<SyncLogEntry> of(String tenantId, String libraryId, DocumentTransition step) {
    String reason = step.reason() == null ? "" : step.reason();
    String level;
    String action;
    switch (step.to()) {
      case SYNCED, REMOVED -> {
        level = SyncLogEntry.INFO;
        if (reason.startsWith("uploaded")) action = "upload";
        else if (reason.startsWith("downloaded")) action = "download";
        else if (reason.startsWith("removed") || reason.startsWith("deleted")) action = "delete";
        else if (reason.startsWith("moved")) action = "move";
        else if (reason.startsWith("conflict")) action = "conflict";
        else return Optional.empty();
      }
      case CONFLICT -> {
        level = SyncLogEntry.WARNING;
        action = "conflict";
      }
      case FAILED -> {
        level = SyncLogEntry.ERROR;
        action = "failure";
      }
      case EXCLUDED, LOCKED, ORPHANED -> {
        level = SyncLogEntry.WARNING;
        action = "skip";
      }
      default -> {
        return Optional.empty();
      }
    }
    return Optional.of(new SyncLogEntry(tenantId, libraryId, step.runId(), step.at(), level, action, step.path(),
        reason.isEmpty() ? step.to().wireName() : reason));
  }

  /** A run's last line: how it ended and what it did. */
  public static SyncLogEntry finished(String tenantId, String libraryId, RunSummary run) {
    String level = RunSummary.SUCCEEDED.equals(run.outcome()) ? SyncLogEntry.INFO
        : RunSummary.INTERRUPTED.equals(run.outcome()) ? SyncLogEntry.WARNING : SyncLogEntry.ERROR;
    String message = "run " + run.outcome() + " (" + (run.trigger() == null ? "run" : run.trigger()) + "): "
        + run.uploaded() + " uploaded, " + run.downloaded() + " downloaded, " + run.deletedLocal() + " deleted here, "
        + run.deletedRemote() + " deleted on the server, " + run.conflicts() + " conflicts, " + run.failed() + " failed"
        + (run.reason() == null ? "" : "; " + run.reason());
    return new SyncLogEntry(tenantId, libraryId, run.runId(), run.finishedAt(), level, "run", null, message);
  }
}
