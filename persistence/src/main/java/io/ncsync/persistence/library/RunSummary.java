package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;
import java.time.Instant;

/**
 * A run as the status API shows it: the active one (finishedAt and outcome null) or a finished one.
 *
 * @param outcome         "succeeded", "failed" (reason says why), "interrupted" (crash or shutdown), or null while active
 * @param code            for a run a FATAL failure stopped, what it was; else null
 * @param trigger         what started it ({@link #MANUAL}, {@link #QUEUED}, {@link #SCHEDULE}, {@link #DETACH}, {@link #CREATED}, {@link #RESUMED}); null
 *                        for runs journaled before triggers were kept
 * @param bytesUploaded   bytes of the files it uploaded
 * @param bytesDownloaded bytes of the files it downloaded
 */
public record RunSummary(
    String runId,
    Instant startedAt,
    Instant finishedAt,
    String outcome,
    int uploaded,
    int downloaded,
    int deletedLocal,
    int deletedRemote,
    int conflicts,
    int failed,
    String reason,
    io.ncsync.persistence.sync.FailureCode code,
    String trigger,
    long bytesUploaded,
    long bytesDownloaded)
    implements CborSerializable {

  public static final String MANUAL = "manual";
  public static final String QUEUED = "queued";
  public static final String SCHEDULE = "schedule";
  public static final String DETACH = "detach";
  /** The first run of a new library, started right after its creation. */
  public static final String CREATED = "created";
  /** A run started again right after a restart cut the previous one short. */
  public static final String RESUMED = "resumed";
  /** Started because the workspace's watch saw local changes. */
  public static final String LOCAL_CHANGE = "local_change";
  /** Started because the server folder's watch (notify_push or polling) saw changes. */
  public static final String REMOTE_CHANGE = "remote_change";
  /** Started when document locks ended, for the changes that waited. */
  public static final String UNLOCKED = "unlocked";
  /** Started when the earliest document waiting for its back-off may be tried again. */
  public static final String RETRY = "retry";
  /**
   * The scheduled full sync: every folder listed (no ETag pruning, no change feed) and every local file's content
   * checked against the base, so what the cheap runs cannot see (a server that changed a file without changing its
   * folders' ETags, a local edit that kept size and mtime) is found.
   */
  public static final String FULL_SYNC = "full_sync";

  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";
  public static final String INTERRUPTED = "interrupted";

  public static RunSummary started(String runId, Instant startedAt, String trigger) {
    return new RunSummary(runId, startedAt, null, null, 0, 0, 0, 0, 0, 0, null, null, trigger, 0, 0);
  }

  public RunSummary finished(Instant at, String outcome, String reason) {
    return finished(at, outcome, reason, null);
  }

  public RunSummary finished(Instant at, String outcome, String reason, io.ncsync.persistence.sync.FailureCode code) {
    return new RunSummary(runId, startedAt, at, outcome, uploaded, downloaded, deletedLocal, deletedRemote, conflicts,
        failed, reason, code, trigger, bytesUploaded, bytesDownloaded);
  }

  RunSummary plusBytes(long up, long down) {
    return new RunSummary(runId, startedAt, finishedAt, outcome, uploaded, downloaded, deletedLocal, deletedRemote,
        conflicts, failed, reason, code, trigger, bytesUploaded + up, bytesDownloaded + down);
  }

  RunSummary plus(int up, int down, int delLocal, int delRemote, int conflict, int fail) {
    return new RunSummary(
        runId,
        startedAt,
        finishedAt,
        outcome,
        uploaded + up,
        downloaded + down,
        deletedLocal + delLocal,
        deletedRemote + delRemote,
        conflicts + conflict,
        failed + fail,
        reason,
        code,
        trigger,
        bytesUploaded,
        bytesDownloaded);
  }
}
