package io.ncsync.persistence.library;

import io.ncsync.persistence.sync.Discovery;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.persistence.sync.SyncPlan;
import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.Permissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds runs whose view of one side looks like "everything was deleted" for a library that had files, or that would
 * delete more than the library's {@code deletionGuardPercent} of its files on either side: a missing mount, an
 * unavailable external storage, a wrong folder or a server restored from a backup answer exactly like that (PROTOCOL.md
 * §8, lessons 1–4). Such a run deletes nothing; the operator confirms or cancels the deletions.
 */
final class DeletionGuard {
  private DeletionGuard() {}

  /** Why the run must not proceed (one side is empty), or null. */
  static String refusal(LibraryState state, Discovery discovery) {
    long files = state.fileCount();
    if (files == 0) return null;
    if (discovery.remote().isEmpty()) {
      return "the remote folder '" + state.config().remotePath() + "' listed empty but the library had " + files
          + " file(s): nothing was deleted (an unavailable server or mount looks like this)";
    }
    if (discovery.local().isEmpty()) {
      return "the workspace " + state.config().localRoot() + " is empty but the library had " + files
          + " file(s): nothing was deleted (an unmounted disk looks like this)";
    }
    return null;
  }

  /** The deletions to hold for the operator, or null when the run may carry out its plan. */
  static GuardHold hold(LibraryState state, Discovery discovery, SyncPlan plan, String runId, Instant now) {
    long files = state.fileCount();
    if (files == 0) return null;
    List<String> local = new ArrayList<>();
    List<String> remote = new ArrayList<>();
    List<String> localFolders = new ArrayList<>();
    List<String> remoteFolders = new ArrayList<>();
    for (SyncAction action : plan.actions(SyncAction.Phase.DELETE_FILES)) {
      if (action instanceof SyncAction.DeleteLocal) local.add(action.path());
      if (action instanceof SyncAction.DeleteRemote) remote.add(action.path());
    }
    for (SyncAction action : plan.actions(SyncAction.Phase.DELETE_FOLDERS)) {
      if (action instanceof SyncAction.DeleteLocalFolder) localFolders.add(action.path());
      if (action instanceof SyncAction.DeleteRemoteFolder) remoteFolders.add(action.path());
    }
    String emptySide = refusal(state, discovery);
    if (emptySide != null) {
      // The missing side is unknown, not empty: cancel forgets the whole base, and the next run merges.
      List<String> all = state.bases().keySet().stream().filter(p -> !p.isEmpty()).toList();
      return new GuardHold(runId, now, emptySide, local.size(), remote.size(), files, all, false);
    }
    GuardHold restored = serverRestored(state, discovery, plan, runId, now, local.size(), remote.size());
    if (restored != null) return restored;
    GuardHold mount = emptiedMount(state, discovery, local, localFolders, runId, now, remote.size());
    if (mount != null) return mount;
    int percent = state.config().settings().deletionGuardPercent();
    boolean tooManyLocal = exceeds(local.size(), files, percent);
    boolean tooManyRemote = exceeds(remote.size(), files, percent);
    if (!tooManyLocal && !tooManyRemote) return null;
    List<String> forget = new ArrayList<>();
    if (tooManyLocal) {
      forget.addAll(local);
      forget.addAll(localFolders);
    }
    if (tooManyRemote) {
      forget.addAll(remote);
      forget.addAll(remoteFolders);
    }
    String reason = "the run would delete " + local.size() + " file(s) in the workspace and " + remote.size()
        + " on the server of the library's " + files + ", more than its deletion guard of " + percent
        + "%: nothing was deleted; confirm or cancel with POST /api/v1/libraries/" + state.config().libraryId() + "/guard";
    return new GuardHold(runId, now, reason, local.size(), remote.size(), files, forget, false);
  }

  /**
   * The server's oc:data-fingerprint changed (its data was restored from a backup): what the server now shows may be
   * older than the workspace, so its deletions and overwrites of local files are held. Cancel forgets those files'
   * base: the next run compares both sides as if new, keeps both versions where they differ and uploads what the
   * server lost.
   */
  private static GuardHold serverRestored(LibraryState state, Discovery discovery, SyncPlan plan, String runId,
      Instant now, int localDeletions, int remoteDeletions) {
    String seen = discovery.remoteRoot() == null ? null : discovery.remoteRoot().dataFingerprint();
    if (state.dataFingerprint() == null || seen == null || seen.equals(state.dataFingerprint())) return null;
    List<String> overwritten = new ArrayList<>();
    for (SyncAction action : plan.actions(SyncAction.Phase.DELETE_FILES)) {
      if (action instanceof SyncAction.DeleteLocal) overwritten.add(action.path());
    }
    for (SyncAction action : plan.actions(SyncAction.Phase.TRANSFER_FILES)) {
      if (action instanceof SyncAction.Download download && download.local() != null) overwritten.add(action.path());
    }
    if (overwritten.isEmpty()) return null;
    String reason = "the server's data fingerprint changed (its data was probably restored from a backup): "
        + overwritten.size() + " local file(s) would be overwritten or deleted by the server's older state; nothing was"
        + " changed; confirm or cancel with POST /api/v1/libraries/" + state.config().libraryId() + "/guard";
    return new GuardHold(runId, now, reason, localDeletions, remoteDeletions, state.fileCount(), overwritten, false, seen);
  }

  /**
   * A mount point (external storage, a share's root: oc:permissions with M) that lists empty while the library had
   * files below it is unavailable, not emptied (PROTOCOL.md §8, lesson 1): the local deletions below it are held,
   * however few they are of the library.
   */
  private static GuardHold emptiedMount(LibraryState state, Discovery discovery, List<String> localDeletions,
      List<String> localFolderDeletions, String runId, Instant now, int remoteDeletions) {
    for (DavEntry folder : discovery.remote().values()) {
      if (!folder.collection() || folder.path().isEmpty() || !Permissions.of(folder).mounted()) continue;
      String below = folder.path() + "/";
      boolean listedEmpty = discovery.remote().keySet().stream().noneMatch(p -> p.startsWith(below));
      if (!listedEmpty) continue;
      List<String> held = new ArrayList<>();
      for (String path : localDeletions) if (path.startsWith(below)) held.add(path);
      if (held.isEmpty()) continue;
      for (String path : localFolderDeletions) if (path.startsWith(below)) held.add(path);
      String reason = "the mounted folder '" + folder.path() + "' listed empty on the server but the library had "
          + held.stream().filter(localDeletions::contains).count() + " file(s) there: nothing was deleted (an unavailable"
          + " external storage or share looks like this); confirm or cancel with POST /api/v1/libraries/"
          + state.config().libraryId() + "/guard";
      return new GuardHold(runId, now, reason, localDeletions.size(), remoteDeletions, state.fileCount(), held, false);
    }
    return null;
  }

  /** More than {@code percent} of {@code files}; a single deletion is never a mass delete. */
  private static boolean exceeds(int deletions, long files, int percent) {
    return deletions > 1 && deletions * 100L > percent * files;
  }
}
