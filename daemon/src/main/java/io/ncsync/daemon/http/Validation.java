package io.ncsync.daemon.http;

/** Checks shared by the request types; each failure is a 400 whose message names the field. */
final class Validation {
  private Validation() {}

  static final int MAX_NAME_LENGTH = 200;

  /** A required, non-blank string without control characters. */
  static String required(String value, String field) {
    if (value == null || value.isBlank()) throw ApiException.badField(field, field + " is required");
    noControlCharacters(value, field);
    return value;
  }

  /** A display name: required, trimmed, at most 200 characters. */
  static String name(String value, String field) {
    String name = required(value, field).strip();
    if (name.length() > MAX_NAME_LENGTH) {
      throw ApiException.badField(field, field + " is longer than " + MAX_NAME_LENGTH + " characters");
    }
    return name;
  }

  static void noControlCharacters(String value, String field) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 32 || c == 127) throw ApiException.badField(field, field + " contains a control character");
    }
  }
}
