package io.ncsync.persistence.sync;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where a conflict stands. */
public enum ConflictState {
  /** Waiting for the operator (strategy {@code manual}, or a one-way library): both sides are left as they are. */
  OPEN,
  /** The operator chose a strategy; the next run carries it out. */
  RESOLVING,
  /** Ended: by a strategy, by the operator, or because both sides became identical. */
  RESOLVED;

  @JsonValue
  public String wireName() {
    return WireNames.of(this);
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static ConflictState fromWire(String value) {
    return WireNames.parse(ConflictState.class, value);
  }
}
