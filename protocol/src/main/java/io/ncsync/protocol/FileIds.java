package io.ncsync.protocol;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Nextcloud names a file two ways: {@code oc:fileid} in listings is the number ({@code 17}); the {@code OC-FileId}
 * header of a PUT or an assembly MOVE, a bulk upload's {@code fileid} and {@code oc:id} are the number padded to 8
 * digits followed by the instance id ({@code 00000017ocnca3y4b4ql0}). Moves are found by comparing them, so every
 * fileid is kept in the listing's form.
 */
public final class FileIds {
  private static final Pattern OC_ID = Pattern.compile("0*(\\d+)oc[A-Za-z0-9]+");

  private FileIds() {}

  /** The listing's form of {@code fileId}: an {@code oc:id} becomes its number; anything else stays as it is. */
  public static String numeric(String fileId) {
    if (fileId == null) return null;
    Matcher m = OC_ID.matcher(fileId);
    return m.matches() ? m.group(1) : fileId;
  }
}
