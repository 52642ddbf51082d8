package io.ncsync.persistence.library;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.ncsync.persistence.sync.WireNames;

/**
 * Where a document stands. A run moves each document it acts on through {@code pending → syncing →} one of the
 * others; {@code removed} ends a document gone from both sides (its history stays readable by id).
 */
public enum DocumentStatus {
  PENDING,
  SYNCING,
  SYNCED,
  FAILED,
  CONFLICT,
  ORPHANED,
  LOCKED,
  EXCLUDED,
  REMOVED;

  @JsonValue
  public String wireName() {
    return WireNames.of(this);
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static DocumentStatus fromWire(String value) {
    return WireNames.parse(DocumentStatus.class, value);
  }
}
