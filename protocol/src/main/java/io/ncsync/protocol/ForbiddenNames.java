package io.ncsync.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The names a server refuses to store beyond those no side can hold ({@link RemotePaths#unsafeReason}): a local file
 * so named is not uploaded. Plain WebDAV refuses nothing more (any safe name percent-encodes into a URL path segment);
 * Nextcloud refuses '\', ':', a leading or trailing space, names ending in ".part" (its upload temporaries) and names
 * over 250 bytes, plus what its admin lists in the capabilities ({@code files.forbidden_filenames},
 * {@code forbidden_filename_basenames}, {@code forbidden_filename_characters}, {@code forbidden_filename_extensions}).
 *
 * @param nextcloudRules the rules every Nextcloud server applies
 * @param names          whole names refused, lower case
 * @param basenames      names before the first dot refused, lower case (e.g. "con" for "CON.txt")
 * @param characters     characters (or strings) no name may contain
 * @param extensions     endings refused, lower case (e.g. ".part")
 */
public record ForbiddenNames(
    boolean nextcloudRules,
    List<String> names,
    List<String> basenames,
    List<String> characters,
    List<String> extensions) {

  /** Plain WebDAV: nothing beyond the safe-name rules. */
  public static final ForbiddenNames NONE = new ForbiddenNames(false, List.of(), List.of(), List.of(), List.of());

  /** A Nextcloud server whose admin lists nothing (or whose capabilities are not known). */
  public static final ForbiddenNames NEXTCLOUD = new ForbiddenNames(true, List.of(), List.of(), List.of(), List.of());

  private static final int NEXTCLOUD_MAX_NAME_BYTES = 250;

  public ForbiddenNames {
    names = lowerCase(names);
    basenames = lowerCase(basenames);
    characters = List.copyOf(characters);
    extensions = lowerCase(extensions);
  }

  /** Why the server refuses a file or folder called {@code name}, or null when it accepts it. */
  public String problem(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (names.contains(lower)) return "the server forbids the name '" + name + "'";
    int dot = lower.indexOf('.');
    String basename = dot < 0 ? lower : lower.substring(0, dot);
    if (!basename.isEmpty() && basenames.contains(basename)) return "the server forbids the base name '" + basename + "'";
    for (String c : characters) {
      if (!c.isEmpty() && name.contains(c)) return "the server forbids the character '" + c + "'";
    }
    for (String ending : extensions) {
      if (!ending.isEmpty() && lower.endsWith(ending)) return "the server forbids names ending with '" + ending + "'";
    }
    return nextcloudRules ? nextcloudProblem(name, lower) : null;
  }

  private static String nextcloudProblem(String name, String lower) {
    if (name.contains("\\")) return "Nextcloud forbids '\\' in names";
    if (name.contains(":")) return "Nextcloud forbids ':' in names";
    if (name.startsWith(" ") || name.endsWith(" ")) return "Nextcloud forbids names beginning or ending with a space";
    if (lower.endsWith(".part")) return "Nextcloud forbids names ending with '.part' (its upload temporaries)";
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > NEXTCLOUD_MAX_NAME_BYTES) {
      return "Nextcloud forbids names over " + NEXTCLOUD_MAX_NAME_BYTES + " bytes (this one has " + bytes + ")";
    }
    return null;
  }

  private static List<String> lowerCase(List<String> values) {
    return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).toList();
  }
}
