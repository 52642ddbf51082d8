package io.ncsync.daemon.http;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.ncsync.persistence.library.SettingsPatch;
import io.ncsync.persistence.sync.ConflictStrategy;
import io.ncsync.persistence.sync.LocalDeletions;
import io.ncsync.persistence.sync.RemoteDeletionPolicy;
import io.ncsync.persistence.sync.SyncFilters;
import io.ncsync.persistence.sync.SyncMode;
import io.ncsync.persistence.sync.WireNames;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/** Turns a library's settings as the API takes them into a {@link SettingsPatch}; every refusal is a 400 naming the field. */
final class SettingsRequests {
  private SettingsRequests() {}

  static SettingsPatch patch(ApiJson.UpdateLibrary body) {
    SettingsPatch patch = new SettingsPatch(
        enumField(body.mode(), SyncMode.class, "mode"),
        enumField(body.conflictStrategy(), ConflictStrategy.class, "conflictStrategy"),
        enumField(body.remoteDeletionPolicy(), RemoteDeletionPolicy.class, "remoteDeletionPolicy"),
        enumField(body.localDeletions(), LocalDeletions.class, "localDeletions"),
        filters(body.filters()),
        body.enabled(),
        guardPercent(body.deletionGuardPercent()),
        interval(body.syncInterval(), "syncInterval", true),
        archiveFolder(body.archiveFolder()),
        body.verifyOnAdopt(),
        interval(body.fullSyncInterval(), "fullSyncInterval", true),
        interval(body.cleanupInterval(), "cleanupInterval", false),
        interval(body.retryInterval(), "retryInterval", false));
    return patch;
  }

  static boolean isEmpty(ApiJson.UpdateLibrary body) {
    return body.mode() == null && body.conflictStrategy() == null && body.remoteDeletionPolicy() == null
        && body.localDeletions() == null && body.filters() == null && body.enabled() == null
        && body.deletionGuardPercent() == null && body.syncInterval() == null && body.archiveFolder() == null
        && body.verifyOnAdopt() == null && body.fullSyncInterval() == null && body.cleanupInterval() == null
        && body.retryInterval() == null;
  }

  private static <E extends Enum<E>> E enumField(String wire, Class<E> type, String field) {
    if (wire == null) return null;
    E value = WireNames.parse(type, wire);
    if (value == null) throw ApiException.badField(field, field + " must be one of " + WireNames.choices(type) + ", got '" + wire + "'");
    return value;
  }

  private static Integer guardPercent(Integer percent) {
    if (percent != null && (percent < 1 || percent > 100)) {
      throw ApiException.badField("deletionGuardPercent", "deletionGuardPercent must be between 1 and 100, got " + percent);
    }
    return percent;
  }

  /**
   * ISO-8601 ("PT15M") or the configuration's form ("15m", "30 seconds"); "0" switches the job off where {@code
   * zeroMeansNone}, else is refused.
   */
  private static Duration interval(String text, String field, boolean zeroMeansNone) {
    if (text == null) return null;
    Duration duration;
    try {
      duration = text.startsWith("P") || text.startsWith("p") ? Duration.parse(text)
          : ConfigFactory.empty().withValue("d", ConfigValueFactory.fromAnyRef(text)).getDuration("d");
    } catch (DateTimeParseException | ConfigException e) {
      throw ApiException.badField(field, field + " must be a duration such as '15m', '1h' or 'PT15M', got '" + text + "'");
    }
    if (duration.isNegative()) throw ApiException.badField(field, field + " must not be negative");
    if (duration.isZero() && !zeroMeansNone) throw ApiException.badField(field, field + " must be at least 5s, got '" + text + "'");
    if (!duration.isZero() && duration.compareTo(Duration.ofSeconds(5)) < 0) {
      throw ApiException.badField(field, field + " must be at least 5s" + (zeroMeansNone ? " (or 0 for none)" : "")
          + ", got '" + text + "'");
    }
    return duration;
  }

  /** A folder below the daemon's archive root, named relative to it. */
  private static String archiveFolder(String folder) {
    if (folder == null) return null;
    Validation.noControlCharacters(folder, "archiveFolder");
    if (folder.isBlank() || folder.startsWith("/") || folder.startsWith("\\")) {
      throw ApiException.badField("archiveFolder", "archiveFolder must be a relative folder name below the daemon's archive root, got '" + folder + "'");
    }
    for (String segment : folder.split("[/\\\\]")) {
      if (segment.equals("..") || segment.equals(".")) throw ApiException.badField("archiveFolder", "archiveFolder must not contain '" + segment + "'");
    }
    return folder;
  }

  private static SyncFilters filters(ApiJson.Filters f) {
    if (f == null) return null;
    try {
      return new SyncFilters(strings(f.include(), "filters.include"), strings(f.exclude(), "filters.exclude"),
          strings(f.extensions(), "filters.extensions"), instant(f.modifiedAfter(), "filters.modifiedAfter"),
          instant(f.modifiedBefore(), "filters.modifiedBefore"), f.maxSizeBytes());
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  private static List<String> strings(List<String> values, String field) {
    if (values == null) return List.of();
    if (values.size() > 1000) throw ApiException.badField(field, field + " holds more than 1000 entries");
    for (String v : values) {
      if (v == null || v.isBlank()) throw ApiException.badField(field, field + " holds an empty entry");
      Validation.noControlCharacters(v, field);
    }
    return values;
  }

  private static Instant instant(String text, String field) {
    if (text == null) return null;
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw ApiException.badField(field, field + " must be an ISO-8601 instant such as 2026-01-31T00:00:00Z, got '" + text + "'");
    }
  }
}
