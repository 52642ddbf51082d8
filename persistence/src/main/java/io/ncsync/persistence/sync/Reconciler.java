package io.ncsync.persistence.sync;

import io.ncsync.persistence.sync.SyncAction.CreateLocalFolder;
import io.ncsync.persistence.sync.SyncAction.CreateRemoteFolder;
import io.ncsync.persistence.sync.SyncAction.DeleteLocal;
import io.ncsync.persistence.sync.SyncAction.DeleteLocalFolder;
import io.ncsync.persistence.sync.SyncAction.DeleteRemote;
import io.ncsync.persistence.sync.SyncAction.DeleteRemoteFolder;
import io.ncsync.persistence.sync.SyncAction.Download;
import io.ncsync.persistence.sync.SyncAction.Forget;
import io.ncsync.persistence.sync.SyncAction.KeepLocal;
import io.ncsync.persistence.sync.SyncAction.RecordDeletedRemotely;
import io.ncsync.persistence.sync.SyncAction.RecordFolder;
import io.ncsync.persistence.sync.SyncAction.ReconcileBoth;
import io.ncsync.persistence.sync.SyncAction.RefreshBase;
import io.ncsync.persistence.sync.SyncAction.Refuse;
import io.ncsync.persistence.sync.SyncAction.SettleConflict;
import io.ncsync.persistence.sync.SyncAction.Upload;
import io.ncsync.protocol.ContentIdentity;
import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.Permissions;
import io.ncsync.protocol.RemotePaths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Three-way comparison of the workspace, the remote tree and the base (the last state both agreed on), producing the
 * run's plan. Plain Java, no I/O. The rules, in order of importance:
 * <ul>
 *   <li>a change beats a deletion (a file changed on one side and deleted on the other is restored, never deleted);
 *   <li>without a base nothing is deleted: both sides are merged;
 *   <li>both sides changed → content is compared by the executor; different content is a conflict, ended by the
 *       library's {@link ConflictStrategy}, never by a silent overwrite;
 *   <li>a path with a conflict not yet resolved is left alone (both sides untouched) until the operator resolves it or
 *       its sides change (then the executor closes it if they became identical);
 *   <li>a folder is deleted on one side only when everything below it there is being deleted too;
 *   <li>the mode only removes directions; it never turns a change into a deletion.
 * </ul>
 */
public final class Reconciler {
  private Reconciler() {}

  public static SyncPlan plan(Map<String, BaseEntry> base, Discovery discovery, SyncMode mode) {
    return plan(base, discovery, mode, ConflictPolicy.DEFAULT, DeletionRules.DEFAULTS);
  }

  public static SyncPlan plan(Map<String, BaseEntry> base, Discovery discovery, SyncMode mode, ConflictPolicy conflicts) {
    return plan(base, discovery, mode, conflicts, DeletionRules.DEFAULTS);
  }

  public static SyncPlan plan(Map<String, BaseEntry> base, Discovery discovery, SyncMode mode, DeletionRules rules) {
    return plan(base, discovery, mode, ConflictPolicy.DEFAULT, rules);
  }

  /** The plan, with conflicts ended as {@code conflicts} and deletions on either side treated as {@code rules} say. */
  public static SyncPlan plan(Map<String, BaseEntry> base, Discovery discovery, SyncMode mode, ConflictPolicy conflicts,
      DeletionRules rules) {
    if (conflicts.unresolved().isEmpty() && nothingChanged(base, discovery)) return rootOnly(base, discovery.remoteRoot());
    // Moves first; every path is then planned in the world as it will be once they are done. A file and a folder of
    // one name are set apart there only when the strategy keeps both; otherwise the conflict waits below.
    boolean separateTypes = conflicts.forTypeMismatch(mode) == ConflictStrategy.KEEP_BOTH;
    MoveDetector.Moves moves =
        MoveDetector.detect(base, discovery, mode, separateTypes, conflicts.unresolved().keySet());
    return planPaths(moves.base(), moves.discovery(), mode, moves.steps(), conflicts, rules);
  }

