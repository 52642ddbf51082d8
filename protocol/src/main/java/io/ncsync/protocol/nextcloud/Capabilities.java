package io.ncsync.protocol.nextcloud;

import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.protocol.ForbiddenNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The feature flags of a Nextcloud server, read from OCS {@code cloud/capabilities}. Absent capabilities read as off;
 * numbers the server does not publish read as 0.
 *
 * @param version               server version
 * @param chunkingV2            {@code dav.chunking} ≥ 1.0 and {@code files.bigfilechunking} not false
 * @param chunkingVersion       {@code dav.chunking} as published, or null
 * @param bulkUpload            {@code dav.bulkupload} ≥ 1.0
 * @param versioning            {@code files.versioning}
 * @param versionLabeling       {@code files.version_labeling}
 * @param versionDeletion       {@code files.version_deletion}
 * @param trashbin              {@code files.undelete}
 * @param activity              the activity app's {@code activity.apiv2}
 * @param filesLocking          {@code files.locking} (files_lock app), with {@code filesLockingVersion}
 * @param filesLockingVersion   e.g. "1.0", or null
 * @param checksumTypes         {@code checksums.supportedTypes}, upper case; empty when unpublished
 * @param preferredChecksumType {@code checksums.preferredUploadType}, upper case, or null
 * @param forbiddenNames        {@code files.forbidden_filenames} and {@code files.blacklisted_files}, lower case
 * @param forbiddenBasenames    {@code files.forbidden_filename_basenames}, lower case
 * @param forbiddenCharacters   {@code files.forbidden_filename_characters}
 * @param forbiddenExtensions   {@code files.forbidden_filename_extensions}, lower case
 * @param maxChunkSize          {@code files.chunked_upload.max_size} in bytes, 0 when unpublished
 * @param maxParallelChunks     {@code files.chunked_upload.max_parallel_count}, 0 when unpublished
 * @param bruteforceDelayMs     {@code bruteforce.delay}: how much the server currently slows our requests down
 * @param pollIntervalSeconds   {@code core.pollinterval}, 0 when unpublished
 * @param notifyPushWebsocket   {@code notify_push.endpoints.websocket}, or null
 */
