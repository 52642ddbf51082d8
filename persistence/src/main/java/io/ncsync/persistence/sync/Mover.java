package io.ncsync.persistence.sync;

import static io.ncsync.persistence.sync.Propagator.await;

import io.ncsync.persistence.sync.DocumentChange.BaseForgotten;
import io.ncsync.persistence.sync.DocumentChange.BaseMoved;
import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.RemotePaths;
import io.ncsync.protocol.RemoteStore;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the steps of the {@link SyncAction.Phase#MOVES} phase, blocking. A move never replaces anything (MOVE with
 * Overwrite: F, a rename that refuses an existing name): a step that cannot be done fails and leaves both trees as they
 * were, and the library then attempts nothing planned below its destination in this run.
 */
final class Mover {
  private static final Logger log = LoggerFactory.getLogger(Mover.class);

  private final Propagator transfers;
  private final Workspace workspace;
  private final RemoteStore remote;
  private final String runId;

  Mover(Propagator transfers, Workspace workspace, RemoteStore remote, String runId) {
    this.transfers = transfers;
    this.workspace = workspace;
    this.remote = remote;
    this.runId = runId;
  }

  ActionResult execute(SyncAction.MoveStep step) throws IOException {
    if (step instanceof SyncAction.MoveRemote m) return moveRemote(m);
    if (step instanceof SyncAction.MoveLocal m) return moveLocal(m);
    if (step instanceof SyncAction.RecordMove m) return ActionResult.of(m.path(), new BaseMoved(m.baseFrom(), m.to()));
    if (step instanceof SyncAction.SeparateTypes t) return t.fileIsLocal() ? separateLocalFile(t) : separateRemoteFile(t);
    throw new IllegalArgumentException("unknown move step " + step);
  }

  private ActionResult moveRemote(SyncAction.MoveRemote m) {
    String what = "moving '" + RemotePaths.printable(m.from()) + "' to '" + RemotePaths.printable(m.to()) + "' on the server";
    if (transfers.remoteExists(m.to())) return ActionResult.failed(m.path(), FailureCode.CHANGED_MEANWHILE, what + ": the destination exists there already");
    try {
      String parent = RemotePaths.parent(m.to());
      if (!parent.isEmpty()) await(remote.mkdirs(parent));
      await(remote.move(m.from(), m.to(), false));
    } catch (DavException e) {
      if (e.error() == DavError.PRECONDITION_FAILED) return ActionResult.failed(m.path(), FailureCode.CHANGED_MEANWHILE, what + ": the destination appeared meanwhile");
      if (e.error() == DavError.NOT_FOUND) return ActionResult.failed(m.path(), FailureCode.CHANGED_MEANWHILE, what + ": it is no longer there");
      throw e;
    }
    log.info("moved {} to {} on the server", m.from(), m.to());
    return moved(m.path(), m.baseFrom(), m.to(), m.bothMoved(), false);
  }

  private ActionResult moveLocal(SyncAction.MoveLocal m) throws IOException {
    String what = "moving '" + RemotePaths.printable(m.from()) + "' to '" + RemotePaths.printable(m.to()) + "' in the workspace";
    try {
      workspace.renameNoReplace(m.from(), m.to());
    } catch (FileAlreadyExistsException e) {
      return ActionResult.failed(m.path(), FailureCode.CHANGED_MEANWHILE, what + ": the destination exists there already");
    } catch (NoSuchFileException e) {
      return ActionResult.failed(m.path(), FailureCode.CHANGED_MEANWHILE, what + ": it is no longer there");
    }
    log.info("moved {} to {} in the workspace", m.from(), m.to());
    return moved(m.path(), m.baseFrom(), m.to(), m.bothMoved(), true);
  }

