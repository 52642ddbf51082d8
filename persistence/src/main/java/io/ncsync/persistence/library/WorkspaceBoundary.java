package io.ncsync.persistence.library;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import io.ncsync.persistence.tenant.TenantRecord;
import io.ncsync.persistence.tenant.TenantWorkspaces;

/**
 * The folder no library may leave: the daemon's workspaces root. The admin API validates a library's folder before it
 * creates the library, but the entity checks again itself, because anything that reaches it (another node, a tool on
 * the cluster port) could otherwise have it sync into any folder the daemon can write.
 *
 * <p>A local root is inside when it is absolute, has no {@code ..} segment, names a folder strictly below the root,
 * and the part of it that exists resolves (symbolic links followed) to a folder strictly below the root's real path.
 */
public record WorkspaceBoundary(Path realRoot, Path reserved) {

  /** @param root the workspaces root; resolved to its real path here when it exists */
  public static WorkspaceBoundary of(Path root) {
    Path normalized = root.toAbsolutePath().normalize();
    return new WorkspaceBoundary(realOfExistingPart(normalized).orElse(normalized), null);
  }

  /** The boundary of one tenant's libraries ({@link TenantWorkspaces}). */
  public static WorkspaceBoundary ofTenant(Path workspacesRoot, String tenantId) {
    WorkspaceBoundary tenantRoot = of(TenantWorkspaces.root(workspacesRoot, tenantId));
    if (!TenantRecord.DEFAULT_ID.equals(tenantId)) return tenantRoot;
    return new WorkspaceBoundary(tenantRoot.realRoot(), tenantRoot.realRoot().resolve(TenantWorkspaces.TENANTS_FOLDER));
  }

  /** Why {@code localRoot} may not be a library's folder, or empty when it may. */
  public Optional<String> refusal(String localRoot) {
    if (localRoot == null || localRoot.isBlank()) return Optional.of("the library has no local folder");
    Path path;
    try {
      path = Path.of(localRoot);
    } catch (InvalidPathException e) {
      return Optional.of("the local folder '" + localRoot + "' is not a valid path: " + e.getReason());
    }
    if (!path.isAbsolute()) return Optional.of("the local folder '" + localRoot + "' is not an absolute path");
    for (Path segment : path) {
      if (segment.toString().equals("..")) {
        return Optional.of("the local folder '" + localRoot + "' contains '..'; name it without");
      }
    }
    String outside = "the local folder '" + localRoot + "' is not inside the workspaces root " + realRoot;
    Path normalized = path.normalize();
    if (!strictlyInside(normalized)) return Optional.of(outside);
    Optional<Path> resolved = realOfExistingPart(normalized);
    if (resolved.isEmpty()) {
      return Optional.of("the local folder '" + localRoot + "' cannot be resolved: a broken symbolic link or an "
          + "unreadable folder is on its way");
    }
    Path real = resolved.get();
    if (!strictlyInside(real)) {
      return Optional.of(outside + ": it leads to " + real + " through a symbolic link");
    }
    if (reserved != null && (normalized.startsWith(reserved) || real.startsWith(reserved))) {
      return Optional.of("the local folder '" + localRoot + "' lies in " + reserved + ", which holds other tenants' "
          + "folders");
    }
    return Optional.empty();
  }

  private boolean strictlyInside(Path path) {
    return path.startsWith(realRoot) && !path.equals(realRoot);
  }

  /**
   * The real path of the longest existing prefix of {@code path}, with the rest appended: what the folder will be
   * once created; empty when that prefix cannot be resolved (a dangling link, a folder we may not read).
   */
  private static Optional<Path> realOfExistingPart(Path path) {
    Path existing = path;
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) existing = existing.getParent();
    if (existing == null) return Optional.of(path);
    try {
      return Optional.of(existing.toRealPath().resolve(existing.relativize(path)).normalize());
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