  private static SyncPlan planPaths(Map<String, BaseEntry> base, Discovery discovery, SyncMode mode,
      List<? extends SyncAction> moves, ConflictPolicy conflicts, DeletionRules rules) {
    Map<String, LocalEntry> local = discovery.local();
    Map<String, DavEntry> remote = discovery.remote();
    TreeSet<String> paths = new TreeSet<>();
    paths.addAll(base.keySet());
    paths.addAll(local.keySet());
    paths.addAll(remote.keySet());
    paths.addAll(conflicts.unresolved().keySet());
    paths.removeIf(p -> p.isEmpty() || discovery.isLeftAlone(p));

    Map<String, SyncAction> decided = new HashMap<>();
    List<String> folders = new ArrayList<>();
    // Conflict paths: nothing at or below them is planned but the conflict's own settling. A parent sorts before its
    // children, so it is in the set before they are looked at.
    java.util.Set<String> conflicted = new java.util.HashSet<>();
    for (String path : paths) {
      if (below(path, conflicted)) continue;
      BaseEntry b = base.get(path);
      LocalEntry l = local.get(path);
      DavEntry r = remote.get(path);
      ConflictRecord unresolved = conflicts.unresolved().get(path);
      if (unresolved != null) {
        conflicted.add(path);
        SyncAction settle = settleRecorded(path, unresolved, b, l, r);
        if (settle != null) decided.put(path, settle);
      } else if (l != null && r != null && l.folder() != r.collection()) {
        conflicted.add(path);
        decided.put(path, new SettleConflict(path, ConflictType.TYPE_MISMATCH, l, r, b, conflicts.forTypeMismatch(mode), null));
      } else if (isFolder(b, l, r)) {
        folders.add(path);
      } else {
        SyncAction action = refusedByPermissions(planFile(path, b, l, r, mode, conflicts, rules), remote, discovery.remoteRoot());
        if (action != null) decided.put(path, action);
      }
    }
    // Deepest first, so a folder sees what was decided for its children.
    folders.sort(Comparator.comparingInt(RemotePaths::depth).reversed().thenComparing(Comparator.reverseOrder()));
    Map<String, List<String>> localChildren = childrenOf(local.keySet());
    Map<String, List<String>> remoteChildren = childrenOf(remote.keySet());
    for (String path : folders) {
      SyncAction action =
          planFolder(path, base.get(path), local.get(path), remote.get(path), mode, rules, decided, localChildren,
              remoteChildren);
      action = refusedByPermissions(action, remote, discovery.remoteRoot());
      if (action != null) decided.put(path, action);
    }
    DavEntry root = discovery.remoteRoot();
    BaseEntry baseRoot = base.get("");
    if (root != null && (baseRoot == null || !Objects.equals(baseRoot.etag(), root.etag()))) {
      decided.put("", new RecordFolder("", root)); // the root's ETag lets the next walk stop at one request
    }
    List<SyncAction> actions = new ArrayList<>(moves);
    actions.addAll(decided.values());
    for (SyncAction action : decided.values()) {
      if (action instanceof CreateLocalFolder create) actions.add(new RecordFolder(create.path(), create.remote()));
    }
    return SyncPlan.of(actions);
  }

  /**
   * The common case of a settled library, checked in one pass without sorting anything: every path is on both sides
   * and in the base, with the base's size, mtime and ETag. (Sorting 3 × 100,000 paths was most of a settled re-sync.)
   */
  static boolean nothingChanged(Map<String, BaseEntry> base, Discovery discovery) {
    Map<String, LocalEntry> local = discovery.local();
    Map<String, DavEntry> remote = discovery.remote();
    int baseEntries = base.size() - (base.containsKey("") ? 1 : 0);
    if (!discovery.skipped().isEmpty() || !discovery.excluded().isEmpty() || local.size() != remote.size() || local.size() != baseEntries) return false;
    // A listing that is the base itself (the root's ETag proved nothing changed) needs no comparing with it.
    boolean remoteIsBase = remote instanceof BaseListing listing && listing.shows(base);
    for (LocalEntry l : local.values()) {
      BaseEntry b = base.get(l.path());
      if (b == null || b.folder() != l.folder()) return false;
      if (!remoteIsBase) {
        DavEntry r = remote.get(l.path());
        if (r == null || r.collection() != l.folder() || !Objects.equals(r.etag(), b.etag())) return false;
        if (!l.folder() && b.fileId() == null && r.fileId() != null) return false; // a fileid to learn (our write's answer had none)
      }
      // Same size and mtime with a hash that differs: a full sync's content check found an edit.
      if (!l.folder() && (!l.matchesStat(b) || localChanged(l, b))) return false;
    }
    return true;
  }

  private static SyncPlan rootOnly(Map<String, BaseEntry> base, DavEntry root) {
    BaseEntry baseRoot = base.get("");
    boolean rootChanged = root != null && (baseRoot == null || !Objects.equals(baseRoot.etag(), root.etag()));
    return SyncPlan.of(rootChanged ? List.of(new RecordFolder("", root)) : List.of());
  }

