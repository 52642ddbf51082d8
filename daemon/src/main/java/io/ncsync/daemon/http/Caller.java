package io.ncsync.daemon.http;

import io.ncsync.persistence.tenant.Role;
import io.ncsync.persistence.tenant.TenantRecord;

/**
 * Who is asking: the tenant the request acts for, the role of its token, and the token's id ({@value #BOOTSTRAP} for
 * the admin token of the data dir or {@code NCSYNC_ADMIN_TOKEN}). A system token acts for the tenant named in
 * {@code X-Ncsync-Tenant}, else for {@code default}.
 */
public record Caller(String tenantId, Role role, String tokenId) {
  public static final String BOOTSTRAP = "bootstrap";

  public static Caller bootstrap() {
    return new Caller(TenantRecord.DEFAULT_ID, Role.SYSTEM, BOOTSTRAP);
  }

  public boolean may(Role needed) {
    return role.includes(needed);
  }

  Caller actingFor(String otherTenantId) {
    return new Caller(otherTenantId, role, tokenId);
  }
}
