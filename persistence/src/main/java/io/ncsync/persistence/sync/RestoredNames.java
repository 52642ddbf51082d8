package io.ncsync.persistence.sync;

import io.ncsync.protocol.RemotePaths;
import java.util.function.Predicate;

/** Where a restored file goes when its path is taken: beside it, {@code name (restored).ext}, then " 2", " 3"… */
public final class RestoredNames {
  private RestoredNames() {}

  /** {@code path} itself when free, else the first free restored-copy name beside it. */
  public static String free(String path, Predicate<String> taken) {
    if (!taken.test(path)) return path;
    String parent = RemotePaths.parent(path);
    String name = RemotePaths.name(path);
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    String ext = dot > 0 ? name.substring(dot) : "";
    for (int n = 1; ; n++) {
      String candidate = RemotePaths.join(parent, stem + " (restored" + (n == 1 ? "" : " " + n) + ")" + ext);
      if (!taken.test(candidate)) return candidate;
    }
  }
}
