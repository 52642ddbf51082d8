package io.ncsync.persistence.sync;

import io.ncsync.protocol.RemotePaths;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.function.Predicate;

/**
 * Names for conflict copies, the way Nextcloud's own clients name them: {@code name (conflicted copy YYYY-MM-DD
 * hhmmss).ext}, so people recognise them. Times are UTC, since a daemon serves users in every zone.
 */
public final class ConflictNames {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HHmmss").withZone(ZoneOffset.UTC);

  private ConflictNames() {}

  /** A conflict-copy path beside {@code path} for which {@code taken} is false (" 2", " 3"… appended if needed). */
  public static String conflictCopy(String path, Instant at, Predicate<String> taken) {
    String parent = RemotePaths.parent(path);
    String name = RemotePaths.name(path);
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    String ext = dot > 0 ? name.substring(dot) : "";
    String marker = " (conflicted copy " + STAMP.format(at);
    for (int n = 1; ; n++) {
      String candidate = RemotePaths.join(parent, stem + marker + (n == 1 ? "" : " " + n) + ")" + ext);
      if (!taken.test(candidate)) return candidate;
    }
  }
}
