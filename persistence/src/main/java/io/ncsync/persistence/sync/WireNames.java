package io.ncsync.persistence.sync;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The API spelling of the engine's enums: their names in lower case ("keep_both"). */
public final class WireNames {
  private WireNames() {}

  public static String of(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  /** The constant spelt {@code wire} (any case), or null. */
  public static <E extends Enum<E>> E parse(Class<E> type, String wire) {
    if (wire == null) return null;
    for (E value : type.getEnumConstants()) if (of(value).equals(wire.toLowerCase(Locale.ROOT))) return value;
    return null;
  }

  /** The accepted spellings, quoted, for error messages. */
  public static String choices(Class<? extends Enum<?>> type) {
    return Arrays.stream(type.getEnumConstants()).map(v -> "'" + of(v) + "'").collect(Collectors.joining(", "));
  }
}
