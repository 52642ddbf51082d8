package io.ncsync.persistence.library;

import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.persistence.sync.Discovery;
import io.ncsync.persistence.sync.DocumentIds;
import io.ncsync.persistence.sync.LocalEntry;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.persistence.sync.Transfer;
import io.ncsync.persistence.sync.TrashEntry;
import io.ncsync.protocol.DavEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns what a run does into document transitions ({@link DocumentHistory}): which id a path has, where it stood, and
 * where the journaled events of one action leave it. Pure; the library calls it after the events are journaled.
 */
final class DocumentTransitions {
  private DocumentTransitions() {}

  /** Where {@code path} stands in {@code state}, or null for a path the library does not know. */
  static DocumentStatus current(LibraryState state, String path) {
    ConflictRecord conflict = state.conflicts().get(path);
    if (conflict != null && !conflict.isResolved()) return DocumentStatus.CONFLICT;
    FailureRecord failure = state.failures().get(path);
    if (failure != null) return failure.exclusion() ? DocumentStatus.EXCLUDED : DocumentStatus.FAILED;
    return state.bases().containsKey(path) ? DocumentStatus.SYNCED : null;
  }

  /**
   * The id of the document at {@code path} as a run plans it: its base's (for a move step, the base it moves), else a
   * new one from what discovery saw ({@link DocumentIds#forNew}). A path the plan moves a document away from holds a
   * new document when another action comes to it.
   */
  static String idFor(LibraryState state, SyncAction action, String path, Discovery seen, java.util.Set<String> movedAway) {
    String baseFrom = action instanceof SyncAction.MoveRemote m ? m.baseFrom()
        : action instanceof SyncAction.MoveLocal m ? m.baseFrom()
        : action instanceof SyncAction.RecordMove m ? m.baseFrom()
        : null;
    BaseEntry base = baseFrom != null ? state.bases().get(baseFrom)
        : movedAway.contains(path) ? null
        : state.bases().get(path);
    if (base != null && !(baseFrom == null && replacedOnServer(base, seen))) return base.documentIdOrDerived();
    FailureRecord failed = baseFrom == null ? state.failures().get(path) : null;
    if (failed != null && failed.documentId() != null) return failed.documentId(); // a new file failing keeps its id
    return newId(path, seen);
  }

  /** The server lists another file (another fileid) where the base had one: a new document took the name. */
  private static boolean replacedOnServer(BaseEntry base, Discovery seen) {
    DavEntry listed = seen == null ? null : seen.remote().get(base.path());
    return listed != null && listed.fileId() != null && base.fileId() != null && !listed.fileId().equals(base.fileId());
  }

  /** The paths the plan's move steps take a document away from. */
  static java.util.Set<String> movedAway(io.ncsync.persistence.sync.SyncPlan plan) {
    java.util.Set<String> from = new java.util.HashSet<>();
    for (SyncAction action : plan.actions(SyncAction.Phase.MOVES)) {
      if (action instanceof SyncAction.MoveRemote m) from.add(m.baseFrom());
      else if (action instanceof SyncAction.MoveLocal m) from.add(m.baseFrom());
      else if (action instanceof SyncAction.RecordMove m) from.add(m.baseFrom());
    }
    return from;
  }

  /** The id a document the library has no base for gets from what discovery saw of it. */
  static String newId(String path, Discovery seen) {
    DavEntry remote = seen == null ? null : seen.remote().get(path);
    LocalEntry local = seen == null ? null : seen.local().get(path);
    String identity = local != null && local.fileKey() != null ? "key:" + local.fileKey()
        : local != null ? "local:" + local.size() + ":" + local.mtimeMillis()
        : remote != null ? "remote:" + remote.etag() + ":" + remote.size()
        : "";
    return DocumentIds.forNew(path, remote == null ? null : remote.fileId(), identity);
  }

  /** Every path of {@code action} moving from {@code from} to {@code to}, with {@code reason}. */
  static List<DocumentTransition> all(SyncAction action, Map<String, String> ids, DocumentStatus from,
      DocumentStatus to, String runId, Instant at, String reason) {
    List<DocumentTransition> steps = new ArrayList<>();
    for (String path : action.paths()) {
      String id = ids.get(path);
      if (id != null) steps.add(new DocumentTransition(id, path, from, to, runId, at, reason));
    }
    return steps;
  }

