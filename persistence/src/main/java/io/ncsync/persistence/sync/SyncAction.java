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
   * Folders first, then files, then file deletions, then folder deletions (deepest first), and last the folder ETags
   * the run agreed on.
   */
  Phase phase();

  enum Phase {
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

  /** Both sides have the folder (or will, once the run is done): record its listed ETag. */
  record RecordFolder(String path, DavEntry remote) implements SyncAction {
    public Phase phase() {
      return Phase.RECORD_FOLDERS;
    }

    public BaseEntry base() {
      return BaseEntry.folder(path, remote.fileId(), remote.etag());
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
   * else keep both (bidirectional) or record the conflict only (one-way modes).
   */
  record ReconcileBoth(String path, LocalEntry local, DavEntry remote, BaseEntry base, boolean keepBoth)
      implements SyncAction {
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

  /** A folder on one side, a file on the other: record the conflict, write nothing. */
  record RecordTypeMismatch(String path, LocalEntry local, DavEntry remote) implements SyncAction {
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
