package io.ncsync.persistence.sync;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How a library ends a conflict (both sides changed the same document, or one deleted what the other changed).
 * {@link #KEEP_BOTH} is the default; for the deletion conflicts every strategy but {@link #MANUAL} keeps the changed
 * side: an edit never silently loses to a deletion.
 */
public enum ConflictStrategy {
  MANUAL,
  KEEP_LOCAL,
  KEEP_REMOTE,
  KEEP_NEWEST,
  KEEP_BOTH;

  @JsonValue
  public String wireName() {
    return WireNames.of(this);
  }

  /** The API form (e.g. "keep_both"), or null. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static ConflictStrategy fromWire(String value) {
    return WireNames.parse(ConflictStrategy.class, value);
  }
}
