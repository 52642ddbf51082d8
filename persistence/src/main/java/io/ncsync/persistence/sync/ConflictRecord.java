package io.ncsync.persistence.sync;

import io.ncsync.persistence.CborSerializable;
import io.ncsync.protocol.DavEntry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A conflict, open or ended: visible through the API with both sides' metadata, the strategy applied (or pending) and
 * who ended it, when.
 *
 * @param conflictCopyPath where the local version was kept (keep-both), or null when nothing was written
 * @param local      the local side when recorded, or null when there was none (deleted here)
 * @param remote     the server's side when recorded, or null when there was none (deleted on the server)
 * @param id         stable handle of {@code POST /api/v1/conflicts/{id}/resolve}; records from before ids existed get
 *                   one derived from path, run and time, so it stays the same on every replay
 * @param strategy   the strategy applied, or pending ({@code manual} while open, the operator's choice while resolving)
 * @param state      open, resolving or resolved
 * @param resolvedBy who or what ended it ("strategy keep_both", "operator", "both sides became identical", …), or null
 * @param resolvedAt when it ended, or null
 */
public record ConflictRecord(
    String path,
    ConflictType type,
    String conflictCopyPath,
    SideInfo local,
    SideInfo remote,
    Instant detectedAt,
    String runId,
    String id,
    ConflictStrategy strategy,
    ConflictState state,
    String resolvedBy,
    Instant resolvedAt)
    implements CborSerializable {

  public static final String BY_OPERATOR = "operator";
  public static final String BY_IDENTICAL_SIDES = "both sides became identical";
  public static final String BY_KEEPING_THE_MODIFIED_SIDE = "kept the modified side (an edit never loses to a deletion)";

  /**
   * Journals from before the conflict life cycle recorded every conflict as open: those with a conflict copy were in
   * fact settled by keep-both, the others (one-way modes, type mismatches) wait for the operator.
   */
  public ConflictRecord {
    if (id == null) {
      id = UUID.nameUUIDFromBytes((path + "|" + runId + "|" + detectedAt).getBytes(StandardCharsets.UTF_8)).toString();
    }
    if (state == null) {
      boolean keptBoth = conflictCopyPath != null;
      state = keptBoth ? ConflictState.RESOLVED : ConflictState.OPEN;
      if (strategy == null) strategy = keptBoth ? ConflictStrategy.KEEP_BOTH : ConflictStrategy.MANUAL;
      if (keptBoth && resolvedBy == null) resolvedBy = "strategy " + ConflictStrategy.KEEP_BOTH.wireName();
      if (keptBoth && resolvedAt == null) resolvedAt = detectedAt;
    }
    if (strategy == null) strategy = ConflictStrategy.MANUAL;
  }

  /** A new open conflict, with a fresh id. */
  public static ConflictRecord open(String path, ConflictType type, SideInfo local, SideInfo remote, Instant at,
      String runId) {
    return new ConflictRecord(path, type, null, local, remote, at, runId, UUID.randomUUID().toString(),
        ConflictStrategy.MANUAL, ConflictState.OPEN, null, null);
  }

  /** The record as it was before the conflict life cycle (no id, no state): see the compact constructor. */
  public ConflictRecord(String path, ConflictType type, String conflictCopyPath, SideInfo local, SideInfo remote,
      Instant detectedAt, String runId) {
    this(path, type, conflictCopyPath, local, remote, detectedAt, runId, null, null, null, null, null);
  }

  public boolean isResolved() {
    return state == ConflictState.RESOLVED;
  }

  public boolean isOpen() {
    return state == ConflictState.OPEN;
  }

  /** Ended by {@code how}: {@code by} names who or what. */
  public ConflictRecord resolved(ConflictStrategy how, String by, Instant at) {
    return new ConflictRecord(path, type, conflictCopyPath, local, remote, detectedAt, runId, id, how,
        ConflictState.RESOLVED, by, at);
  }

  /** Ended with a conflict copy at {@code copy}. */
  public ConflictRecord resolvedWithCopy(String copy, ConflictStrategy how, String by, Instant at) {
    return new ConflictRecord(path, type, copy, local, remote, detectedAt, runId, id, how, ConflictState.RESOLVED, by, at);
  }

  /** The operator chose {@code how}; the next run carries it out. */
  public ConflictRecord requested(ConflictStrategy how, String by) {
    return new ConflictRecord(path, type, conflictCopyPath, local, remote, detectedAt, runId, id, how,
        ConflictState.RESOLVING, by, null);
  }

  /** Still open, with the sides as they are now (a pending request is dropped: it was made for the old sides). */
  public ConflictRecord reopened(SideInfo nowLocal, SideInfo nowRemote) {
    return new ConflictRecord(path, type, conflictCopyPath, nowLocal, nowRemote, detectedAt, runId, id,
        ConflictStrategy.MANUAL, ConflictState.OPEN, null, null);
  }

  /**
   * Whether the sides are still those recorded: locally the same presence, kind, size and mtime; remotely the same
   * presence and ETag. Anything else means someone changed a side since, and a choice made on the record is stale.
   */
  public boolean sidesMatch(LocalEntry nowLocal, DavEntry nowRemote) {
    return localMatches(nowLocal) && remoteMatches(nowRemote);
  }

  private boolean localMatches(LocalEntry now) {
    if (local == null || now == null) return local == null && now == null;
    if (now.folder()) return local.size() < 0;
    return local.size() == now.size() && local.mtimeMillis() == now.mtimeMillis();
  }

  private boolean remoteMatches(DavEntry now) {
    if (remote == null || now == null) return remote == null && now == null;
    return Objects.equals(remote.etag(), now.etag());
  }

  /** The side as the API and the record keep it: a folder has size -1. */
  public static SideInfo sideOf(LocalEntry entry, String sha256) {
    if (entry == null) return null;
    return new SideInfo(entry.folder() ? -1 : entry.size(), entry.mtimeMillis(), null, entry.folder() ? null : sha256);
  }

  public static SideInfo sideOf(DavEntry entry, String sha256) {
    if (entry == null) return null;
    long mtime = entry.lastModified() == null ? 0 : entry.lastModified().toEpochMilli();
    return new SideInfo(entry.collection() ? -1 : entry.size(), mtime, entry.etag(), sha256);
  }
}
