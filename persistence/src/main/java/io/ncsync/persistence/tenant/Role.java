package io.ncsync.persistence.tenant;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What an API token may do, each role including the ones before it: a {@code viewer} reads everything of its tenant;
 * a {@code manager} also configures connections and libraries, syncs, resolves conflicts and restores trash; an
 * {@code admin} also deletes and manages its tenant's tokens; {@code system} manages tenants and may act on any.
 */
public enum Role {
  VIEWER,
  MANAGER,
  ADMIN,
  SYSTEM;

  /** Whether a token of this role may do what needs {@code needed}. */
  public boolean includes(Role needed) {
    return ordinal() >= needed.ordinal();
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role of a wire name, or null when there is none. */
  public static Role fromWire(String wire) {
    if (wire == null) return null;
    return Arrays.stream(values()).filter(r -> r.wireName().equals(wire)).findFirst().orElse(null);
  }

  /** "viewer, manager, admin, system": for error messages. */
  public static String wireNames() {
    return Arrays.stream(values()).map(Role::wireName).collect(Collectors.joining(", "));
  }
}
