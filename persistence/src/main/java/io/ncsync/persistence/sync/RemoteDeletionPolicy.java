package io.ncsync.persistence.sync;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What happens locally to an unchanged file that was deleted on the server. Every policy writes a trash-log entry. */
public enum RemoteDeletionPolicy {
  IGNORE,
  ORPHAN,
  CONFLICT,
  TRASH,
  ARCHIVE,
  DELETE;

  @JsonValue
  public String wireName() {
    return WireNames.of(this);
  }

  /** The API form (e.g. "trash"), or null. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static RemoteDeletionPolicy fromWire(String value) {
    return WireNames.parse(RemoteDeletionPolicy.class, value);
  }
}
