package io.ncsync.protocol.nextcloud;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What {@code status.php} says about a server (no login needed).
 *
 * @param installed       the instance is set up
 * @param maintenance     maintenance mode: DAV and OCS answer 503 until it ends
 * @param needsDbUpgrade  an upgrade is pending: DAV answers 503 until an admin runs it
 * @param version         e.g. "30.0.1.2"
 * @param versionString   e.g. "30.0.1"
 * @param edition         e.g. "" or "enterprise"
 * @param productName     e.g. "Nextcloud"
 * @param extendedSupport the instance has an extended support subscription
 */
public record ServerStatus(
    boolean installed,
    boolean maintenance,
    boolean needsDbUpgrade,
    String version,
    String versionString,
    String edition,
    String productName,
    boolean extendedSupport) {

  /** Reads status.php's JSON; null when it is not that shape (no {@code installed} and no {@code version}). */
  public static ServerStatus parse(JsonNode json) {
    if (json == null || !json.isObject() || !(json.has("installed") || json.has("version"))) return null;
    return new ServerStatus(
        bool(json.path("installed")),
        bool(json.path("maintenance")),
        bool(json.path("needsDbUpgrade")),
        json.path("version").asText(""),
        json.path("versionstring").asText(""),
        json.path("edition").asText(""),
        json.path("productname").asText(""),
        bool(json.path("extendedSupport")));
  }

  /** True when DAV requests can be served now. */
  public boolean usable() {
    return installed && !maintenance && !needsDbUpgrade;
  }

  /** Booleans arrive as true/false, and on some versions as "true"/"false" or 0/1. */
  private static boolean bool(JsonNode node) {
    if (node.isBoolean()) return node.asBoolean();
    if (node.isNumber()) return node.asInt() != 0;
    return "true".equalsIgnoreCase(node.asText(""));
  }
}