  /**
   * Writes the server's oc:permissions forbid become {@link Refuse}: reported once per run, never attempted. Servers
   * without permissions (plain WebDAV) allow everything.
   */
  private static SyncAction refusedByPermissions(SyncAction action, Map<String, DavEntry> remote, DavEntry root) {
    if (action instanceof Upload upload) {
      DavEntry existing = remote.get(upload.path());
      if (existing != null && upload.base() != null) {
        return Permissions.of(existing).known() && !Permissions.canWrite(existing)
            ? new Refuse(upload.path(), "the server does not allow changing this file (no W permission)")
            : action;
      }
      DavEntry parent = parentOf(upload.path(), remote, root);
      return parent != null && Permissions.of(parent).known() && !Permissions.canAddFile(parent)
          ? new Refuse(upload.path(), "the server does not allow adding files to '" + RemotePaths.parent(upload.path()) + "' (no C permission)")
          : action;
    }
    if (action instanceof CreateRemoteFolder create) {
      DavEntry parent = parentOf(create.path(), remote, root);
      return parent != null && Permissions.of(parent).known() && !Permissions.canAddFolder(parent)
          ? new Refuse(create.path(), "the server does not allow adding folders to '" + RemotePaths.parent(create.path()) + "' (no K permission)")
          : action;
    }
    if (action instanceof DeleteRemote delete) {
      DavEntry existing = remote.get(delete.path());
      return existing != null && Permissions.of(existing).known() && !Permissions.canDelete(existing)
          ? new Refuse(delete.path(), "the server does not allow deleting this file (no D permission)")
          : action;
    }
    return action;
  }

  private static DavEntry parentOf(String path, Map<String, DavEntry> remote, DavEntry root) {
    String parent = RemotePaths.parent(path);
    return parent.isEmpty() ? root : remote.get(parent);
  }

  /**
   * A conflict on record: carried out when the operator resolved it and the sides are still those recorded; looked at
   * again (closed if identical now, else recorded with the new sides) when a side changed; else left alone.
   */
  static SyncAction settleRecorded(String path, ConflictRecord record, BaseEntry b, LocalEntry l, DavEntry r) {
    boolean unchanged = record.sidesMatch(l, r);
    if (record.state() == ConflictState.RESOLVING && unchanged) {
      return new SettleConflict(path, record.type(), l, r, b, record.strategy(), record);
    }
    return unchanged ? null : new SettleConflict(path, record.type(), l, r, b, ConflictStrategy.MANUAL, record);
  }

  private static boolean below(String path, java.util.Set<String> roots) {
    if (roots.isEmpty()) return false;
    for (String p = RemotePaths.parent(path); !p.isEmpty(); p = RemotePaths.parent(p)) {
      if (roots.contains(p)) return true;
    }
    return false;
  }

  private static boolean isFolder(BaseEntry b, LocalEntry l, DavEntry r) {
    if (l != null) return l.folder();
    if (r != null) return r.collection();
    return b != null && b.folder();
  }

  static SyncAction planFile(String path, BaseEntry b, LocalEntry l, DavEntry r, SyncMode mode) {
    return planFile(path, b, l, r, mode, ConflictPolicy.DEFAULT, DeletionRules.DEFAULTS);
  }

  static SyncAction planFile(String path, BaseEntry b, LocalEntry l, DavEntry r, SyncMode mode, ConflictPolicy conflicts) {
    return planFile(path, b, l, r, mode, conflicts, DeletionRules.DEFAULTS);
  }

  static SyncAction planFile(String path, BaseEntry b, LocalEntry l, DavEntry r, SyncMode mode, DeletionRules rules) {
    return planFile(path, b, l, r, mode, ConflictPolicy.DEFAULT, rules);
  }

