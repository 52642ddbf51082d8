package io.ncsync.persistence.sync;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Why both sides could not simply be merged. */
public enum ConflictType {
  /** Both sides changed the same file since the last sync. */
  BOTH_MODIFIED,
  /** Both sides created the same path with different content, with no base to compare against. */
  BOTH_ADDED,
  /** Deleted here, modified on the server. */
  DELETED_LOCALLY,
  /** Deleted on the server, modified here. */
  DELETED_REMOTELY,
  /** A folder on one side, a file on the other. */
  TYPE_MISMATCH,
  /** Both sides moved the same file or folder to different places; one move was kept (the conflict names it). */
  BOTH_MOVED;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
