package io.ncsync.persistence.library;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.ncsync.persistence.CborSerializable;
import io.ncsync.persistence.sync.WireNames;
import java.time.Instant;

/**
 * A library's removal ({@code DELETE /api/v1/libraries/{id}?detach=...}). The journal keeps the library's history: it
 * is marked removed, never erased, and its id is never used again.
 *
 * @param removedAt null while a {@code download} detach is still bringing the remote files down
 */
public record Removal(Detach detach, Instant requestedAt, Instant removedAt) implements CborSerializable {

  public boolean done() {
    return removedAt != null;
  }

  Removal completed(Instant at) {
    return new Removal(detach, requestedAt, at);
  }

  /** What happens to the files when the library goes. */
  public enum Detach {
    /** Both sides stay as they are. */
    KEEP,
    /** Every remote file is brought down first (a reverse sync), then the library goes. */
    DOWNLOAD;

    @JsonValue
    public String wireName() {
      return WireNames.of(this);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Detach fromWire(String value) {
      return WireNames.parse(Detach.class, value);
    }
  }
}
