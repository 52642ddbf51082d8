package io.ncsync.persistence.tenant;

import java.util.regex.Pattern;

/**
 * Tenant ids name a folder and prefix entity ids ({@code <tenant>:<library>}), so they are kept to lower-case letters,
 * digits and hyphens: {@code default}, or the UUIDs the API gives new tenants.
 */
public final class TenantIds {
  private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  private TenantIds() {}

  public static boolean valid(String id) {
    return id != null && VALID.matcher(id).matches();
  }

  /** The tenant of an entity id {@code <tenant>:<rest>}. */
  public static String ofEntityId(String entityId) {
    int colon = entityId.indexOf(':');
    if (colon <= 0) throw new IllegalArgumentException("not a tenant-scoped entity id: '" + entityId + "'");
    return entityId.substring(0, colon);
  }
}
