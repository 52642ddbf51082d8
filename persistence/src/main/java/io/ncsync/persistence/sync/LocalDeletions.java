package io.ncsync.persistence.sync;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Whether a file deleted in the workspace is deleted on the server too (the server keeps it in its trashbin). */
public enum LocalDeletions {
  PROPAGATE,
  IGNORE;

  @JsonValue
  public String wireName() {
    return WireNames.of(this);
  }

  /** The API form (e.g. "propagate"), or null. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static LocalDeletions fromWire(String value) {
    return WireNames.parse(LocalDeletions.class, value);
  }
}