  /** A move both sides made to different places is a conflict the user should hear of: which one was kept. */
  private ActionResult moved(String path, String baseFrom, String to, boolean bothMoved, boolean serversKept) {
    BaseMoved change = new BaseMoved(baseFrom, to);
    if (!bothMoved) return ActionResult.of(path, change);
    String kept = serversKept ? "the server's" : "the workspace's";
    log.info("'{}' was moved differently on both sides; {} move to '{}' was kept", baseFrom, kept, to);
    SideInfo unknown = new SideInfo(-1, 0, null, null);
    Instant now = Instant.now();
    // Already ended (one move was carried out): recorded resolved, so it tells the user without blocking the path.
    ConflictStrategy how = serversKept ? ConflictStrategy.KEEP_REMOTE : ConflictStrategy.KEEP_LOCAL;
    ConflictRecord conflict = ConflictRecord.open(to, ConflictType.BOTH_MOVED, unknown, unknown, now, runId)
        .resolved(how, "kept " + kept + " move", now);
    return ActionResult.conflict(path, conflict, change);
  }

  /** The local file steps aside to a conflict-copy name and is uploaded under it; the remote folder takes the name. */
  private ActionResult separateLocalFile(SyncAction.SeparateTypes t) throws IOException {
    if (workspace.stat(t.path()) == null) return ActionResult.skipped(t.path()); // changed meanwhile: the next run sees it
    String copy = copyName(t.path());
    workspace.renameNoReplace(t.path(), copy);
    List<DocumentChange> changes = forgetBase(t);
    LocalEntry aside = workspace.stat(copy);
    changes.addAll(settledCopy(copy, () -> transfers.upload(copy, aside, null, null)));
    return ActionResult.conflict(t.path(), conflict(t, copy), changes.toArray(DocumentChange[]::new));
  }

  /** The remote file steps aside (one MOVE) and is downloaded under its new name; the local folder takes the name. */
  private ActionResult separateRemoteFile(SyncAction.SeparateTypes t) throws IOException {
    DavEntry now = await(remote.stat(t.path()));
    if (now.collection()) return ActionResult.skipped(t.path());
    String copy = copyName(t.path());
    await(remote.move(t.path(), copy, false));
    List<DocumentChange> changes = forgetBase(t);
    changes.addAll(settledCopy(copy, () -> transfers.download(copy, await(remote.stat(copy)), null)));
    return ActionResult.conflict(t.path(), conflict(t, copy), changes.toArray(DocumentChange[]::new));
  }

  private String copyName(String path) {
    return ConflictNames.conflictCopy(path, Instant.now(), c -> transfers.existsLocally(c) || transfers.remoteExists(c));
  }

  private static List<DocumentChange> forgetBase(SyncAction.SeparateTypes t) {
    List<DocumentChange> changes = new ArrayList<>();
    if (t.base() != null) changes.add(new BaseForgotten(t.path(), Transfer.NONE));
    return changes;
  }

  /** The copy's transfer, when it went through; else it waits on its side and the next run copies it as a new file. */
  private static List<DocumentChange> settledCopy(String copy, CopyTransfer transfer) {
    try {
      ActionResult result = transfer.run();
      if (result.failure() != null) log.warn("conflict copy {} not copied over yet: {}", copy, result.failure());
      return result.changes();
    } catch (IOException | RuntimeException e) {
      log.warn("conflict copy {} not copied over yet: {}", copy, e.getMessage());
      return List.of();
    }
  }

  @FunctionalInterface
  private interface CopyTransfer {
    ActionResult run() throws IOException;
  }

  private ConflictRecord conflict(SyncAction.SeparateTypes t, String copy) {
    LocalEntry l = t.local();
    DavEntry r = t.remote();
    return new ConflictRecord(t.path(), ConflictType.TYPE_MISMATCH, copy,
        new SideInfo(l.folder() ? -1 : l.size(), l.mtimeMillis(), null, l.sha256()),
        new SideInfo(r.collection() ? -1 : r.size(), Propagator.mtimeOf(r), r.etag(), null), Instant.now(), runId);
  }
}
