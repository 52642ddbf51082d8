package io.ncsync.protocol;

/**
 * Nextcloud's {@code oc:permissions} letters: S shared, R shareable, M mounted, G readable, D deletable, N renameable,
 * V moveable, W writable, C may add files, K may add folders. A server that publishes no permissions (plain WebDAV)
 * allows everything as far as this class can tell: the server still has the last word (403).
 *
 * <p>Use it before acting, so a refusal is reported once instead of being retried forever: no upload into a folder
 * without C, no new folder without K, no overwrite without W, no delete without D, no rename or move without N/V.
 *
 * @param letters the raw letters, or null when the server published none
 */
public record Permissions(String letters) {

  public static Permissions of(DavEntry entry) {
    return new Permissions(entry == null ? null : entry.permissions());
  }

  public boolean known() {
    return letters != null;
  }

  private boolean has(char letter) {
    return letters == null || letters.indexOf(letter) >= 0;
  }

  public boolean canAddFile() {
    return has('C');
  }

  public boolean canAddFolder() {
    return has('K');
  }

  public boolean canWrite() {
    return has('W');
  }

  public boolean canDelete() {
    return has('D');
  }

  public boolean canRename() {
    return has('N');
  }

  public boolean canMove() {
    return has('V');
  }

  public boolean canReshare() {
    return has('R');
  }

  /** Shared with the user by someone else (S): deleting may only remove the share. */
  public boolean shared() {
    return letters != null && letters.indexOf('S') >= 0;
  }

  /** A mount point (M): external storage or a share's root; its ETags may not propagate. */
  public boolean mounted() {
    return letters != null && letters.indexOf('M') >= 0;
  }

  /** May a file be uploaded into this folder? */
  public static boolean canAddFile(DavEntry folder) {
    return of(folder).canAddFile();
  }

  /** May a folder be created in this folder? */
  public static boolean canAddFolder(DavEntry folder) {
    return of(folder).canAddFolder();
  }

  /** May this file be overwritten? */
  public static boolean canWrite(DavEntry file) {
    return of(file).canWrite();
  }

  /** May this entry be deleted? */
  public static boolean canDelete(DavEntry entry) {
    return of(entry).canDelete();
  }

  /** May this entry be renamed or moved? */
  public static boolean canRenameOrMove(DavEntry entry) {
    Permissions p = of(entry);
    return p.canRename() && p.canMove();
  }
}
