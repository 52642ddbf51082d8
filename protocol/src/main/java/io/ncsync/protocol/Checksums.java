package io.ncsync.protocol;

import akka.stream.Materializer;
import akka.util.ByteString;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.zip.Adler32;

/**
 * Checksums in Nextcloud's notation, {@code TYPE:hex} (types SHA1, MD5, SHA256, SHA512, ADLER32), computed while bytes
 * stream past.
 */
public final class Checksums {
  private Checksums() {}

  /** A running checksum of one type. Not thread-safe; a stream stage feeds it in order. */
  public interface Digest {
    void update(ByteString bytes);

    /** "TYPE:hex"; call once, after the last update. */
    String result();
  }

  /** Whether {@code type} ("SHA1", "md5", …) can be computed here. */
  public static boolean supported(String type) {
    return algorithm(type) != null;
  }

  /** A fresh digest; throws IllegalArgumentException for an unsupported type. */
  public static Digest digest(String type) {
    String name = type.toUpperCase(Locale.ROOT);
    String algorithm = algorithm(name);
    if (algorithm == null) throw new IllegalArgumentException("unsupported checksum type " + type);
    if (algorithm.equals("ADLER32")) return new Adler32Digest(name);
    try {
      return new MessageDigestDigest(name, MessageDigest.getInstance(algorithm));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class MessageDigestDigest implements Digest {
    private final String name;
    private final MessageDigest md;

    MessageDigestDigest(String name, MessageDigest md) {
      this.name = name;
      this.md = md;
    }

    @Override
    public void update(ByteString bytes) {
      for (ByteBuffer buffer : bytes.getByteBuffers()) md.update(buffer);
    }

    @Override
    public String result() {
      return name + ":" + HexFormat.of().formatHex(md.digest());
    }
  }

  /** Adler-32 (RFC 1950), as zlib computes it. */
  private static final class Adler32Digest implements Digest {
    private final String name;
    private final Adler32 adler = new Adler32();

    Adler32Digest(String name) {
      this.name = name;
    }

    @Override
    public void update(ByteString bytes) {
      for (ByteBuffer buffer : bytes.getByteBuffers()) adler.update(buffer);
    }

    @Override
    public String result() {
      return name + ":" + String.format("%08x", adler.getValue());
    }
  }

  /** Reads a file once, without blocking a thread, and returns its "TYPE:hex". */
  public static CompletionStage<String> ofFile(Path file, String type, Materializer materializer) {
    Digest digest = digest(type);
    return FileBytes.of(file)
        .runForeach(digest::update, materializer)
        .thenApply(done -> digest.result());
  }

  /** The type part of "TYPE:hex", upper case; null when there is none. */
  public static String type(String checksum) {
    if (checksum == null) return null;
    int colon = checksum.indexOf(':');
    return colon <= 0 ? null : checksum.substring(0, colon).strip().toUpperCase(Locale.ROOT);
  }

  /**
   * The first checksum of a supported type in a list such as Nextcloud's {@code OC-Checksum} header or
   * {@code oc:checksum} text ("SHA1:ab MD5:cd"), or null.
   */
  public static String firstSupported(String list) {
    if (list == null) return null;
    for (String candidate : list.strip().split("[\\s,]+")) {
      if (supported(type(candidate)) && candidate.indexOf(':') < candidate.length() - 1) return candidate;
    }
    return null;
  }

  /** True when both are of the same type with the same value (hex case ignored). */
  public static boolean equal(String a, String b) {
    if (a == null || b == null) return false;
    return a.strip().equalsIgnoreCase(b.strip());
  }

  /** True when both name the same type, so comparing them means something. */
  public static boolean comparable(String a, String b) {
    String typeA = type(a);
    return typeA != null && typeA.equals(type(b));
  }

  private static String algorithm(String type) {
    if (type == null) return null;
    return switch (type.toUpperCase(Locale.ROOT)) {
      case "SHA1" -> "SHA-1";
      case "MD5" -> "MD5";
      case "SHA256" -> "SHA-256";
      case "SHA512" -> "SHA-512";
      case "ADLER32" -> "ADLER32";
      default -> null;
    };
  }
}
