package io.ncsync.persistence.tenant;

import java.nio.file.Path;

/**
 * Where each tenant's libraries may keep their files: the tenant {@code default} (everything created before tenants
 * existed) has the workspaces root itself, less the {@value #TENANTS_FOLDER} folder, which holds one folder per other
 * tenant. So no library of one tenant can ever lie in another's folder, and existing libraries stay where they are.
 */
public final class TenantWorkspaces {
  /** The folder under the workspaces root holding the other tenants' roots; no default library may use it. */
  public static final String TENANTS_FOLDER = "tenants";

  private TenantWorkspaces() {}

  /** The folder the libraries of {@code tenantId} must lie in. */
  public static Path root(Path workspacesRoot, String tenantId) {
    if (TenantRecord.DEFAULT_ID.equals(tenantId)) return workspacesRoot;
    if (!TenantIds.valid(tenantId)) throw new IllegalArgumentException("not a tenant id: '" + tenantId + "'");
    return workspacesRoot.resolve(TENANTS_FOLDER).resolve(tenantId);
  }

  /** Whether {@code localRoot} of a library of the default tenant lies in the folder reserved for other tenants. */
  public static boolean inOtherTenantsFolder(Path workspacesRoot, Path localRoot) {
    return localRoot.normalize().startsWith(workspacesRoot.resolve(TENANTS_FOLDER));
  }
}
