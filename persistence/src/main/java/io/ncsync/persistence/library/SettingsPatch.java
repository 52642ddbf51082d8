package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;
import io.ncsync.persistence.sync.ConflictStrategy;
import io.ncsync.persistence.sync.LocalDeletions;
import io.ncsync.persistence.sync.RemoteDeletionPolicy;
import io.ncsync.persistence.sync.SyncFilters;
import io.ncsync.persistence.sync.SyncMode;
import java.time.Duration;

/**
 * A change of a library's mode and settings: null fields keep their value. {@code filters} replaces the filters as a
 * whole.
 */
public record SettingsPatch(
    SyncMode mode,
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

  public SettingsPatch(SyncMode mode, ConflictStrategy conflictStrategy, RemoteDeletionPolicy remoteDeletionPolicy,
      LocalDeletions localDeletions, SyncFilters filters, Boolean enabled, Integer deletionGuardPercent,
      Duration syncInterval, String archiveFolder, Boolean verifyOnAdopt) {
    this(mode, conflictStrategy, remoteDeletionPolicy, localDeletions, filters, enabled, deletionGuardPercent,
        syncInterval, archiveFolder, verifyOnAdopt, null, null, null);
  }

  public SettingsPatch(SyncMode mode, ConflictStrategy conflictStrategy, RemoteDeletionPolicy remoteDeletionPolicy,
      LocalDeletions localDeletions, SyncFilters filters, Boolean enabled, Integer deletionGuardPercent,
      Duration syncInterval, String archiveFolder) {
    this(mode, conflictStrategy, remoteDeletionPolicy, localDeletions, filters, enabled, deletionGuardPercent,
        syncInterval, archiveFolder, null);
  }

  /** The configuration with this patch applied; fails naming the field when the result is not a valid setting. */
  public LibraryConfig applyTo(LibraryConfig config) {
    LibrarySettings s = config.settings();
    LibrarySettings next = new LibrarySettings(
        or(conflictStrategy, s.conflictStrategy()),
        or(remoteDeletionPolicy, s.remoteDeletionPolicy()),
        or(localDeletions, s.localDeletions()),
        or(filters, s.filters()),
        or(enabled, s.enabled()),
        or(deletionGuardPercent, s.deletionGuardPercent()),
        or(syncInterval, s.syncInterval()),
        or(archiveFolder, s.archiveFolder()),
        or(verifyOnAdopt, s.verifyOnAdopt()),
        or(fullSyncInterval, s.fullSyncInterval()),
        or(cleanupInterval, s.cleanupInterval()),
        or(retryInterval, s.retryInterval()));
    return config.with(or(mode, config.mode()), next);
  }

  private static <T> T or(T value, T current) {
    return value != null ? value : current;
  }
}
