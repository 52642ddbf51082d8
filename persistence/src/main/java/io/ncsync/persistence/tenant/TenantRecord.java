package io.ncsync.persistence.tenant;

import io.ncsync.persistence.CborSerializable;
import java.time.Instant;

/** A tenant: its id (used in entity ids and its workspaces folder), its unique name, and when it was created. */
public record TenantRecord(String id, String name, Instant createdAt) implements CborSerializable {
  /** The tenant that holds everything created without one; it always exists and is never deleted. */
  public static final String DEFAULT_ID = "default";

  public static TenantRecord defaultTenant() {
    return new TenantRecord(DEFAULT_ID, DEFAULT_ID, Instant.EPOCH);
  }
}
