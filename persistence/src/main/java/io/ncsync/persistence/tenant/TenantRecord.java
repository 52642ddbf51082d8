package io.ncsync.persistence.tenant;

import io.ncsync.persistence.CborSerializable;
import java.time.Instant;

/**
 * A tenant: its id (used in entity ids and its workspaces folder), its unique name, and when it was created.
 *
 * @param remoteBaseFolder where its libraries created without a remotePath get their remote folder; null for the
 *                         daemon's default
 */
public record TenantRecord(String id, String name, Instant createdAt, String remoteBaseFolder)
    implements CborSerializable {

  public TenantRecord(String id, String name, Instant createdAt) {
    this(id, name, createdAt, null);
  }

  public TenantRecord withName(String newName) {
    return new TenantRecord(id, newName, createdAt, remoteBaseFolder);
  }

  public TenantRecord withRemoteBaseFolder(String folder) {
    return new TenantRecord(id, name, createdAt, folder);
  }

  /** The tenant that holds everything created without one; it always exists and is never deleted. */
  public static final String DEFAULT_ID = "default";

  public static TenantRecord defaultTenant() {
    return new TenantRecord(DEFAULT_ID, DEFAULT_ID, Instant.EPOCH);
  }
}
