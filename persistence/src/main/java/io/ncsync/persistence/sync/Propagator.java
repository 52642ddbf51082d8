package io.ncsync.persistence.sync;

import io.ncsync.persistence.sync.DocumentChange.BaseForgotten;
import io.ncsync.persistence.sync.DocumentChange.BaseRecorded;
import io.ncsync.protocol.BatchUpload;
import io.ncsync.protocol.BatchUploadResult;
import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.DownloadOptions;
import io.ncsync.protocol.DownloadResult;
import io.ncsync.protocol.RemotePaths;
import io.ncsync.protocol.RemoteStore;
import io.ncsync.protocol.UploadOptions;
import io.ncsync.protocol.UploadResult;
import io.ncsync.protocol.UploadSession;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out one planned action, blocking (it runs on the daemon's blocking executor, one document at a time). Before
 * writing to a side it re-checks that side against what the plan saw; anything that changed meanwhile becomes a skip
 * (the next run sees it) or a conflict, never an overwrite.
 */
public final class Propagator {
  private static final Logger log = LoggerFactory.getLogger(Propagator.class);

  private static final int WEAK_ETAG_RETRIES = 3;
  private static final long WEAK_ETAG_WAIT_MILLIS = 1100;

  private final Workspace workspace;
  private final RemoteStore remote;
  private final SyncMode mode;
  private final String runId;
  private final SyncEngine.UploadSessionListener sessions;
  /** The library's conflict strategy, for conflicts that show up only while executing (a 412, a change mid-download). */
  private final ConflictStrategy strategy;
  /** Where policy {@code archive} keeps files (relative to the archive root), or null. */
  private final String archiveFolder;

  public Propagator(Workspace workspace, RemoteStore remote, SyncMode mode, String runId,
      SyncEngine.UploadSessionListener sessions) {
    this(workspace, remote, mode, runId, sessions, ConflictStrategy.KEEP_BOTH, null);
  }

  public Propagator(Workspace workspace, RemoteStore remote, SyncMode mode, String runId,
      SyncEngine.UploadSessionListener sessions, ConflictStrategy strategy) {
    this(workspace, remote, mode, runId, sessions, strategy, null);
  }

  public Propagator(Workspace workspace, RemoteStore remote, SyncMode mode, String runId,
      SyncEngine.UploadSessionListener sessions, ConflictStrategy strategy, String archiveFolder) {
    this.archiveFolder = archiveFolder;
    this.workspace = workspace;
    this.remote = remote;
    this.mode = mode;
    this.runId = runId;
    this.sessions = sessions;
    this.strategy = strategy;
  }

  public ActionResult execute(SyncAction action) {
    try {
      return dispatch(action);
    } catch (DavException e) {
      return ActionResult.failed(action.path(), Failures.of(e));
    } catch (IOException | RuntimeException e) {
      log.debug("action on {} failed", action.path(), e);
      return ActionResult.failed(action.path(), Failures.of(e, describe(e)));
    }
  }

  /**
   * New small files in one go: Nextcloud bulk upload where offered, else parallel PUTs. Files changed since the scan
   * are skipped (the next run takes the newest); a file that meanwhile appeared remotely goes through the single
   * upload, whose 412 handling compares content and keeps both.
   */
  public List<ActionResult> executeBatch(SyncAction.UploadBatch batch) {
    List<Workspace.Staged> staged = new ArrayList<>();
    try {
      return executeBatch(batch, staged);
    } finally {
      for (Workspace.Staged file : staged) closeQuietly(file);
    }
  }

  private List<ActionResult> executeBatch(SyncAction.UploadBatch batch, List<Workspace.Staged> staged) {
    List<ActionResult> results = new ArrayList<>();
    List<SyncAction.Upload> ready = new ArrayList<>();
    List<BatchUpload> files = new ArrayList<>();
    for (SyncAction.Upload upload : batch.uploads()) {
      try {
        LocalEntry current = workspace.stat(upload.path());
        if (current == null || current.size() != upload.local().size() || current.mtimeMillis() != upload.local().mtimeMillis()) {
          results.add(ActionResult.skipped(upload.path()));
          continue;
        }
        Workspace.Staged source = workspace.stageForUpload(upload.path());
        staged.add(source);
        files.add(new BatchUpload(upload.path(), source.path()));
        ready.add(upload);
      } catch (IOException | RuntimeException e) {
        results.add(ActionResult.failed(upload.path(), Failures.of(e, describe(e))));
      }
    }
    List<BatchUploadResult> uploaded;
    try {
      uploaded = files.isEmpty() ? List.of() : await(remote.uploadBatch(files));
    } catch (RuntimeException e) {
      for (SyncAction.Upload upload : ready) results.add(execute(upload)); // the batch as a whole failed: one by one
      return results;
    }
    Map<String, DavEntry> listed = listParentsOfUploadsWithoutEtag(uploaded);
    for (int i = 0; i < ready.size(); i++) {
      SyncAction.Upload upload = ready.get(i);
      BatchUploadResult outcome = uploaded.get(i);
      results.add(outcome.ok() ? batchUploaded(upload, outcome.result(), listed.get(upload.path())) : batchFailed(upload, outcome.error()));
    }
    return results;
  }

  /**
   * Servers that answer a PUT without an ETag (mod_dav) would need one PROPFIND per file to learn it; one Depth-1
   * listing per folder of the batch does the same for all its files. A missing fileid alone is not worth a request:
   * the next run's listing gives it ({@link #identityAfterWrite}).
   */
  private Map<String, DavEntry> listParentsOfUploadsWithoutEtag(List<BatchUploadResult> uploaded) {
    Map<String, DavEntry> entries = new HashMap<>();
    java.util.Set<String> parents = new java.util.TreeSet<>();
    for (BatchUploadResult outcome : uploaded) {
      if (outcome.ok() && outcome.result().etag() == null) {
        parents.add(RemotePaths.parent(outcome.path()));
      }
    }
    for (String parent : parents) {
      try {
        for (DavEntry child : await(remote.list(parent)).children()) entries.put(child.path(), child);
      } catch (DavException e) {
        log.debug("listing {} after a batch failed; asking per file", parent, e);
      }
    }
    return entries;
  }

  private ActionResult batchUploaded(SyncAction.Upload upload, UploadResult result, DavEntry listedAfter) {
    try {
      // The folder's listing after the batch tells what the answers lacked: no PROPFIND per file.
      Identity identity = listedAfter != null
          ? identityListed(upload.path(), result, listedAfter)
          : identityAfterWrite(upload.path(), result, fileIdOf(upload.base()));
      LocalEntry local = upload.local();
      return recorded(new BaseEntry(upload.path(), false, identity.fileId, identity.etag, local.size(), local.mtimeMillis(),
          uploadedSha256(result, local), result.checksum(), result.etagFromWrite(), local.fileKey()), Transfer.UPLOADED);
    } catch (DavException e) {
      return ActionResult.failed(upload.path(), Failures.of(e));
    } catch (RuntimeException e) {
      return ActionResult.failed(upload.path(), Failures.of(e, describe(e)));
    }
  }

  private ActionResult batchFailed(SyncAction.Upload upload, Exception error) {
    if (error instanceof DavException dav && dav.error() == DavError.PRECONDITION_FAILED) return execute(upload);
    if (error instanceof DavException dav) return ActionResult.failed(upload.path(), Failures.of(dav));
    return ActionResult.failed(upload.path(), Failures.of(error, describe(error)));
  }

  private ActionResult dispatch(SyncAction action) throws IOException {
    if (action instanceof SyncAction.CreateRemoteFolder a) return createRemoteFolder(a.path());
    if (action instanceof SyncAction.CreateLocalFolder a) return createLocalFolder(a.path(), a.remote());
    if (action instanceof SyncAction.RecordFolder a) return recorded(a.base(), Transfer.NONE);
    if (action instanceof SyncAction.Upload a) return upload(a.path(), a.local(), a.base(), a.resume());
    if (action instanceof SyncAction.Download a) return download(a.path(), a.remote(), a.local());
    if (action instanceof SyncAction.ReconcileBoth a) {
      if (a.byChecksum()) {
        ActionResult adopted = adoptedByChecksum(a.path(), a.local(), a.remote());
        if (adopted != null) return adopted;
      }
      return reconcileBoth(a.path(), a.local(), a.remote(), a.base(), a.strategy(), null);
    }
    if (action instanceof SyncAction.SettleConflict a) return settle(a);
    if (action instanceof SyncAction.RefreshBase a) return recorded(a.updated(), Transfer.NONE);
    if (action instanceof SyncAction.Refuse a) return ActionResult.failed(a.path(), FailureCode.REFUSED, a.reason());
    if (action instanceof SyncAction.Forget a) return forgotten(a.path(), Transfer.NONE);
    if (action instanceof SyncAction.DeleteLocal a) return deleteLocal(a.path(), a.base(), a.policy());
    if (action instanceof SyncAction.KeepLocal a) return keepLocal(a.path(), a.base(), a.policy());
    if (action instanceof SyncAction.RecordDeletedRemotely a) return recordDeletedRemotely(a.path(), a.base());
    if (action instanceof SyncAction.DeleteRemote a) return deleteRemote(a.path(), a.base());
    if (action instanceof SyncAction.DeleteLocalFolder a) return deleteLocalFolder(a.path());
    if (action instanceof SyncAction.DeleteRemoteFolder a) return deleteRemoteFolder(a.path());
    if (action instanceof SyncAction.MoveStep a) return new Mover(this, workspace, remote, runId).execute(a);
    if (action instanceof SyncAction.UploadBatch a) throw new IllegalArgumentException("a batch goes through executeBatch");
    throw new IllegalArgumentException("unknown action " + action);
  }

  // --- folders --------------------------------------------------------------------------------------------------

  /** No ETag yet: the uploads that follow change it, and the next run lists the folder once and records it. */
  /**
   * No ETag yet (the next run lists the folder and records the one its contents gave it), but its fileid at once: a
   * move of the folder on the server before that run is then found as one move, taking along what was made in it here.
   */
  private ActionResult createRemoteFolder(String path) throws IOException {
    await(remote.mkdirs(path));
    String fileId = null;
    try {
      fileId = await(remote.stat(path)).fileId();
    } catch (DavException e) {
      log.debug("{}: made, but not listed right after ({}); its fileid comes with the next run", path, e.getMessage());
    }
    return recorded(BaseEntry.folder(path, fileId, null, workspace.fileKey(path)), Transfer.NONE);
  }

  /** No ETag yet: it is recorded once the folder's contents are down (the plan's RecordFolder, last). */
  private ActionResult createLocalFolder(String path, DavEntry remoteFolder) throws IOException {
    workspace.createFolder(path);
    return recorded(BaseEntry.folder(path, remoteFolder.fileId(), null, workspace.fileKey(path)), Transfer.NONE);
  }

  private ActionResult deleteLocalFolder(String path) throws IOException {
    return workspace.deleteEmptyFolder(path) ? forgotten(path, Transfer.NONE) : ActionResult.skipped(path);
  }

  /** Only an empty folder is deleted: whatever appeared in it since the listing survives. */
  private ActionResult deleteRemoteFolder(String path) {
    try {
      if (!await(remote.list(path)).children().isEmpty()) return ActionResult.skipped(path);
      await(remote.delete(path, Optional.empty()));
    } catch (DavException e) {
      if (e.error() != DavError.NOT_FOUND) throw e;
    }
    return forgotten(path, Transfer.NONE);
  }

  // --- files ----------------------------------------------------------------------------------------------------

  ActionResult upload(String path, LocalEntry planned, BaseEntry base, UploadSession resume) throws IOException {
    LocalEntry current = workspace.stat(path);
    if (current == null || current.size() != planned.size() || current.mtimeMillis() != planned.mtimeMillis()) {
      return ActionResult.skipped(path); // changed again since the scan: the next run uploads the newest
    }
    boolean isNew = base == null;
    Optional<String> guard = isNew || base.etag() == null ? Optional.empty() : Optional.of(base.etag());
    Put put = put(path, guard, isNew, resume);
    if (put.result() == null) {
      // The remote changed (or appeared) since the listing: never overwrite it; compare, and a conflict it is.
      return reconcileBoth(path, planned, put.changed(), base, new ConflictPolicy(strategy, null).forBothModified(mode), null);
    }
    UploadResult result = put.result();
    Identity identity = identityAfterWrite(path, result, fileIdOf(base));
    return recorded(new BaseEntry(path, false, identity.fileId, identity.etag, planned.size(), planned.mtimeMillis(),
        uploadedSha256(result, planned), result.checksum(), result.etagFromWrite(), planned.fileKey()), Transfer.UPLOADED);
  }

  /** What a guarded PUT did: the server's answer, or (412) the server's version that differs from the guard. */
  private record Put(UploadResult result, DavEntry changed) {}

  private Put put(String path, Optional<String> guard, boolean isNew, UploadSession resume) throws IOException {
    try (Workspace.Staged source = workspace.stageForUpload(path)) {
      for (int attempt = 1; ; attempt++) {
        try {
          UploadOptions options = UploadOptions.of(guard, isNew)
              .resuming(resume)
              .withSessionListener(session -> sessions.saved(path, session));
          return new Put(await(remote.upload(path, source.path(), options)), null);
        } catch (DavException e) {
          if (e.error() != DavError.PRECONDITION_FAILED) throw e;
          DavEntry now = await(remote.stat(path));
          if (isSpuriousPreconditionFailure(guard.orElse(null), now, attempt)) continue;
          return new Put(null, now);
        }
      }
    }
  }

  /**
   * The content the base records for an upload: the SHA-256 of the bytes the store sent, which describes the remote
   * copy even when the file changed while it streamed (its new mtime then differs from the recorded one, so the next run
   * hashes it, finds another content and uploads again). Hashing the file after the upload could instead record the
   * newer content as synced and lose that edit. Stores that do not tell leave the scan's hash, when it took one, or
   * none: a base without a hash only means the next same-size change is uploaded without comparing content first.
   */
  private static String uploadedSha256(UploadResult result, LocalEntry planned) {
    return result.sha256() != null ? result.sha256() : planned.sha256();
  }

  ActionResult download(String path, DavEntry listed, LocalEntry expectedLocal) throws IOException {
    boolean resumable = listed.etag() != null;
    try (Workspace.Staged temp = resumable ? workspace.resumableDownload(path, listed.etag()) : workspace.newDownload()) {
      DownloadResult result;
      try {
        // A download of this version that a failure or a restart cut short continues where it stopped (Range, with
        // If-Range on the ETag: a file changed meanwhile comes whole).
        result = await(remote.download(path, temp.path(),
            resumable ? DownloadOptions.of(listed).resumingPartial() : DownloadOptions.of(listed)));
      } catch (RuntimeException e) {
        if (resumable) temp.keepForResume();
        throw e;
      }
      String sha = temp.sha256();
      LocalEntry current = workspace.stat(path);
      if (!sameStat(current, expectedLocal)) {
        // The local file changed while we downloaded: never overwrite it. Keep both, or (manual) leave it to the next
        // run, which sees both sides changed.
        if (strategy == ConflictStrategy.MANUAL) return ActionResult.skipped(path);
        return keepBothWithDownloaded(path, temp, sha, result, listed, expectedLocal == null ? null : baseOf(path, listed),
            null, byStrategy(ConflictStrategy.KEEP_BOTH));
      }
      long mtime = mtimeOf(listed);
      String etag = result.etag() != null ? result.etag() : listed.etag();
      TrashEntry replaced = current == null ? null : keepReplaced(path, current, sha);
      if (replaced == null && current != null) {
        // The local file already holds the server's content: nothing to replace, only the base to record.
        return recorded(new BaseEntry(path, false, listed.fileId(), etag, current.size(), current.mtimeMillis(), sha,
            listed.checksum(), false), Transfer.NONE);
      }
      workspace.commit(temp, path, mtime);
      LocalEntry landed = workspace.stat(path);
      ActionResult done = recorded(new BaseEntry(path, false, listed.fileId(), etag, landed.size(), landed.mtimeMillis(), sha,
          listed.checksum(), false, landed.fileKey()), Transfer.DOWNLOADED);
      return replaced == null ? done : done.logging(replaced);
    }
  }

  // --- conflicts ------------------------------------------------------------------------------------------------

  /**
   * Both sides hold the file and at least one differs from the base: equal content is agreement, not a conflict (and
   * closes {@code record}, if one was open); different content is a conflict that {@code how} ends.
   *
   * @param record the conflict on record, or null for one found now
   */
  private ActionResult reconcileBoth(String path, LocalEntry local, DavEntry remoteEntry, BaseEntry base,
      ConflictStrategy how, ConflictRecord record) throws IOException {
    try (Workspace.Staged temp = workspace.newDownload()) {
      DownloadResult result = await(remote.download(path, temp.path(), DownloadOptions.of(remoteEntry)));
      String remoteSha = temp.sha256();
      LocalEntry current = workspace.stat(path);
      if (current == null) {
        // The local file went away meanwhile: the remote version simply lands (a recorded conflict waits for the next
        // run, which sees the new sides).
        return record == null ? download(path, remoteEntry, null) : ActionResult.skipped(path);
      }
      String localSha = workspace.sha256(path);
      String etag = result.etag() != null ? result.etag() : remoteEntry.etag();
      if (localSha.equals(remoteSha)) {
        ActionResult agreed = recorded(
            new BaseEntry(path, false, remoteEntry.fileId(), etag, current.size(), current.mtimeMillis(), localSha), Transfer.NONE);
        return record == null ? agreed : agreed.withConflict(record.resolved(record.strategy(), ConflictRecord.BY_IDENTICAL_SIDES, Instant.now()));
      }
      SideInfo localSide = ConflictRecord.sideOf(current, localSha);
      SideInfo remoteSide = ConflictRecord.sideOf(remoteEntry, remoteSha);
      ConflictRecord conflict = record != null
          ? record.reopened(localSide, remoteSide)
          : ConflictRecord.open(path, base == null ? ConflictType.BOTH_ADDED : ConflictType.BOTH_MODIFIED, localSide,
              remoteSide, Instant.now(), runId);
      String by = record != null && record.state() == ConflictState.RESOLVING ? record.resolvedBy() : byStrategy(how);
      ConflictStrategy keep = how == ConflictStrategy.KEEP_NEWEST ? newer(current, remoteEntry) : how;
      return switch (keep) {
        case MANUAL -> ActionResult.conflict(path, conflict);
        case KEEP_BOTH -> keepBothWithDownloaded(path, temp, remoteSha, result, remoteEntry, base, conflict.resolved(how, by, null), by);
        case KEEP_REMOTE -> replaceLocal(path, current, localSha, temp, remoteSha, etag, remoteEntry, conflict.resolved(how, by, Instant.now()));
        case KEEP_LOCAL -> overwriteRemote(path, current, localSha, etag, remoteEntry, conflict.resolved(how, by, Instant.now()));
        case KEEP_NEWEST -> throw new IllegalStateException("keep_newest picks a side");
      };
    }
  }

  /**
   * keep_newest: the side modified last (local mtime against the server's last-modified); a tie, or no time from the
   * server, keeps both. WebDAV gives whole seconds, so the local time is compared at that resolution too: a local edit
   * made earlier in the same second must not look newer.
   */
  private static ConflictStrategy newer(LocalEntry local, DavEntry remoteEntry) {
    long remoteMtime = mtimeOf(remoteEntry);
    long localMtime = remoteMtime % 1000 == 0 ? local.mtimeMillis() / 1000 * 1000 : local.mtimeMillis();
    if (remoteMtime == 0 || localMtime == remoteMtime) return ConflictStrategy.KEEP_BOTH;
    return localMtime > remoteMtime ? ConflictStrategy.KEEP_LOCAL : ConflictStrategy.KEEP_REMOTE;
  }

  private static String byStrategy(ConflictStrategy how) {
    return "strategy " + how.wireName();
  }

  /**
   * keep_remote: the server's version takes the path; the local one goes to the trash area as a {@code replaced}
   * entry, restorable. A local file that changed again meanwhile is left for the next run.
   */
  private ActionResult replaceLocal(String path, LocalEntry expected, String localSha, Workspace.Staged downloaded,
      String remoteSha, String etag, DavEntry remoteEntry, ConflictRecord resolved) throws IOException {
    if (!sameStat(workspace.stat(path), expected)) return ActionResult.skipped(path);
    String kept = workspace.moveToTrash(path, runId);
    workspace.commit(downloaded, path, mtimeOf(remoteEntry));
    LocalEntry landed = workspace.stat(path);
    log.info("conflict on {}: the server's version kept ({}); the local one is in the trash at {}", path, resolved.strategy().wireName(), kept);
    return ActionResult.conflict(path, resolved, new BaseRecorded(
            new BaseEntry(path, false, remoteEntry.fileId(), etag, landed.size(), landed.mtimeMillis(), remoteSha), Transfer.DOWNLOADED))
        .logging(new TrashEntry(java.util.UUID.randomUUID().toString(), path, expected.size(), localSha, Instant.now(), runId,
            "replaced by the server's version (conflict, " + resolved.strategy().wireName() + ")", TrashEntry.Action.REPLACED, kept));
  }

  /**
   * keep_local: the local version overwrites the server's, guarded by the ETag just downloaded (the server keeps its
   * own versions); a server version that changed again meanwhile is left for the next run.
   */
  private ActionResult overwriteRemote(String path, LocalEntry expected, String localSha, String remoteEtag,
      DavEntry remoteEntry, ConflictRecord resolved) throws IOException {
    if (!sameStat(workspace.stat(path), expected)) return ActionResult.skipped(path);
    Put put = put(path, Optional.ofNullable(remoteEtag), false, null);
    if (put.result() == null) return ActionResult.skipped(path);
    UploadResult result = put.result();
    Identity identity = identityAfterWrite(path, result, remoteEntry.fileId());
    String sent = result.sha256() != null ? result.sha256() : localSha;
    return ActionResult.conflict(path, resolved, new BaseRecorded(new BaseEntry(path, false, identity.fileId, identity.etag,
        expected.size(), expected.mtimeMillis(), sent, result.checksum(), result.etagFromWrite()), Transfer.UPLOADED));
  }

  /**
   * Keep-both: the local file moves to a conflict-copy name, the downloaded remote version takes the original name, and
   * the copy is uploaded as a new file, so both versions end up on both sides.
   *
   * @param resolved the conflict as it ends (its copy path and time are filled in here), or null to record a new one
   */
  private ActionResult keepBothWithDownloaded(String path, Workspace.Staged downloaded, String remoteSha, DownloadResult result,
      DavEntry remoteEntry, BaseEntry base, ConflictRecord resolved, String by) throws IOException {
    LocalEntry local = workspace.stat(path);
    String localSha = local == null ? null : workspace.sha256(path);
    String etag = result.etag() != null ? result.etag() : remoteEntry.etag();
    if (local == null || remoteSha.equals(localSha)) {
      workspace.commit(downloaded, path, mtimeOf(remoteEntry));
      LocalEntry landed = workspace.stat(path);
      return recorded(new BaseEntry(path, false, remoteEntry.fileId(), etag, landed.size(), landed.mtimeMillis(), remoteSha),
          local == null ? Transfer.DOWNLOADED : Transfer.NONE);
    }
    Instant now = Instant.now();
    String copy = ConflictNames.conflictCopy(path, now, candidate -> existsLocally(candidate) || remoteExists(candidate));
    ConflictRecord opened = resolved != null ? resolved : ConflictRecord.open(path,
        base == null ? ConflictType.BOTH_ADDED : ConflictType.BOTH_MODIFIED, ConflictRecord.sideOf(local, localSha),
        ConflictRecord.sideOf(remoteEntry, remoteSha), now, runId);
    ConflictStrategy applied = resolved != null ? resolved.strategy() : ConflictStrategy.KEEP_BOTH;
    ConflictRecord conflict = opened.resolvedWithCopy(copy, applied, by, now);
    sessions.recordBeforeActing(conflict); // a crash after the rename below must not leave a copy nobody was told of
    workspace.renameNoReplace(path, copy);
    workspace.commit(downloaded, path, mtimeOf(remoteEntry));
    LocalEntry landed = workspace.stat(path);
    BaseRecorded remoteVersion = new BaseRecorded(
        new BaseEntry(path, false, remoteEntry.fileId(), etag, landed.size(), landed.mtimeMillis(), remoteSha), Transfer.DOWNLOADED);
    BaseRecorded copyVersion = uploadCopy(copy, localSha);
    return copyVersion == null
        ? ActionResult.conflict(path, conflict, remoteVersion)
        : ActionResult.conflict(path, conflict, remoteVersion, copyVersion);
  }

  /** Uploads a conflict copy as a new file; null when that failed (the copy is safe on disk; the next run uploads it). */
  private BaseRecorded uploadCopy(String copy, String localSha) {
    try (Workspace.Staged source = workspace.stageForUpload(copy)) {
      LocalEntry copyEntry = workspace.stat(copy);
      UploadResult uploaded = await(remote.upload(copy, source.path(), Optional.empty(), true));
      Identity identity = identityAfterWrite(copy, uploaded, null);
      String sent = uploaded.sha256() != null ? uploaded.sha256() : localSha;
      return new BaseRecorded(new BaseEntry(copy, false, identity.fileId, identity.etag, copyEntry.size(),
          copyEntry.mtimeMillis(), sent, uploaded.checksum(), uploaded.etagFromWrite()), Transfer.UPLOADED);
    } catch (DavException | IOException e) {
      log.warn("conflict copy {} not uploaded yet: {}", copy, e.getMessage());
      return null;
    }
  }

  /**
   * A conflict that is not two edited files, or one on record: see {@link SyncAction.SettleConflict}. The sides are
   * what the plan saw; every write re-checks the side it replaces.
   */
  private ActionResult settle(SyncAction.SettleConflict a) throws IOException {
    String path = a.path();
    LocalEntry l = a.local();
    DavEntry r = a.remote();
    ConflictRecord record = a.record();
    ConflictStrategy how = a.strategy();
    boolean byOperator = record != null && record.state() == ConflictState.RESOLVING && how != ConflictStrategy.MANUAL;
    String by = byOperator ? record.resolvedBy() : byStrategy(how);
    if (l == null && r == null) {
      ActionResult gone = forgotten(path, Transfer.NONE);
      return record == null ? gone : gone.withConflict(record.resolved(record.strategy(), ConflictRecord.BY_IDENTICAL_SIDES, Instant.now()));
    }
    if (l != null && r != null) {
      if (l.folder() != r.collection()) {
        return how == ConflictStrategy.MANUAL ? stillOpen(path, record, ConflictType.TYPE_MISMATCH, l, r) : keepBothKinds(path, l, r, record, by);
      }
      if (l.folder()) {
        // Two folders now: nothing to settle. No base is written, so the next run lists the folder and syncs inside.
        return record == null ? ActionResult.skipped(path)
            : ActionResult.conflict(path, record.resolved(record.strategy(), ConflictRecord.BY_IDENTICAL_SIDES, Instant.now()));
      }
      return reconcileBoth(path, l, r, a.base(), how, record);
    }
    ConflictType type = l == null ? ConflictType.DELETED_LOCALLY : ConflictType.DELETED_REMOTELY;
    boolean folderLeft = l != null ? l.folder() : r.collection();
    if (how == ConflictStrategy.MANUAL || folderLeft) return stillOpen(path, record, type, l, r);
    ConflictRecord conflict = record != null ? record : ConflictRecord.open(path, type, ConflictRecord.sideOf(l, l == null ? null : l.sha256()),
        ConflictRecord.sideOf(r, null), Instant.now(), runId);
    if (l == null) {
      if (byOperator && how == ConflictStrategy.KEEP_LOCAL) {
        return ended(deleteRemote(path, baseOf(path, r)), conflict.resolved(how, by, Instant.now()));
      }
      return ended(download(path, r, null), conflict.resolved(how, byOperator ? by : ConflictRecord.BY_KEEPING_THE_MODIFIED_SIDE, Instant.now()));
    }
    if (byOperator && how == ConflictStrategy.KEEP_REMOTE) {
      return ended(trashLocal(path, l, "deleted on the server (conflict resolved keep_remote)"), conflict.resolved(how, by, Instant.now()));
    }
    return ended(upload(path, l, null, null), conflict.resolved(how, byOperator ? by : ConflictRecord.BY_KEEPING_THE_MODIFIED_SIDE, Instant.now()));
  }

  /** The conflict stays open, with the sides as they are now (a new record when there was none). */
  private ActionResult stillOpen(String path, ConflictRecord record, ConflictType type, LocalEntry l, DavEntry r) {
    SideInfo localSide = ConflictRecord.sideOf(l, l == null ? null : l.sha256());
    SideInfo remoteSide = ConflictRecord.sideOf(r, null);
    return ActionResult.conflict(path, record != null ? record.reopened(localSide, remoteSide)
        : ConflictRecord.open(path, type, localSide, remoteSide, Instant.now(), runId));
  }

  /** {@code result} with the conflict it ended, when it did write; a skip or a failure leaves the conflict as it was. */
  private static ActionResult ended(ActionResult result, ConflictRecord resolved) {
    if (result.failure() != null || result.conflict() != null || result.changes().isEmpty()) return result;
    return result.withConflict(resolved);
  }

  /** keep_remote on a deletion conflict: the server's deletion wins, the local file goes to the trash. */
  private ActionResult trashLocal(String path, LocalEntry expected, String reason) throws IOException {
    if (!sameStat(workspace.stat(path), expected)) return ActionResult.skipped(path);
    String sha = workspace.sha256(path);
    String kept = workspace.moveToTrash(path, runId);
    return forgotten(path, Transfer.DELETED_LOCAL).logging(new TrashEntry(java.util.UUID.randomUUID().toString(), path,
        expected.size(), sha, Instant.now(), runId, reason, TrashEntry.Action.TRASHED, kept));
  }

  /**
   * A file against a folder, kept both: the local one moves to a conflict-copy name and goes to the server under it; the
   * server's one takes the path locally. A folder's contents follow on the next run (its base has no ETag, so the
   * walk looks inside).
   */
  private ActionResult keepBothKinds(String path, LocalEntry l, DavEntry r, ConflictRecord record, String by) throws IOException {
    Instant now = Instant.now();
    String copy = ConflictNames.conflictCopy(path, now, candidate -> existsLocally(candidate) || remoteExists(candidate));
    workspace.renameNoReplace(path, copy);
    List<DocumentChange> changes = new ArrayList<>();
    if (r.collection()) {
      workspace.createFolder(path);
      changes.add(new BaseRecorded(BaseEntry.folder(path, r.fileId(), null), Transfer.NONE));
    } else {
      try (Workspace.Staged temp = workspace.newDownload()) {
        DownloadResult result = await(remote.download(path, temp.path(), DownloadOptions.of(r)));
        String sha = temp.sha256();
        workspace.commit(temp, path, mtimeOf(r));
        LocalEntry landed = workspace.stat(path);
        String etag = result.etag() != null ? result.etag() : r.etag();
        changes.add(new BaseRecorded(new BaseEntry(path, false, r.fileId(), etag, landed.size(), landed.mtimeMillis(), sha), Transfer.DOWNLOADED));
      }
    }
    if (l.folder()) {
      await(remote.mkdirs(copy));
      changes.add(new BaseRecorded(BaseEntry.folder(copy, null, null), Transfer.NONE));
    } else {
      BaseRecorded uploaded = uploadCopy(copy, workspace.sha256(copy));
      if (uploaded != null) changes.add(uploaded);
    }
    ConflictRecord conflict = record != null ? record : ConflictRecord.open(path, ConflictType.TYPE_MISMATCH,
        ConflictRecord.sideOf(l, null), ConflictRecord.sideOf(r, null), now, runId);
    return new ActionResult(path, changes, conflict.resolvedWithCopy(copy, ConflictStrategy.KEEP_BOTH, by, now), null);
  }

  /**
   * The local content a download is about to overwrite goes to the trash first, restorable like a deleted file (a
   * server folder restored from an old backup must not wipe the newer local version). Null when the local file already
   * holds the downloaded content: nothing is replaced.
   */
  private TrashEntry keepReplaced(String path, LocalEntry current, String downloadedSha) throws IOException {
    String sha = workspace.sha256(path);
    if (sha.equals(downloadedSha)) return null;
    String kept = workspace.moveToTrash(path, runId);
    log.info("{} replaced by the server's version; the previous content is kept in the trash at {}", path, kept);
    return trashEntry(path, current.size(), sha, "replaced by the server's version", TrashEntry.Action.REPLACED, kept);
  }

  /** The unchanged local copy of a file deleted on the server leaves the workspace as the library's policy says. */
  private ActionResult deleteLocal(String path, BaseEntry base, RemoteDeletionPolicy policy) throws IOException {
    LocalEntry current = unchangedLocal(path, base);
    if (current == null) return workspace.stat(path) == null ? forgotten(path, Transfer.NONE) : ActionResult.skipped(path);
    long size = current.size();
    String sha = base.sha256();
    ActionResult deleted = forgotten(path, Transfer.DELETED_LOCAL);
    return switch (policy) {
      case ARCHIVE -> {
        if (archiveFolder == null) yield ActionResult.failed(path, FailureCode.REFUSED, "policy archive needs an archiveFolder; nothing was moved");
        String kept = workspace.moveToArchive(path, archiveFolder);
        log.info("moved {} to the archive at {}", path, kept);
        yield deleted.logging(trashEntry(path, size, sha, "deleted on the server", TrashEntry.Action.ARCHIVED, kept));
      }
      case DELETE -> {
        workspace.deleteFile(path);
        log.info("deleted {} (deleted on the server; policy delete)", path);
        yield deleted.logging(trashEntry(path, size, sha, "deleted on the server", TrashEntry.Action.DELETED, null));
      }
      default -> {
        String kept = workspace.moveToTrash(path, runId);
        log.info("moved {} to the trash at {}", path, kept);
        yield deleted.logging(trashEntry(path, size, sha, "deleted on the server", TrashEntry.Action.TRASHED, kept));
      }
    };
  }

  /** Policies ignore and orphan: the file stays where it is and the library stops tracking it. */
  private ActionResult keepLocal(String path, BaseEntry base, RemoteDeletionPolicy policy) throws IOException {
    LocalEntry current = unchangedLocal(path, base);
    if (current == null) return workspace.stat(path) == null ? forgotten(path, Transfer.NONE) : ActionResult.skipped(path);
    TrashEntry.Action action = policy == RemoteDeletionPolicy.ORPHAN ? TrashEntry.Action.ORPHANED : TrashEntry.Action.IGNORED;
    return forgotten(path, Transfer.NONE).logging(
        trashEntry(path, current.size(), base.sha256(), "deleted on the server; kept in place, no longer synced", action, null));
  }

  /**
   * Policy conflict: the file stays, untracked like an orphan, and waits for review as a {@code deleted_remotely}
   * conflict ({@link #deletedRemotelyConflict}).
   */
  private ActionResult recordDeletedRemotely(String path, BaseEntry base) throws IOException {
    LocalEntry current = unchangedLocal(path, base);
    if (current == null) return workspace.stat(path) == null ? forgotten(path, Transfer.NONE) : ActionResult.skipped(path);
    TrashEntry entry = trashEntry(path, current.size(), base.sha256(),
        "deleted on the server; kept in place for review (conflict deleted_remotely)", TrashEntry.Action.ORPHANED, null);
    ConflictRecord conflict = deletedRemotelyConflict(path, base, current);
    ActionResult result = conflict == null
        ? forgotten(path, Transfer.NONE)
        : ActionResult.conflict(path, conflict, new BaseForgotten(path, Transfer.NONE));
    return result.logging(entry);
  }

  /** The open {@code deleted_remotely} conflict policy {@code conflict} records for review: the server's side is gone. */
  private ConflictRecord deletedRemotelyConflict(String path, BaseEntry base, LocalEntry current) {
    return ConflictRecord.open(path, ConflictType.DELETED_REMOTELY, ConflictRecord.sideOf(current, base.sha256()),
        ConflictRecord.sideOf((DavEntry) null, null), Instant.now(), runId);
  }

  /** The local file as it is now when it still holds the base's content; null when it is gone or was edited. */
  private LocalEntry unchangedLocal(String path, BaseEntry base) throws IOException {
    LocalEntry current = workspace.stat(path);
    if (current == null) return null;
    if (current.size() != base.size() || current.mtimeMillis() != base.mtimeMillis()) {
      String sha = workspace.sha256(path);
      if (!sha.equals(base.sha256())) return null; // edited meanwhile: the next run uploads it
    }
    return current;
  }

  private TrashEntry trashEntry(String path, long size, String sha, String reason, TrashEntry.Action action, String kept) {
    return new TrashEntry(java.util.UUID.randomUUID().toString(), path, size, sha, Instant.now(), runId, reason, action, kept);
  }

  private ActionResult deleteRemote(String path, BaseEntry base) {
    for (int attempt = 1; ; attempt++) {
      try {
        await(remote.delete(path, Optional.ofNullable(base.etag())));
        return forgotten(path, Transfer.DELETED_REMOTE).logging(trashEntry(path, base.size(), base.sha256(),
            "deleted in the workspace; the server keeps it in its trashbin where it has one", TrashEntry.Action.DELETED, null));
      } catch (DavException e) {
        if (e.error() == DavError.NOT_FOUND) return forgotten(path, Transfer.NONE);
        if (e.error() != DavError.PRECONDITION_FAILED) throw e;
        if (isSpuriousPreconditionFailure(base.etag(), await(remote.stat(path)), attempt)) continue;
        return ActionResult.skipped(path); // changed remotely: the next run downloads it
      }
    }
  }

  /**
   * Apache mod_dav answers a weak ETag for about a second after a write, and a weak ETag never satisfies If-Match: a 412
   * while the resource still carries the base ETag is that, not a change. Wait it out, a few times at most.
   */
  private static boolean isSpuriousPreconditionFailure(String guardEtag, DavEntry now, int attempt) {
    if (guardEtag == null || !guardEtag.equals(now.etag()) || attempt > WEAK_ETAG_RETRIES) return false;
    try {
      Thread.sleep(WEAK_ETAG_WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return true;
  }

  // --- helpers --------------------------------------------------------------------------------------------------

  private record Identity(String etag, String fileId) {}

  /** The ETag and file id of what we just wrote; asked with Depth 0 when the server's answer lacked them (mod_dav). */
  /**
   * The ETag and fileid our write left. An ETag read back under a lock comes with whatever file id the server has
   * (mod_dav: none). An answer with an ETag but no fileid (PROTOCOL.md §9) keeps the fileid the file already had, or
   * none for a new file: the next run lists the folder our write changed and records it (issue 12: no PROPFIND per
   * file). Only an answer without an ETag is followed by a listing.
   */
  private Identity identityAfterWrite(String path, UploadResult result, String knownFileId) {
    if (result.etag() != null) return new Identity(result.etag(), result.fileId() != null ? result.fileId() : knownFileId);
    return identityListed(path, result, await(remote.stat(path)));
  }

  /**
   * What a listing taken after our write says of it. Another writer may have changed the file in between: a listed
   * size other than the one we sent shows that, and then the listed ETag is theirs, not ours. Recording it would hide
   * their version for ever, so the base gets no ETag and the next run compares and takes the newer one.
   */
  private static String fileIdOf(BaseEntry base) {
    return base == null ? null : base.fileId();
  }

  private Identity identityListed(String path, UploadResult result, DavEntry listed) {
    String fileId = result.fileId() != null ? result.fileId() : listed.fileId();
    if (result.etag() != null) return new Identity(result.etag(), fileId);
    if (result.size() >= 0 && listed.size() != result.size()) {
      log.info("{}: {} bytes sent, {} listed right after: another writer was quicker; comparing on the next run",
          path, result.size(), listed.size());
      return new Identity(null, fileId);
    }
    return new Identity(listed.etag(), fileId);
  }

  boolean existsLocally(String path) {
    try {
      return workspace.exists(path);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  boolean remoteExists(String path) {
    try {
      await(remote.stat(path));
      return true;
    } catch (DavException e) {
      if (e.error() == DavError.NOT_FOUND) return false;
      throw e;
    }
  }

  private static BaseEntry baseOf(String path, DavEntry listed) {
    return new BaseEntry(path, false, listed.fileId(), listed.etag(), listed.size(), 0, null);
  }

  /**
   * A file on both sides without a base whose local content has the checksum the server lists: the same file,
   * recorded without a download (issue 12: adopting a tree). Null when it differs or cannot be told; the content
   * comparison then decides.
   */
  private ActionResult adoptedByChecksum(String path, LocalEntry expected, DavEntry remoteEntry) throws IOException {
    String listed = io.ncsync.protocol.Checksums.firstSupported(remoteEntry.checksum());
    if (listed == null || expected.size() != remoteEntry.size()) return null;
    io.ncsync.protocol.Checksums.Digest digest = io.ncsync.protocol.Checksums.digest(io.ncsync.protocol.Checksums.type(listed));
    try (Workspace.Staged staged = workspace.stageForUpload(path);
        java.io.InputStream in = java.nio.file.Files.newInputStream(staged.path())) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) digest.update(akka.util.ByteString.fromArray(buffer, 0, n));
    }
    if (!io.ncsync.protocol.Checksums.equal(digest.result(), listed)) return null;
    LocalEntry current = workspace.stat(path);
    if (!sameStat(current, expected)) return null; // changed while we read it: the comparison decides
    return recorded(new BaseEntry(path, false, remoteEntry.fileId(), remoteEntry.etag(), current.size(),
        current.mtimeMillis(), workspace.sha256(path), listed, false, current.fileKey()), Transfer.NONE);
  }

  private static boolean sameStat(LocalEntry current, LocalEntry expected) {
    if (expected == null) return current == null;
    return current != null && current.size() == expected.size() && current.mtimeMillis() == expected.mtimeMillis();
  }

  /**
   * The server's modification time, when it is believable: after the epoch's first day and not ahead of this machine's
   * clock by more than {@link #CLOCK_SKEW}; else 0, "unknown" (PROTOCOL.md §8, lesson 6): a download then keeps the
   * time it was written, and keep_newest keeps both.
   */
  static long mtimeOf(DavEntry entry) {
    if (entry.lastModified() == null) return 0;
    long mtime = entry.lastModified().toEpochMilli();
    boolean believable = mtime > java.time.Duration.ofDays(1).toMillis()
        && mtime <= System.currentTimeMillis() + CLOCK_SKEW.toMillis();
    return believable ? mtime : 0;
  }

  /** How far ahead of ours a server's clock may run before its modification times are not believed. */
  static final java.time.Duration CLOCK_SKEW = java.time.Duration.ofHours(1);

  /**
   * The base entry, with the identity of the local file it was synced with (a later move is found by it); the
   * transfers that know it already set it, the rarer paths ask the workspace.
   */
  private ActionResult recorded(BaseEntry entry, Transfer transfer) {
    return ActionResult.of(entry.path(), new BaseRecorded(withLocalKey(entry), transfer));
  }

  private BaseEntry withLocalKey(BaseEntry entry) {
    if (entry.folder() || entry.localKey() != null) return entry;
    try {
      LocalEntry now = workspace.stat(entry.path());
      boolean same = now != null && now.fileKey() != null && now.size() == entry.size() && now.mtimeMillis() == entry.mtimeMillis();
      return same ? entry.withLocalKey(now.fileKey()) : entry;
    } catch (IOException e) {
      return entry; // without it, a later move of this file is carried out as a deletion and a transfer
    }
  }

  private static ActionResult forgotten(String path, Transfer transfer) {
    return ActionResult.of(path, new BaseForgotten(path, transfer));
  }

  private static void closeQuietly(Workspace.Staged file) {
    try {
      file.close();
    } catch (IOException e) {
      log.debug("staged upload {} not removed; the next run empties the staging folder", file.path(), e);
    }
  }

  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException runtime) throw runtime;
      throw e;
    }
  }

  private String describe(Exception e) {
    String what = e instanceof java.nio.file.NoSuchFileException ? "no such file: " : e instanceof java.nio.file.AccessDeniedException ? "access denied: " : "";
    return workspace.explain(what + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
  }
}
