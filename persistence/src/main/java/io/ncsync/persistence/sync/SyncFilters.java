package io.ncsync.persistence.sync;

import io.ncsync.persistence.CborSerializable;
import io.ncsync.protocol.RemotePaths;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.PatternSyntaxException;

/**
 * Which files a library syncs. A file outside the filters is {@code excluded}: left alone on both sides, never uploaded,
 * downloaded or deleted because of a filter (its base is kept, so lifting the filter later merges it normally).
 *
 * <p>Globs use {@link java.nio.file.FileSystem#getPathMatcher} syntax. A glob without '/' is matched against each name
 * on the path ({@code *.tmp}, {@code node_modules}); one with '/' against the library-relative path ({@code docs/**}).
 * A folder matched by {@code exclude} excludes everything below it.
 *
 * @param include        when not empty, only files matching one of these are synced (folders are always walked)
 * @param exclude        files (and folders with their contents) matching one of these are not synced
 * @param extensions     when not empty, only files with one of these extensions (without the dot, any case) are synced
 * @param modifiedAfter  only files modified at or after this instant, or null
 * @param modifiedBefore only files modified before this instant, or null
 * @param maxSizeBytes   only files of at most this size, or null
 */
public record SyncFilters(
    List<String> include, List<String> exclude, List<String> extensions, Instant modifiedAfter, Instant modifiedBefore,
    Long maxSizeBytes) implements CborSerializable {

  public static final SyncFilters NONE = new SyncFilters(List.of(), List.of(), List.of(), null, null, null);

  public SyncFilters {
    include = include == null ? List.of() : List.copyOf(include);
    exclude = exclude == null ? List.of() : List.copyOf(exclude);
    extensions = extensions == null ? List.of()
        : extensions.stream().map(e -> e.startsWith(".") ? e.substring(1) : e).map(e -> e.toLowerCase(Locale.ROOT)).toList();
    for (String glob : include) requireGlob(glob, "filters.include");
    for (String glob : exclude) requireGlob(glob, "filters.exclude");
    if (maxSizeBytes != null && maxSizeBytes < 0) throw new IllegalArgumentException("filters.maxSizeBytes must not be negative");
    if (modifiedAfter != null && modifiedBefore != null && !modifiedAfter.isBefore(modifiedBefore)) {
      throw new IllegalArgumentException("filters.modifiedAfter must be before filters.modifiedBefore");
    }
  }

  public boolean isNone() {
    return include.isEmpty() && exclude.isEmpty() && extensions.isEmpty() && modifiedAfter == null && modifiedBefore == null
        && maxSizeBytes == null;
  }

  /** Why the folder at {@code path} (and everything below it) is excluded, or null. */
  public String excludedFolder(String path) {
    String glob = firstMatch(exclude, path);
    return glob == null ? null : "excluded: the folder matches the exclude filter '" + glob + "'";
  }

  /**
   * Why the file at {@code path} is excluded, or null when it is synced.
   *
   * @param mtimeMillis 0 when unknown (then the date filters do not exclude it)
   */
  public String excludedFile(String path, long size, long mtimeMillis) {
    String glob = firstMatch(exclude, path);
    if (glob != null) return "excluded: matches the exclude filter '" + glob + "'";
    if (!include.isEmpty() && firstMatch(include, path) == null) return "excluded: matches no include filter";
    if (!extensions.isEmpty() && !extensions.contains(extensionOf(path))) {
      return "excluded: its extension is not one of " + extensions;
    }
    if (maxSizeBytes != null && size > maxSizeBytes) return "excluded: " + size + " bytes, more than filters.maxSizeBytes " + maxSizeBytes;
    if (mtimeMillis > 0 && modifiedAfter != null && mtimeMillis < modifiedAfter.toEpochMilli()) {
      return "excluded: modified before filters.modifiedAfter " + modifiedAfter;
    }
    if (mtimeMillis > 0 && modifiedBefore != null && mtimeMillis >= modifiedBefore.toEpochMilli()) {
      return "excluded: modified at or after filters.modifiedBefore " + modifiedBefore;
    }
    return null;
  }

  private static String firstMatch(List<String> globs, String path) {
    for (String glob : globs) if (matches(glob, path)) return glob;
    return null;
  }

  private static boolean matches(String glob, String path) {
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
    if (glob.contains("/")) return matcher.matches(Path.of(path));
    for (String p = path; !p.isEmpty(); p = RemotePaths.parent(p)) {
      if (matcher.matches(Path.of(RemotePaths.name(p)))) return true;
    }
    return false;
  }

  private static String extensionOf(String path) {
    String name = RemotePaths.name(path);
    int dot = name.lastIndexOf('.');
    return dot <= 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  private static void requireGlob(String glob, String field) {
    if (glob == null || glob.isBlank()) throw new IllegalArgumentException(field + " holds an empty pattern");
    try {
      FileSystems.getDefault().getPathMatcher("glob:" + glob);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(field + ": '" + glob + "' is not a valid glob: " + e.getDescription());
    }
  }
}
