package io.ncsync.persistence.sync;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Document ids: stable across moves and renames, safe in a URL and an actor name. A document the server gave a fileid
 * is {@code f<fileid>}; one without (plain WebDAV, or not yet on the server) gets {@code n<16 hex>} when first seen
 * ({@link #forNew}), recorded in its base; a base journaled before ids existed is {@code p<16 hex of its path>}, which
 * its next record keeps. Moves carry the id with the base.
 */
public final class DocumentIds {
  private static final Pattern SAFE_FILE_ID = Pattern.compile("[A-Za-z0-9]{1,64}");
  private static final Pattern ID = Pattern.compile("[fnp][A-Za-z0-9]{1,64}");

  private DocumentIds() {}

  /**
   * The id of a document first seen now: {@code f<fileid>} when the server gave a usable fileid; else a hash of its path
   * and {@code identity} (the local file's key, or what the server listed), so a new file that fails keeps its id from
   * one run to the next, and a new file at the name another one moved away from gets another id.
   */
  public static String forNew(String path, String fileId, String identity) {
    if (fileId != null && SAFE_FILE_ID.matcher(fileId).matches()) return "f" + fileId;
    return "n" + hash(path + "\u0000" + identity);
  }

  /** The id of a base journaled before ids existed: deterministic, since the journal's replay must agree with itself. */
  public static String derived(String path, String fileId) {
    if (fileId != null && SAFE_FILE_ID.matcher(fileId).matches()) return "f" + fileId;
    return "p" + hash(path);
  }

  private static String hash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code id} has the form of a document id (checked before it goes into a query). */
  public static boolean isWellFormed(String id) {
    return id != null && ID.matcher(id).matches();
  }

}
