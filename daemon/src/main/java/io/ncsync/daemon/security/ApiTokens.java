package io.ncsync.daemon.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tokens the API issues: {@code ncs_<id>_<secret>}, where the id (16 hex digits) finds the stored record and the
 * secret is 32 random bytes. Only the SHA-256 of the whole token is stored (the secret has 256 bits of entropy, so a
 * plain hash is enough: there is nothing to guess), compared in constant time.
 */
public final class ApiTokens {
  private static final Pattern FORMAT = Pattern.compile("ncs_([0-9a-f]{16})_([A-Za-z0-9_-]{43})");
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiTokens() {}

  /** A new token and its id. {@code toString} hides the secret. */
  public record Issued(String id, String token) {
    public String sha256() {
      return ApiTokens.sha256(token);
    }

    @Override
    public String toString() {
      return "ApiTokens.Issued[id=" + id + "]";
    }
  }

  public static Issued issue() {
    byte[] id = new byte[8];
    RANDOM.nextBytes(id);
    String hexId = HexFormat.of().formatHex(id);
    return new Issued(hexId, "ncs_" + hexId + "_" + AdminToken.generate());
  }

  /** The id a presented token claims, when it has the shape of an issued token. */
  public static Optional<String> idOf(String presented) {
    if (presented == null) return Optional.empty();
    Matcher matcher = FORMAT.matcher(presented);
    return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
  }

  /** Whether {@code presented} is the token whose hash was stored; constant-time in the content. */
  public static boolean matches(String presented, String storedSha256) {
    if (presented == null || storedSha256 == null) return false;
    return MessageDigest.isEqual(sha256(presented).getBytes(StandardCharsets.US_ASCII),
        storedSha256.getBytes(StandardCharsets.US_ASCII));
  }

  static String sha256(String value) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
