package io.ncsync.persistence.tenant;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a connection's URL maps to the files root. */
public enum ConnectionKind {
  /** URL is the Nextcloud base URL; files live under /remote.php/dav/files/{user}/. */
  NEXTCLOUD,
  /** URL is the root of any RFC 4918 server. */
  WEBDAV;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static ConnectionKind fromWire(String value) {
    if (value == null) return null;
    for (ConnectionKind kind : values()) if (kind.wireName().equals(value.toLowerCase(Locale.ROOT))) return kind;
    return null;
  }
}