  static SyncAction planFile(String path, BaseEntry b, LocalEntry l, DavEntry r, SyncMode mode, ConflictPolicy conflicts,
      DeletionRules rules) {
    if (b == null || b.folder()) {
      if (l != null && r != null && !conflicts.verifyOnAdopt() && adoptable(l, r)) return new RefreshBase(path, adopted(path, l, r));
      if (l != null && r != null) {
        boolean byChecksum = !conflicts.verifyOnAdopt() && !l.folder() && !r.collection()
            && io.ncsync.protocol.Checksums.firstSupported(r.checksum()) != null;
        return new ReconcileBoth(path, l, r, null, conflicts.forBothModified(mode), byChecksum);
      }
      if (l != null) return mode.uploads() ? new Upload(path, l, null) : null;
      if (r != null) return mode.downloads() ? new Download(path, r, null) : null;
      return b == null ? null : new Forget(path);
    }
    boolean remoteChanged = r != null && !Objects.equals(r.etag(), b.etag());
    boolean etagRefreshed = false;
    if (remoteChanged && onlyTheEtagChanged(r, b)) {
      b = b.withListedEtag(r.etag(), r.fileId()); // the version we wrote, listed under another ETag: a metadata update
      remoteChanged = false;
      etagRefreshed = true;
    } else if (!remoteChanged && r != null && b.fileId() == null && r.fileId() != null) {
      b = b.withFileId(r.fileId()); // our write's answer had none; its folder's next listing tells it
      etagRefreshed = true;
    }
    boolean localChanged = l != null && localChanged(l, b);
    if (l == null && r == null) return new Forget(path);
    if (l == null) {
      if (remoteChanged) {
        return mode.downloads() ? new SettleConflict(path, ConflictType.DELETED_LOCALLY, null, r, b, conflicts.strategy(), null) : null;
      }
      if (!mode.uploads()) return new Download(path, r, null);
      // Not propagated: the base stays, so the server's copy is neither deleted nor downloaded again until it changes.
      return rules.propagatesLocalDeletions() ? new DeleteRemote(path, b) : null;
    }
    if (r == null) {
      if (localChanged) {
        return mode.uploads() ? new SettleConflict(path, ConflictType.DELETED_REMOTELY, l, null, b, conflicts.strategy(), null) : null;
      }
      return mode.downloads() ? deletedRemotely(path, b, rules.remoteDeletions()) : new Upload(path, l, null);
    }
    if (localChanged && remoteChanged) return new ReconcileBoth(path, l, r, b, conflicts.forBothModified(mode));
    if (localChanged) return mode.uploads() ? new Upload(path, l, b) : null;
    if (remoteChanged) return mode.downloads() ? new Download(path, r, l) : null;
    if (!l.matchesStat(b) || etagRefreshed) return new RefreshBase(path, touched(b, l));
    return null;
  }

  /** What the library's remote-deletion policy makes of an unchanged local file the server no longer has. */
  private static SyncAction deletedRemotely(String path, BaseEntry b, RemoteDeletionPolicy policy) {
    return switch (policy) {
      case TRASH, ARCHIVE, DELETE -> new DeleteLocal(path, b, policy);
      case IGNORE, ORPHAN -> new KeepLocal(path, b, policy);
      case CONFLICT -> new RecordDeletedRemotely(path, b);
    };
  }

  /**
   * Servers may list another ETag than the one they answered to our PUT. Right after our own write, a new ETag with the
   * same size (and the same checksum, when the server keeps the one we sent) is the same content. A checksum that
   * vanished means somebody else wrote it: a PUT without OC-Checksum clears it.
   */
  static boolean onlyTheEtagChanged(DavEntry r, BaseEntry b) {
    if (!b.etagFromWrite() || r.collection()) return false;
    // A server that lists no checksums (PROTOCOL.md §9) can still show it is our write: our size and the mtime we set.
    if (b.remoteChecksum() != null && r.checksum() == null) return r.size() == b.size() && carriesOurMtime(r, b);
    return ContentIdentity.compare(r, b.size(), b.remoteChecksum()) != ContentIdentity.Verdict.DIFFERENT;
  }

  /**
   * A file on both sides without a base (a tree adopted from the desktop client, a library made again) whose size and
   * modification time agree, to the second, and that the server lists without a checksum: identical without a
   * transfer, as the Nextcloud desktop client takes it (issue 12). Only where the times can mean that: a server that
   * lists fileids speaks Nextcloud's protocol and keeps the time a client sends (plain WebDAV stamps its own time of
   * receipt, so two different files written in the same second would look alike), and only for a file not written in
   * the last {@link #ADOPT_AFTER} (two writers racing on a new name are not a tree being adopted). A listed checksum,
   * or {@code verifyOnAdopt}, leaves it to the content comparison.
   */
  private static boolean adoptable(LocalEntry l, DavEntry r) {
    return !l.folder() && !r.collection() && r.checksum() == null && r.fileId() != null && l.size() == r.size()
        && r.lastModified() != null && l.mtimeMillis() > 0
        && r.lastModified().getEpochSecond() == Math.floorDiv(l.mtimeMillis(), 1000L)
        && l.mtimeMillis() < System.currentTimeMillis() - ADOPT_AFTER.toMillis();
  }

  /** How old a file must be to be adopted by its size and time. */
  static final java.time.Duration ADOPT_AFTER = java.time.Duration.ofMinutes(1);

