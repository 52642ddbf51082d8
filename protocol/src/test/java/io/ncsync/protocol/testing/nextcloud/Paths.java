package io.ncsync.protocol.testing.nextcloud;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Percent-coding of URL paths the way Sabre does it, and Nextcloud's file name rules. */
final class Paths {
  private Paths() {}

  /** Sabre's encodePath: everything but {@code A-Za-z0-9_-.~()/:@} is escaped, with lowercase hex. */
  static String encode(String path) {
    StringBuilder out = new StringBuilder(path.length() + 16);
    for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || "_-.~()/:@".indexOf(c) >= 0) {
        out.append((char) c);
      } else {
        out.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
      }
    }
    return out.toString();
  }

  /** Decoded non-empty segments of a raw path, or null for invalid escapes or invalid UTF-8. */
  static List<String> decodeSegments(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String raw : rawPath.split("/")) {
      if (raw.isEmpty()) continue;
      String decoded = decode(raw);
      if (decoded == null) return null;
      out.add(decoded);
    }
    return out;
  }

  static String decode(String raw) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) return null;
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) return null;
        bytes.write(hi * 16 + lo);
        i += 2;
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < raw.length()) {
          utf8 = raw.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        bytes.write(utf8, 0, utf8.length);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /**
   * Nextcloud's rules for a new name: refuses empty, "." and "..", names over 250 bytes, control characters, '/' and
   * '\', names ending in ".part" (and ".filepart") and ".htaccess". Throws InvalidPath (400).
   */
  static void requireValidName(String name) {
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw DavError.invalidPath("Dot files are not allowed");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > 250) throw DavError.invalidPath("Filename is too long");
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 32 || c == 127) throw DavError.invalidPath("Filename contains at least one invalid character");
      if (c == '/' || c == '\\') throw DavError.invalidPath("\"" + c + "\" is not allowed inside a filename.");
    }
    String lower = name.toLowerCase(java.util.Locale.ROOT);
    if (lower.endsWith(".part") || lower.endsWith(".filepart")) {
      throw DavError.invalidPath("\"" + name.substring(name.lastIndexOf('.')) + "\" is a forbidden file type.");
    }
    if (lower.equals(".htaccess")) throw DavError.invalidPath("\".htaccess\" is a forbidden file or folder name.");
  }

  /** Every segment of a relative path must be a valid name. */
  static void requireValidPath(String path) {
    for (String segment : path.split("/", -1)) requireValidName(segment);
  }
}
