package io.ncsync.persistence.sync;

/**
 * One path of a workspace scan.
 *
 * @param sha256  hex SHA-256, computed only when the size equals the base's and the mtime differs (the plan must tell a
 *                touch from an edit), or when the file may be a moved one that has no {@code fileKey} to tell (see
 *                {@link MoveDetector}); else null: a new file, or one whose size changed, is changed whatever its content
 * @param fileKey the file system's identity of the entry (device and inode where it has them), which a rename keeps;
 *                null where the file system has none
 */
public record LocalEntry(String path, boolean folder, long size, long mtimeMillis, String sha256, String fileKey) {

  public LocalEntry(String path, boolean folder, long size, long mtimeMillis, String sha256) {
    this(path, folder, size, mtimeMillis, sha256, null);
  }

  public static LocalEntry folder(String path) {
    return new LocalEntry(path, true, 0, 0, null, null);
  }

  public static LocalEntry folder(String path, String fileKey) {
    return new LocalEntry(path, true, 0, 0, null, fileKey);
  }

  /** Same size and mtime as the base: treated as unchanged without reading the content. */
  public boolean matchesStat(BaseEntry base) {
    return base.size() == size && base.mtimeMillis() == mtimeMillis;
  }

  /** The same entry, seen at another path (where a move puts it). */
  public LocalEntry at(String newPath) {
    return new LocalEntry(newPath, folder, size, mtimeMillis, sha256, fileKey);
  }

  public LocalEntry withSha256(String hash) {
    return new LocalEntry(path, folder, size, mtimeMillis, hash, fileKey);
  }
}
