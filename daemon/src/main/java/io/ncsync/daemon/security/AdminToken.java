package io.ncsync.daemon.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's bearer token. Either configured ({@code NCSYNC_ADMIN_TOKEN}) or kept in {@code <data dir>/admin-token}
 * (mode 0600), created on first start. Only the file's path is ever logged. Comparison is constant-time.
 */
public final class AdminToken {
  private static final Logger log = LoggerFactory.getLogger(AdminToken.class);

  public static final String FILE_NAME = "admin-token";
  /** A configured token shorter than this is refused; a generated one has 43 characters. */
  public static final int MIN_LENGTH = 32;

  private final byte[] digest;

  private AdminToken(String token) {
    this.digest = sha256(token);
  }

  /** A token known in advance (tests, or the configured one). */
  public static AdminToken of(String token) {
    if (token == null || token.isBlank()) throw new IllegalArgumentException("admin token must not be empty");
    return new AdminToken(token);
  }

  /**
   * The configured token if present, else the one in {@code <dataDir>/admin-token}, created when missing.
   *
   * @return the token and where it came from
   */
  public static Resolved resolve(Optional<String> configured, Path dataDir) throws IOException {
    if (configured.isPresent()) {
      String token = configured.get();
      if (token.length() < MIN_LENGTH) {
        throw new IllegalArgumentException("NCSYNC_ADMIN_TOKEN has " + token.length() + " characters, fewer than the "
            + MIN_LENGTH + " required: set a long random one (e.g. `openssl rand -base64 32`), or unset it to use the "
            + "token generated into " + dataDir.resolve(FILE_NAME));
      }
      log.info("admin API token: taken from the configuration (NCSYNC_ADMIN_TOKEN)");
      return new Resolved(token, Optional.empty());
    }
    Path file = dataDir.resolve(FILE_NAME);
    boolean existed = java.nio.file.Files.exists(file);
    String token = SecretFiles.readOrCreate(file, AdminToken::generate);
    if (token.length() < MIN_LENGTH) {
      // Refused only when configured (the rule); a hand-edited file is warned about, not locked out.
      log.warn("the admin token in {} is shorter than {} characters; delete the file to have a strong one generated",
          file, MIN_LENGTH);
    }
    log.info("admin API token: {} file {} (send it as 'Authorization: Bearer <token>')",
        existed ? "read from" : "created in", file);
    return new Resolved(token, Optional.of(file));
  }

  /** The token, and the file it lives in (empty when configured). {@code toString} hides the token. */
  public record Resolved(String token, Optional<Path> file) {
    public AdminToken toAdminToken() {
      return AdminToken.of(token);
    }

    @Override
    public String toString() {
      return "AdminToken.Resolved[file=" + file.map(Path::toString).orElse("(configured)") + "]";
    }
  }

  /** 32 random bytes, base64url without padding (43 characters). */
  public static String generate() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Whether the presented token is this one. Both are hashed first, so the comparison takes the same time whatever
   * the presented token's length or content.
   */
  public boolean matches(String presented) {
    if (presented == null) return false;
    return MessageDigest.isEqual(digest, sha256(presented));
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  @Override
  public String toString() {
    return "AdminToken[***]";
  }
}