  /** What a planned action is about to do, in words, for its {@code pending} step. */
  static String planned(SyncAction action) {
    if (action instanceof SyncAction.Upload u) return u.base() == null ? "new here: to upload" : "changed here: to upload";
    if (action instanceof SyncAction.UploadBatch) return "new here: to upload";
    if (action instanceof SyncAction.Download d) {
      return d.local() == null ? "new on the server: to download" : "changed on the server: to download";
    }
    if (action instanceof SyncAction.ReconcileBoth) return "changed on both sides: to compare";
    if (action instanceof SyncAction.SettleConflict c) return "conflict " + c.type().wireName() + ": to settle";
    if (action instanceof SyncAction.MoveRemote m) return "moved here from " + m.from() + ": to move on the server";
    if (action instanceof SyncAction.MoveLocal m) return "moved on the server from " + m.from() + ": to move here";
    if (action instanceof SyncAction.RecordMove) return "moved on both sides: to record";
    if (action instanceof SyncAction.SeparateTypes) return "a file on one side, a folder on the other: to separate";
    if (action instanceof SyncAction.DeleteLocal d) return "deleted on the server: to remove here (" + d.policy().wireName() + ")";
    if (action instanceof SyncAction.KeepLocal k) return "deleted on the server: to keep here (" + k.policy().wireName() + ")";
    if (action instanceof SyncAction.RecordDeletedRemotely) return "deleted on the server: to keep here for review";
    if (action instanceof SyncAction.DeleteRemote) return "deleted here: to delete on the server";
    if (action instanceof SyncAction.Forget) return "gone from both sides: to forget";
    if (action instanceof SyncAction.CreateRemoteFolder) return "new folder here: to create on the server";
    if (action instanceof SyncAction.CreateLocalFolder) return "new folder on the server: to create here";
    if (action instanceof SyncAction.DeleteLocalFolder) return "folder deleted on the server: to remove here";
    if (action instanceof SyncAction.DeleteRemoteFolder) return "folder deleted here: to delete on the server";
    if (action instanceof SyncAction.RefreshBase) return "unchanged content: to record";
    if (action instanceof SyncAction.Refuse r) return "refused: " + r.reason();
    return action.getClass().getSimpleName();
  }