public record Capabilities(
    ServerVersion version,
    boolean chunkingV2,
    String chunkingVersion,
    boolean bulkUpload,
    boolean versioning,
    boolean versionLabeling,
    boolean versionDeletion,
    boolean trashbin,
    boolean activity,
    boolean filesLocking,
    String filesLockingVersion,
    List<String> checksumTypes,
    String preferredChecksumType,
    List<String> forbiddenNames,
    List<String> forbiddenBasenames,
    List<String> forbiddenCharacters,
    List<String> forbiddenExtensions,
    long maxChunkSize,
    int maxParallelChunks,
    long bruteforceDelayMs,
    long pollIntervalSeconds,
    String notifyPushWebsocket) {

  public Capabilities {
    checksumTypes = List.copyOf(checksumTypes);
    forbiddenNames = List.copyOf(forbiddenNames);
    forbiddenBasenames = List.copyOf(forbiddenBasenames);
    forbiddenCharacters = List.copyOf(forbiddenCharacters);
    forbiddenExtensions = List.copyOf(forbiddenExtensions);
  }

  /**
   * The server's version as OCS publishes it.
   *
   * @param major   e.g. 30
   * @param minor   e.g. 0
   * @param micro   e.g. 1
   * @param string  e.g. "30.0.1"
   * @param edition e.g. "" or "enterprise"
   */
  public record ServerVersion(int major, int minor, int micro, String string, String edition) {
    public static final ServerVersion UNKNOWN = new ServerVersion(0, 0, 0, "", "");

    public boolean atLeast(int wantedMajor, int wantedMinor) {
      return major > wantedMajor || (major == wantedMajor && minor >= wantedMinor);
    }
  }

  /** Reads the {@code ocs.data} object of a capabilities answer. */
  public static Capabilities parse(JsonNode data) {
    JsonNode v = data.path("version");
    ServerVersion version = new ServerVersion(v.path("major").asInt(0), v.path("minor").asInt(0),
        v.path("micro").asInt(0), v.path("string").asText(""), v.path("edition").asText(""));
    JsonNode caps = data.path("capabilities");
    JsonNode dav = caps.path("dav");
    JsonNode files = caps.path("files");
    String chunking = text(dav.path("chunking"));
    boolean bigFileChunking = !files.has("bigfilechunking") || files.path("bigfilechunking").asBoolean(true);
    String bulk = text(dav.path("bulkupload"));
    String locking = text(files.path("locking"));
    JsonNode checksums = caps.path("checksums");
    String preferred = text(checksums.path("preferredUploadType"));
    List<String> forbiddenNames = lowerCase(strings(files.path("forbidden_filenames")));
    forbiddenNames.addAll(lowerCase(strings(files.path("blacklisted_files"))));
    JsonNode chunkedUpload = files.path("chunked_upload");
    return new Capabilities(
        version,
        chunking != null && versionAtLeast(chunking, 1, 0) && bigFileChunking,
        chunking,
        bulk != null && versionAtLeast(bulk, 1, 0),
        files.path("versioning").asBoolean(false),
        files.path("version_labeling").asBoolean(false),
        files.path("version_deletion").asBoolean(false),
        files.path("undelete").asBoolean(false),
        caps.path("activity").path("apiv2").isArray() || caps.path("activity").path("apiv2").isObject(),
        locking != null && !locking.isEmpty(),
        locking,
        upperCase(strings(checksums.path("supportedTypes"))),
        preferred == null ? null : preferred.toUpperCase(Locale.ROOT),
        forbiddenNames,
        lowerCase(strings(files.path("forbidden_filename_basenames"))),
        strings(files.path("forbidden_filename_characters")),
        lowerCase(strings(files.path("forbidden_filename_extensions"))),
        Math.max(0, chunkedUpload.path("max_size").asLong(0)),
        Math.max(0, chunkedUpload.path("max_parallel_count").asInt(0)),
        Math.max(0, caps.path("bruteforce").path("delay").asLong(0)),
        Math.max(0, caps.path("core").path("pollinterval").asLong(0)),
        text(caps.path("notify_push").path("endpoints").path("websocket")));
  }

  /**
   * Why the server's policy refuses this file or folder name (the admin's forbidden names, basenames, characters and
   * extensions), or null when it accepts it. Hard rules every server applies ('/', '..', control characters) are
   * checked by {@link io.ncsync.protocol.RemotePaths}.
   */
  public String nameProblem(String name) {
    return new ForbiddenNames(false, forbiddenNames, forbiddenBasenames, forbiddenCharacters, forbiddenExtensions)
        .problem(name);
  }

  /** Every name this server refuses: Nextcloud's own rules and its admin's lists. */
  public ForbiddenNames refusedNames() {
    return new ForbiddenNames(true, forbiddenNames, forbiddenBasenames, forbiddenCharacters, forbiddenExtensions);
  }

  private static String text(JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull()) return null;
    if (node.isBoolean()) return node.asBoolean() ? "1.0" : null;
    return node.asText();
  }

  private static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isArray()) node.forEach(element -> {
      if (element.isTextual()) out.add(element.asText());
    });
    return out;
  }

  private static List<String> lowerCase(List<String> values) {
    List<String> out = new ArrayList<>();
    for (String value : values) out.add(value.toLowerCase(Locale.ROOT));
    return out;
  }

  private static List<String> upperCase(List<String> values) {
    List<String> out = new ArrayList<>();
    for (String value : values) out.add(value.toUpperCase(Locale.ROOT));
    return out;
  }

  /** "1.0" ≥ 1.0; unparsable versions count as absent. */
  static boolean versionAtLeast(String value, int major, int minor) {
    String[] parts = value.strip().split("\\.");
    try {
      int gotMajor = Integer.parseInt(parts[0]);
      int gotMinor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return gotMajor > major || (gotMajor == major && gotMinor >= minor);
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
