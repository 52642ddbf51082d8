package io.ncsync.persistence.tenant;

import io.ncsync.persistence.CborSerializable;
import java.time.Instant;

/**
 * An API token of a tenant. Only a hash of the secret is kept: the secret itself is shown once, when it is issued.
 *
 * @param secretSha256 the SHA-256 of the whole token as presented, hex
 */
public record TokenRecord(String id, String tenantId, String name, Role role, String secretSha256, Instant createdAt)
    implements CborSerializable {

  /** Never prints the hash. */
  @Override
  public String toString() {
    return "TokenRecord[id=" + id + ", tenantId=" + tenantId + ", name=" + name + ", role=" + role + "]";
  }
}
