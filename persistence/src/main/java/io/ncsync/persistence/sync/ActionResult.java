package io.ncsync.persistence.sync;

import java.util.List;

/**
 * What executing one {@link SyncAction} did.
 *
 * @param path     the action's path
 * @param changes  base changes to persist, in order (a keep-both conflict records two paths)
 * @param conflict a conflict to record, or null
 * @param failure  why the action failed (its code decides how it is retried), or null; a failed action changed nothing
 *                 that needs persisting
 * @param trashLog  what the action removed or replaced, for the library's trash log
 */
public record ActionResult(
    String path, List<DocumentChange> changes, ConflictRecord conflict, Failure failure, List<TrashEntry> trashLog) {

  public ActionResult {
    changes = List.copyOf(changes);
    trashLog = trashLog == null ? List.of() : List.copyOf(trashLog);
  }

  public ActionResult(String path, List<DocumentChange> changes, ConflictRecord conflict, Failure failure) {
    this(path, changes, conflict, failure, List.of());
  }

  /** This result, with {@code entry} added to what it tells the trash log. */
  public ActionResult logging(TrashEntry entry) {
    List<TrashEntry> log = new java.util.ArrayList<>(trashLog);
    log.add(entry);
    return new ActionResult(path, changes, conflict, failure, log);
  }

  /** This result, recording {@code record} as its conflict (a new one, or how a recorded one ended). */
  public ActionResult withConflict(ConflictRecord record) {
    return new ActionResult(path, changes, record, failure, trashLog);
  }

  public static ActionResult of(String path, DocumentChange... changes) {
    return new ActionResult(path, List.of(changes), null, null);
  }

  public static ActionResult conflict(String path, ConflictRecord conflict, DocumentChange... changes) {
    return new ActionResult(path, List.of(changes), conflict, null);
  }

  public static ActionResult failed(String path, Failure failure) {
    return new ActionResult(path, List.of(), null, failure);
  }

  public static ActionResult failed(String path, FailureCode code, String message) {
    return failed(path, new Failure(code, message));
  }

  /** Nothing to do after all (e.g. the other side changed again meanwhile; the next run sees it). */
  public static ActionResult skipped(String path) {
    return new ActionResult(path, List.of(), null, null);
  }
}
