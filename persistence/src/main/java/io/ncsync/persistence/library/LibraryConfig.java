package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;
import io.ncsync.persistence.sync.SyncMode;
import java.time.Instant;

/**
 * What a library is: which workspace folder mirrors which remote folder of which connection, and how.
 *
 * @param localRoot  absolute path of the workspace folder (already validated to lie under the workspaces root)
 * @param remotePath folder path relative to the connection's root, no leading or trailing slash ("" = the root)
 * @param settings   how it decides besides the mode; never null (an older journal's config gets the defaults)
 */
public record LibraryConfig(
    String tenantId,
    String libraryId,
    String name,
    String connectionId,
    String localRoot,
    String remotePath,
    SyncMode mode,
    Instant createdAt,
    LibrarySettings settings)
    implements CborSerializable {

  public LibraryConfig {
    settings = settings == null ? LibrarySettings.DEFAULTS : settings;
  }

  public LibraryConfig(String tenantId, String libraryId, String name, String connectionId, String localRoot,
      String remotePath, SyncMode mode, Instant createdAt) {
    this(tenantId, libraryId, name, connectionId, localRoot, remotePath, mode, createdAt, LibrarySettings.DEFAULTS);
  }

  public LibraryConfig with(SyncMode newMode, LibrarySettings newSettings) {
    return new LibraryConfig(tenantId, libraryId, name, connectionId, localRoot, remotePath, newMode, createdAt, newSettings);
  }
}
