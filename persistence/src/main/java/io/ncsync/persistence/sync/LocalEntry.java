package io.ncsync.persistence.sync;

/**
 * One path of a workspace scan.
 *
 * @param sha256 hex SHA-256, computed only when the size equals the base's and the mtime differs (the plan must tell a
 *               touch from an edit); else null: a new file, or one whose size changed, is changed whatever its content
 */
public record LocalEntry(String path, boolean folder, long size, long mtimeMillis, String sha256) {

  public static LocalEntry folder(String path) {
    return new LocalEntry(path, true, 0, 0, null);
  }

  /** Same size and mtime as the base: treated as unchanged without reading the content. */
  public boolean matchesStat(BaseEntry base) {
    return base.size() == size && base.mtimeMillis() == mtimeMillis;
  }
}
