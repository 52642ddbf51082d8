package io.ncsync.persistence.sync;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Which directions a library propagates changes in. */
public enum SyncMode {
  BIDIRECTIONAL,
  LOCAL_TO_REMOTE,
  REMOTE_TO_LOCAL;

  public boolean uploads() {
    return this != REMOTE_TO_LOCAL;
  }

  public boolean downloads() {
    return this != LOCAL_TO_REMOTE;
  }

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the API form ("bidirectional", "local_to_remote", "remote_to_local"); null for anything else. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static SyncMode fromWire(String value) {
    if (value == null) return null;
    for (SyncMode mode : values()) if (mode.wireName().equals(value.toLowerCase(Locale.ROOT))) return mode;
    return null;
  }
}
