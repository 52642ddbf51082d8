package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;
import io.ncsync.persistence.sync.ConflictStrategy;
import io.ncsync.persistence.sync.LocalDeletions;
import io.ncsync.persistence.sync.RemoteDeletionPolicy;
import io.ncsync.persistence.sync.SyncFilters;
import java.time.Duration;

/**
 * How a library decides, besides its mode: changeable at run time ({@code PATCH /api/v1/libraries/{id}}), applied from
 * the next run. A field missing from an older journal takes its default.
 *
 * @param conflictStrategy     how conflicts end (default keep_both)
 * @param remoteDeletionPolicy what a deletion on the server does to the local copy (default trash)
 * @param localDeletions       whether local deletions reach the server (default propagate)
 * @param filters              which files are synced (default all)
 * @param enabled              false: the library does not sync, neither periodically nor on request
 * @param deletionGuardPercent a run that would delete more than this share of the library's files on either side
 *                             deletes nothing and waits for the operator (default 50)
 * @param syncInterval         between periodic runs; null for the daemon's {@code ncsync.sync.interval}, zero for none
 * @param archiveFolder        where the {@code archive} policy keeps files (absolute), or null
 * @param verifyOnAdopt        adopting files present on both sides compares their content, not size and mtime
 * @param fullSyncInterval     between full syncs (no ETag pruning, no change feed, local content verified against the
 *                             base); null for the daemon's {@code ncsync.sync.full-sync-interval}, zero for none
 * @param cleanupInterval      between cleanups (stale run, expired locks, trash past its retention, abandoned upload
 *                             folders); null for the daemon's {@code ncsync.sync.cleanup-interval}
 * @param retryInterval        the first wait of a failed document's back-off (doubling from there); null for the
 *                             daemon's {@code ncsync.sync.document-retry.first}
 */
public record LibrarySettings(
    ConflictStrategy conflictStrategy,
    RemoteDeletionPolicy remoteDeletionPolicy,
    LocalDeletions localDeletions,
    SyncFilters filters,
    Boolean enabled,
    Integer deletionGuardPercent,
    Duration syncInterval,
    String archiveFolder,
    Boolean verifyOnAdopt,
    Duration fullSyncInterval,
    Duration cleanupInterval,
    Duration retryInterval)
    implements CborSerializable {

  public LibrarySettings(ConflictStrategy conflictStrategy, RemoteDeletionPolicy remoteDeletionPolicy,
      LocalDeletions localDeletions, SyncFilters filters, Boolean enabled, Integer deletionGuardPercent,
      Duration syncInterval, String archiveFolder) {
    this(conflictStrategy, remoteDeletionPolicy, localDeletions, filters, enabled, deletionGuardPercent, syncInterval,
        archiveFolder, null, null, null, null);
  }

  public static final int DEFAULT_GUARD_PERCENT = 50;
  public static final LibrarySettings DEFAULTS = new LibrarySettings(null, null, null, null, null, null, null, null);

  public LibrarySettings {
    conflictStrategy = conflictStrategy == null ? ConflictStrategy.KEEP_BOTH : conflictStrategy;
    remoteDeletionPolicy = remoteDeletionPolicy == null ? RemoteDeletionPolicy.TRASH : remoteDeletionPolicy;
    localDeletions = localDeletions == null ? LocalDeletions.PROPAGATE : localDeletions;
    filters = filters == null ? SyncFilters.NONE : filters;
    enabled = enabled == null ? Boolean.TRUE : enabled;
    deletionGuardPercent = deletionGuardPercent == null ? DEFAULT_GUARD_PERCENT : deletionGuardPercent;
    verifyOnAdopt = verifyOnAdopt == null ? Boolean.FALSE : verifyOnAdopt;
    if (deletionGuardPercent < 1 || deletionGuardPercent > 100) {
      throw new IllegalArgumentException("deletionGuardPercent must be between 1 and 100, got " + deletionGuardPercent);
    }
    if (syncInterval != null && syncInterval.isNegative()) throw new IllegalArgumentException("syncInterval must not be negative");
    if (fullSyncInterval != null && fullSyncInterval.isNegative()) {
      throw new IllegalArgumentException("fullSyncInterval must not be negative");
    }
    if (cleanupInterval != null && (cleanupInterval.isNegative() || cleanupInterval.isZero())) {
      throw new IllegalArgumentException("cleanupInterval must be positive");
    }
    if (retryInterval != null && (retryInterval.isNegative() || retryInterval.isZero())) {
      throw new IllegalArgumentException("retryInterval must be positive");
    }
    if (remoteDeletionPolicy == RemoteDeletionPolicy.ARCHIVE && (archiveFolder == null || archiveFolder.isBlank())) {
      throw new IllegalArgumentException("remoteDeletionPolicy 'archive' needs an archiveFolder");
    }
  }

  public boolean isEnabled() {
    return enabled;
  }
}