  /**
   * Where the events one action journaled leave its documents. Each document ends in one status: a failure outranks an
   * open conflict, which outranks a removal, which outranks a record. A document the events do not mention did
   * nothing (the other side changed again meanwhile) and is pending for the next run.
   *
   * @param before the state before the events
   * @param ids    the ids the run gave its planned paths
   */
  static List<DocumentTransition> finished(LibraryState before, String actionPath, List<Library.Event> events,
      Map<String, String> ids, String runId, Instant at) {
    Map<String, TrashEntry> trashed = new LinkedHashMap<>();
    for (Library.Event event : events) {
      if (event instanceof Library.TrashLogged logged) trashed.put(logged.entry().path(), logged.entry());
    }
    Map<String, Outcome> outcomes = new LinkedHashMap<>();
    for (Library.Event event : events) {
      if (event instanceof Library.DocumentSynced synced) {
        note(outcomes, synced.entry().path(), synced.entry().documentIdOrDerived(), DocumentStatus.SYNCED,
            describe(synced.transfer()));
      } else if (event instanceof Library.DocumentsMoved moved) {
        for (BaseEntry entry : moved.moved()) {
          String reason = entry.path().equals(moved.to()) ? "moved from " + moved.from()
              : "moved with its folder from " + moved.from();
          note(outcomes, entry.path(), entry.documentIdOrDerived(), DocumentStatus.SYNCED, reason);
        }
      } else if (event instanceof Library.DocumentForgotten forgotten) {
        TrashEntry line = trashed.get(forgotten.path());
        DocumentStatus to = line != null && line.action() == TrashEntry.Action.ORPHANED ? DocumentStatus.ORPHANED
            : DocumentStatus.REMOVED;
        String reason = line == null ? describe(forgotten.transfer())
            : line.reason() + (line.kept() != null ? " (trash entry " + line.id() + ")" : "");
        note(outcomes, forgotten.path(), idOf(before, ids, forgotten.path()), to, reason);
      } else if (event instanceof Library.ConflictRaised raised && !raised.conflict().isResolved()) {
        ConflictRecord c = raised.conflict();
        note(outcomes, c.path(), idOf(before, ids, c.path()), DocumentStatus.CONFLICT,
            "conflict " + c.type().wireName() + " (" + c.strategy().wireName() + "), id " + c.id());
      } else if (event instanceof Library.ConflictRaised raised) {
        ConflictRecord c = raised.conflict();
        noteReason(outcomes, c.path(), idOf(before, ids, c.path()),
            "conflict " + c.type().wireName() + " ended: " + c.strategy().wireName());
      } else if (event instanceof Library.ConflictResolved resolved) {
        ConflictRecord c = resolved.conflict();
        noteReason(outcomes, c.path(), idOf(before, ids, c.path()),
            "conflict " + c.type().wireName() + " ended: " + c.strategy().wireName());
      } else if (event instanceof Library.DocumentFailed failed) {
        FailureRecord f = failed.failure();
        note(outcomes, f.path(), f.documentId() != null ? f.documentId() : idOf(before, ids, f.path()),
            f.exclusion() ? DocumentStatus.EXCLUDED
                : f.code() == io.ncsync.persistence.sync.FailureCode.LOCKED ? DocumentStatus.LOCKED : DocumentStatus.FAILED,
            (f.code() == null ? "" : f.code().wireName() + ": ") + f.reason()
                + (f.parked() ? " (parked after " + f.attempts() + " attempts)" : ""));
      }
    }
    if (outcomes.isEmpty() && ids.containsKey(actionPath)) {
      outcomes.put(actionPath, new Outcome(ids.get(actionPath), DocumentStatus.PENDING,
          "changed again meanwhile: the next run looks again"));
    }
    List<DocumentTransition> steps = new ArrayList<>();
    String actionId = ids.get(actionPath);
    outcomes.forEach((path, o) -> steps.add(new DocumentTransition(o.id, path,
        ids.containsKey(path) || o.id.equals(actionId) ? DocumentStatus.SYNCING : current(before, path), o.status, runId,
        at, o.reason)));
    return steps;
  }

  private record Outcome(String id, DocumentStatus status, String reason) {}

  private static void note(Map<String, Outcome> outcomes, String path, String id, DocumentStatus status, String reason) {
    Outcome known = outcomes.get(path);
    if (known == null || rank(status) >= rank(known.status)) {
      String joined = known == null ? reason : known.reason + "; " + reason;
      outcomes.put(path, new Outcome(known == null ? id : known.id, status, joined));
    } else {
      outcomes.put(path, new Outcome(known.id, known.status, known.reason + "; " + reason));
    }
  }

  /** Adds to the reason of {@code path}'s outcome (an ended conflict says how it ended; its record says where). */
  private static void noteReason(Map<String, Outcome> outcomes, String path, String id, String reason) {
    Outcome known = outcomes.get(path);
    if (known != null) outcomes.put(path, new Outcome(known.id, known.status, known.reason + "; " + reason));
    else outcomes.put(path, new Outcome(id, DocumentStatus.SYNCED, reason));
  }

  private static int rank(DocumentStatus status) {
    return switch (status) {
      case FAILED, EXCLUDED, LOCKED -> 4;
      case CONFLICT -> 3;
      case REMOVED, ORPHANED -> 2;
      default -> 1;
    };
  }

  private static String idOf(LibraryState state, Map<String, String> ids, String path) {
    String id = ids.get(path);
    if (id != null) return id;
    BaseEntry base = state.bases().get(path);
    return base != null ? base.documentIdOrDerived() : DocumentIds.derived(path, null);
  }

  private static String describe(Transfer transfer) {
    return switch (transfer) {
      case UPLOADED -> "uploaded";
      case DOWNLOADED -> "downloaded";
      case DELETED_LOCAL -> "removed here";
      case DELETED_REMOTE -> "deleted on the server";
      case NONE -> "recorded: both sides agree";
    };
  }
}
