package io.ncsync.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Percent-encoding of relative paths into URL paths and back. Encoding and decoding work per segment, so an encoded
 * {@code %2F} inside a server's href stays inside its segment (and is then refused as a name containing '/').
 */
public final class UrlPaths {
  private UrlPaths() {}

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /** Encodes every byte of the UTF-8 form except RFC 3986 unreserved characters. */
  public static String encodeSegment(String segment) {
    byte[] bytes = segment.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length + 8);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (isUnreserved(c)) {
        out.append((char) c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return out.toString();
  }

  /** Encodes a relative path ('/'-separated, "" for the root) segment by segment. */
  public static String encodePath(String path) {
    if (path.isEmpty()) return "";
    StringBuilder out = new StringBuilder(path.length() + 16);
    for (String segment : path.split("/", -1)) {
      if (out.length() > 0) out.append('/');
      out.append(encodeSegment(segment));
    }
    return out.toString();
  }

  /**
   * Splits a raw (encoded) absolute URL path into decoded segments. Empty segments are kept (a trailing slash yields a
   * trailing ""), so callers decide what an empty name means. Invalid UTF-8 decodes to U+FFFD, which
   * {@link RemotePaths#unsafeReason} refuses.
   *
   * @throws IllegalArgumentException on a malformed percent escape
   */
  public static List<String> decodeSegments(String rawPath) {
    String path = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
    List<String> segments = new ArrayList<>();
    if (path.isEmpty()) return segments;
    for (String raw : path.split("/", -1)) segments.add(decodeSegment(raw));
    return segments;
  }

  /** Percent-decodes one segment as UTF-8. '+' stays '+': it means space only in form data, never in paths. */
  public static String decodeSegment(String raw) {
    if (raw.indexOf('%') < 0) return raw;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) throw new IllegalArgumentException("truncated percent escape");
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) throw new IllegalArgumentException("malformed percent escape");
        bytes.write(hi << 4 | lo);
        i += 2;
      } else {
        byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < raw.length()) {
          utf8 = raw.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        bytes.writeBytes(utf8);
      }
    }
    return decodeUtf8(bytes.toByteArray());
  }

  private static String decodeUtf8(byte[] bytes) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPLACE)
        .onUnmappableCharacter(CodingErrorAction.REPLACE);
    try {
      CharBuffer chars = decoder.decode(ByteBuffer.wrap(bytes));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new IllegalStateException("UTF-8 decoding with REPLACE cannot fail", e);
    }
  }

  private static boolean isUnreserved(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~';
  }
}
