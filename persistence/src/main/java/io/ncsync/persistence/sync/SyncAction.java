package io.ncsync.persistence.sync;

import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.UploadSession;

/**
 * One step of a run's plan, for one path. Executed by that path's document actor; the executor re-checks the side it
 * writes to before writing, so a plan that went stale only ever leads to a skip or a conflict, never an overwrite.
 */
public sealed interface SyncAction {
  String path();

  /** Every document the action touches; one, except for a batch. */
  default java.util.List<String> paths() {
    return java.util.List.of(path());
  }

  /**
   * Moves first (one at a time, in the plan's order), then folders, then files, then file deletions, then folder
   * deletions (deepest first), and last the folder ETags the run agreed on.
   */
  Phase phase();

  enum Phase {
    /**
     * Moves and renames, and type changes set apart, one at a time in the order {@link MoveDetector} chose (each may
     * depend on the one before); everything after them is planned at the paths they lead to.
     */
    MOVES,
    CREATE_FOLDERS,
    TRANSFER_FILES,
    DELETE_FILES,
    DELETE_FOLDERS,
    /**
     * Recorded by the library itself once everything else is done, and only for folders with nothing unsettled below:
     * a folder's ETag in the base promises that its whole subtree is synced (an equal ETag later prunes the walk there),
     * so recording it before its contents landed would hide them from the next run after a crash or a failure.
     */
    RECORD_FOLDERS
  }

  /**
   * Create a folder remotely (its parents exist or are created in the same phase, shallower first). Its base gets no
   * ETag: the next run lists it once and records the ETag its contents gave it.
   */
  record CreateRemoteFolder(String path) implements SyncAction {
    public Phase phase() {
      return Phase.CREATE_FOLDERS;
    }
  }

  /** Create a folder locally; its ETag is recorded last ({@link RecordFolder}), once its contents are down. */
  record CreateLocalFolder(String path, DavEntry remote) implements SyncAction {
    public Phase phase() {
      return Phase.CREATE_FOLDERS;
    }
  }

  /**
   * Both sides have the folder (or will, once the run is done): record its listed ETag, and the local folder's identity
   * when the scan saw it ({@code localKey}, else null: the base keeps the one it has).
   */
  record RecordFolder(String path, DavEntry remote, String localKey) implements SyncAction {
    public RecordFolder(String path, DavEntry remote) {
      this(path, remote, null);
    }

    public Phase phase() {
      return Phase.RECORD_FOLDERS;
    }

    public BaseEntry base() {
      return BaseEntry.folder(path, remote.fileId(), remote.etag(), localKey);
    }
  }

  /**
   * A step of the {@link Phase#MOVES} phase. When it does not complete, nothing the plan placed at or below
   * {@link #blocks()} is attempted in this run: it was planned as if the step had been done.
   */
  sealed interface MoveStep extends SyncAction {
    /** The path whose subtree depends on this step. */
    String blocks();

    default Phase phase() {
      return Phase.MOVES;
    }
  }

  /**
   * Carry a local move to the server: one MOVE (Overwrite: F) from {@code from} to {@code to}, a folder with its whole
   * subtree, then the base entries at {@code baseFrom} and below move to {@code to}. {@code bothMoved} tells that the
   * server had moved it elsewhere too and this side was chosen.
   */
  record MoveRemote(String from, String to, String baseFrom, boolean bothMoved) implements MoveStep {
    public String path() {
      return from;
    }

    public String blocks() {
      return to;
    }
  }

  /** Carry a remote move to the workspace: one rename (never replacing anything), then the base moves as above. */
  record MoveLocal(String from, String to, String baseFrom, boolean bothMoved) implements MoveStep {
    public String path() {
      return from;
    }

    public String blocks() {
      return to;
    }
  }

  /** Both sides made the same move: only the base moves. */
  record RecordMove(String baseFrom, String to) implements MoveStep {
    public String path() {
      return baseFrom;
    }

    public String blocks() {
      return to;
    }
  }

  /**
   * A file on one side and a folder on the other at {@code path} (keep-both): the file moves aside to a conflict-copy
   * name on its side and is copied to the other, the folder keeps the name; a {@code type_mismatch} conflict is recorded.
   *
   * @param base what the base held at {@code path}, or null
   */
  record SeparateTypes(String path, LocalEntry local, DavEntry remote, BaseEntry base) implements MoveStep {
    public boolean fileIsLocal() {
      return !local.folder();
    }

    public String blocks() {
      return path;
    }
  }

  /**
   * Upload the local file. {@code base} is null for a file the remote never had (If-None-Match: *), else its ETag guards
   * the PUT (If-Match): a 412 turns into a conflict. {@code resume} is a chunked upload of this path that an earlier
   * run left unfinished, or null.
   */
  record Upload(String path, LocalEntry local, BaseEntry base, UploadSession resume) implements SyncAction {
    public Upload(String path, LocalEntry local, BaseEntry base) {
      this(path, local, base, null);
    }

    public Phase phase() {
      return Phase.TRANSFER_FILES;
    }

    public Upload resuming(UploadSession session) {
      return new Upload(path, local, base, session);
    }
  }

  /**
   * New small files uploaded together (Nextcloud bulk upload where the server offers it, else parallel PUTs). Each is
   * still guarded: a file that appeared remotely meanwhile falls back to the single upload's conflict handling.
   */
  record UploadBatch(java.util.List<Upload> uploads) implements SyncAction {
    public UploadBatch {
      uploads = java.util.List.copyOf(uploads);
      if (uploads.isEmpty()) throw new IllegalArgumentException("an empty batch");
    }