  private static BaseEntry adopted(String path, LocalEntry l, DavEntry r) {
    return new BaseEntry(path, false, r.fileId(), r.etag(), l.size(), l.mtimeMillis(), l.sha256(), null, false, l.fileKey());
  }

  /** The server lists the modification time we sent with our write (to the second, as X-OC-MTime carries it). */
  private static boolean carriesOurMtime(DavEntry r, BaseEntry b) {
    return r.lastModified() != null && b.mtimeMillis() > 0
        && r.lastModified().getEpochSecond() == Math.floorDiv(b.mtimeMillis(), 1000L);
  }

  /**
   * Size or mtime differ and the content (when the scan hashed it) differs too; or they match, but the content was
   * hashed anyway (a full sync's check) and differs.
   */
  static boolean localChanged(LocalEntry l, BaseEntry b) {
    if (l.matchesStat(b)) return l.sha256() != null && b.sha256() != null && !l.sha256().equals(b.sha256());
    return l.sha256() == null || !l.sha256().equals(b.sha256());
  }

  private static BaseEntry touched(BaseEntry b, LocalEntry l) {
    return new BaseEntry(b.path(), false, b.fileId(), b.etag(), l.size(), l.mtimeMillis(), b.sha256(), b.remoteChecksum(),
        b.etagFromWrite(), l.fileKey());
  }

  private static SyncAction planFolder(
      String path,
      BaseEntry b,
      LocalEntry l,
      DavEntry r,
      SyncMode mode,
      DeletionRules rules,
      Map<String, SyncAction> decided,
      Map<String, List<String>> localChildren,
      Map<String, List<String>> remoteChildren) {
    if (l != null && r != null) {
      boolean keyUnknown = l.fileKey() != null && b != null && !l.fileKey().equals(b.localKey());
      return b == null || !b.folder() || !Objects.equals(b.etag(), r.etag()) || keyUnknown
          ? new RecordFolder(path, r, l.fileKey()) : null;
    }
    if (l == null && r == null) return b == null ? null : new Forget(path);
    if (l != null) {
      // Only local: new (create remotely) or deleted remotely (delete locally if nothing below survives).
      if (b == null) return mode.uploads() ? new CreateRemoteFolder(path) : null;
      if (mode.downloads() && allRemoved(localChildren.get(path), decided, DeleteLocal.class, DeleteLocalFolder.class,
          KeepLocal.class, RecordDeletedRemotely.class)) {
        return new DeleteLocalFolder(path); // only if empty by then: a kept file keeps its folder
      }
      return mode.uploads() || needsFolder(localChildren.get(path), decided) ? new CreateRemoteFolder(path) : null;
    }
    if (b == null) return mode.downloads() ? new CreateLocalFolder(path, r) : null;
    if (mode.uploads() && !rules.propagatesLocalDeletions()) {
      return needsFolder(remoteChildren.get(path), decided) ? new CreateLocalFolder(path, r) : null;
    }
    if (mode.uploads() && allRemoved(remoteChildren.get(path), decided, DeleteRemote.class, DeleteRemoteFolder.class)) {
      return new DeleteRemoteFolder(path);
    }
    return mode.downloads() || needsFolder(remoteChildren.get(path), decided) ? new CreateLocalFolder(path, r) : null;
  }

  /** Every child present on that side is planned for deletion on that side. */
  private static boolean allRemoved(List<String> children, Map<String, SyncAction> decided, Class<?>... removals) {
    if (children == null) return true;
    for (String child : children) {
      SyncAction action = decided.get(child);
      if (action == null || java.util.Arrays.stream(removals).noneMatch(c -> c.isInstance(action))) return false;
    }
    return true;
  }

  /** Some child will be written to the other side, so the folder must exist there. */
  private static boolean needsFolder(List<String> children, Map<String, SyncAction> decided) {
    if (children == null) return false;
    for (String child : children) {
      SyncAction action = decided.get(child);
      if (action instanceof Upload || action instanceof Download || action instanceof ReconcileBoth
          || action instanceof SettleConflict || action instanceof CreateRemoteFolder || action instanceof CreateLocalFolder) {
        return true;
      }
    }
    return false;
  }

  private static Map<String, List<String>> childrenOf(Iterable<String> paths) {
    Map<String, List<String>> children = new HashMap<>();
    for (String path : paths) {
      if (!path.isEmpty()) children.computeIfAbsent(RemotePaths.parent(path), p -> new ArrayList<>()).add(path);
    }
    return children;
  }
}