    public String path() {
      return uploads.get(0).path();
    }

    @Override
    public java.util.List<String> paths() {
      return uploads.stream().map(Upload::path).toList();
    }

    public Phase phase() {
      return Phase.TRANSFER_FILES;
    }
  }

  /** Download the remote file. {@code local} is what the scan saw there (null if absent): if it changed since, conflict. */
  record Download(String path, DavEntry remote, LocalEntry local) implements SyncAction {
    public Phase phase() {
      return Phase.TRANSFER_FILES;
    }
  }

  /**
   * Both sides hold a file that differs from the base (or there is no base): compare content; identical means agreed,
   * else a conflict ended by {@code strategy} ({@code manual}: recorded, nothing written). {@code byChecksum}: a file
   * adopted without a base whose server lists a checksum is compared by that checksum first, without a download.
   */
  record ReconcileBoth(String path, LocalEntry local, DavEntry remote, BaseEntry base, ConflictStrategy strategy,
      boolean byChecksum) implements SyncAction {
    public ReconcileBoth(String path, LocalEntry local, DavEntry remote, BaseEntry base, ConflictStrategy strategy) {
      this(path, local, remote, base, strategy, false);
    }

    /** Keep both (bidirectional) or record only (one-way modes), as before strategies existed. */
    public ReconcileBoth(String path, LocalEntry local, DavEntry remote, BaseEntry base, boolean keepBoth) {
      this(path, local, remote, base, keepBoth ? ConflictStrategy.KEEP_BOTH : ConflictStrategy.MANUAL);
    }

    public boolean keepBoth() {
      return strategy == ConflictStrategy.KEEP_BOTH;
    }

    public Phase phase() {
      return Phase.TRANSFER_FILES;
    }
  }

  /**
   * A conflict other than two edited files, or one already on record. Without {@code record}: a conflict found now
   * (deleted on one side and modified on the other, or a file against a folder), ended by {@code strategy}; every
   * strategy but {@code manual} keeps the modified side of a deletion conflict. With {@code record}: an open conflict
   * whose sides changed ({@code strategy} manual: closed when both sides are identical now, else recorded again with
   * the new sides), or one the operator resolved ({@code strategy} the operator's choice, sides unchanged).
   *
   * @param local  the local side now, or null
   * @param remote the server's side now, or null
   */
  record SettleConflict(String path, ConflictType type, LocalEntry local, DavEntry remote, BaseEntry base,
      ConflictStrategy strategy, ConflictRecord record) implements SyncAction {
    public Phase phase() {
      return Phase.TRANSFER_FILES;
    }
  }

  /** Local content equals the base (a touch): store the new mtime. */
  record RefreshBase(String path, BaseEntry updated) implements SyncAction {
    public Phase phase() {
      return Phase.TRANSFER_FILES;
    }
  }

  /** The server does not allow what the plan needs (oc:permissions): reported, not attempted, not retried. */
  record Refuse(String path, String reason) implements SyncAction {
    public Phase phase() {
      return Phase.TRANSFER_FILES;
    }
  }

  /** Gone from both sides: drop the base. */
  record Forget(String path) implements SyncAction {
    public Phase phase() {
      return Phase.DELETE_FILES;
    }
  }

  /**
   * Deleted remotely, unchanged locally: the local file leaves the workspace as {@code policy} says (trash, archive or
   * delete; {@link DeletionRules#removesLocalFile}).
   */
  record DeleteLocal(String path, BaseEntry base, RemoteDeletionPolicy policy) implements SyncAction {
    public DeleteLocal {
      if (!DeletionRules.removesLocalFile(policy)) throw new IllegalArgumentException("policy " + policy + " keeps the file");
    }

    public DeleteLocal(String path, BaseEntry base) {
      this(path, base, RemoteDeletionPolicy.TRASH);
    }

    public Phase phase() {
      return Phase.DELETE_FILES;
    }
  }

  /**
   * Deleted remotely, unchanged locally, and the policy keeps it ({@code ignore} or {@code orphan}): the file stays,
   * its base goes, and the library stops tracking it (it is left alone while the server has no file there).
   */
  record KeepLocal(String path, BaseEntry base, RemoteDeletionPolicy policy) implements SyncAction {
    public KeepLocal {
      if (policy != RemoteDeletionPolicy.IGNORE && policy != RemoteDeletionPolicy.ORPHAN) {
        throw new IllegalArgumentException("policy " + policy + " does not keep the file untracked");
      }
    }

    public Phase phase() {
      return Phase.DELETE_FILES;
    }
  }

  /**
   * Deleted remotely, unchanged locally, policy {@code conflict}: the file stays, untracked like an orphan, and a
   * {@code deleted_remotely} conflict is recorded for review.
   */
  record RecordDeletedRemotely(String path, BaseEntry base) implements SyncAction {
    public Phase phase() {
      return Phase.DELETE_FILES;
    }
  }

  /** Deleted locally, unchanged remotely: DELETE guarded by the base ETag. */
  record DeleteRemote(String path, BaseEntry base) implements SyncAction {
    public Phase phase() {
      return Phase.DELETE_FILES;
    }
  }

  /** Remove a local folder, only if it is empty by then. */
  record DeleteLocalFolder(String path) implements SyncAction {
    public Phase phase() {
      return Phase.DELETE_FOLDERS;
    }
  }

  /** Remove a remote folder, only if it is empty by then. */
  record DeleteRemoteFolder(String path) implements SyncAction {
    public Phase phase() {
      return Phase.DELETE_FOLDERS;
    }
  }
}
