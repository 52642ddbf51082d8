package io.ncsync.daemon.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encrypts stored credentials (app passwords) with AES-256-GCM. The key is 32 bytes, from {@code NCSYNC_SECRET_KEY}
 * (base64) or from {@code <data dir>/secret.key} (created mode 0600 on first start). Ciphertext format:
 * {@code v1:<base64url(12-byte IV || ciphertext || 16-byte tag)>}. The associated data binds a ciphertext to what it
 * belongs to (e.g. "tenant/connection id"), so a ciphertext copied onto another record does not decrypt.
 */
public final class CredentialCipher {
  private static final Logger log = LoggerFactory.getLogger(CredentialCipher.class);

  public static final String KEY_FILE_NAME = "secret.key";
  private static final String PREFIX = "v1:";
  private static final int KEY_BYTES = 32;
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKey key;
  private final SecureRandom random = new SecureRandom();

  private CredentialCipher(byte[] keyBytes) {
    if (keyBytes.length != KEY_BYTES) {
      throw new IllegalArgumentException("the credential key must be " + KEY_BYTES + " bytes, got " + keyBytes.length);
    }
    this.key = new SecretKeySpec(keyBytes, "AES");
  }

  /** A cipher with this key (32 bytes). */
  public static CredentialCipher withKey(byte[] keyBytes) {
    return new CredentialCipher(keyBytes.clone());
  }

  /** The configured base64 key if present, else the key file under the data dir, created when missing. */
  public static CredentialCipher load(Optional<String> configuredBase64, Path dataDir) throws IOException {
    if (configuredBase64.isPresent()) {
      log.info("credential key: taken from the configuration (NCSYNC_SECRET_KEY)");
      return new CredentialCipher(decodeKey(configuredBase64.get(), "NCSYNC_SECRET_KEY"));
    }
    Path file = dataDir.resolve(KEY_FILE_NAME);
    boolean existed = java.nio.file.Files.exists(file);
    String encoded = SecretFiles.readOrCreate(file, CredentialCipher::generateKey);
    log.info("credential key: {} file {} (back it up: stored app passwords cannot be read without it)",
        existed ? "read from" : "created in", file);
    return new CredentialCipher(decodeKey(encoded, file.toString()));
  }

  /**
   * The configured key, or the key file when it exists; empty when neither is there. Never creates a key, so a start-up
   * check can first ask the journal whether a key is expected.
   */
  public static Optional<CredentialCipher> loadExisting(Optional<String> configuredBase64, Path dataDir)
      throws IOException {
    if (configuredBase64.isPresent()) return Optional.of(load(configuredBase64, dataDir));
    Path file = dataDir.resolve(KEY_FILE_NAME);
    Optional<String> encoded = SecretFiles.read(file);
    if (encoded.isEmpty()) return Optional.empty();
    log.info("credential key: read from file {} (back it up: stored app passwords cannot be read without it)", file);
    return Optional.of(new CredentialCipher(decodeKey(encoded.get(), file.toString())));
  }

  /** Where the key is expected, as an operator would set it: NCSYNC_SECRET_KEY or the key file's path. */
  public static String keyLocation(Optional<String> configuredBase64, Path dataDir) {
    return configuredBase64.isPresent() ? "NCSYNC_SECRET_KEY" : dataDir.resolve(KEY_FILE_NAME).toString();
  }

  /**
   * Identifies the key without revealing it: hex HMAC-SHA256 of a constant under the key. Recorded in the journal so a
   * later start can tell a missing or different key from the right one before a single credential fails to decrypt.
   */
  public String fingerprint() {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
      return java.util.HexFormat.of().formatHex(
          mac.doFinal("ncsync credential key fingerprint v1".getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }

  /** A new random key, base64. */
  public static String generateKey() {
    byte[] bytes = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  public String encrypt(String plaintext, String associatedData) {
    byte[] iv = new byte[IV_BYTES];
    random.nextBytes(iv);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[IV_BYTES + sealed.length];
      System.arraycopy(iv, 0, out, 0, IV_BYTES);
      System.arraycopy(sealed, 0, out, IV_BYTES, sealed.length);
      return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  /**
   * Decrypts what {@link #encrypt} produced with the same associated data.
   *
   * @throws CredentialException when the ciphertext is malformed, was altered, belongs to another record, or was
   *     encrypted with another key
   */
  public String decrypt(String ciphertext, String associatedData) {
    if (ciphertext == null || !ciphertext.startsWith(PREFIX)) {
      throw new CredentialException("stored credential has an unknown format");
    }
    byte[] in;
    try {
      in = Base64.getUrlDecoder().decode(ciphertext.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new CredentialException("stored credential is not valid base64");
    }
    if (in.length < IV_BYTES + TAG_BITS / 8) throw new CredentialException("stored credential is truncated");
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, IV_BYTES));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      byte[] plain = cipher.doFinal(in, IV_BYTES, in.length - IV_BYTES);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (AEADBadTagException e) {
      throw new CredentialException(
          "stored credential does not decrypt: it was altered, or the credential key (secret.key / NCSYNC_SECRET_KEY) "
              + "is not the one it was stored with");
    } catch (GeneralSecurityException e) {
      throw new CredentialException("stored credential does not decrypt: " + e.getClass().getSimpleName());
    }
  }

  private static byte[] decodeKey(String base64, String source) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      try {
        bytes = Base64.getUrlDecoder().decode(base64.trim());
      } catch (IllegalArgumentException e2) {
        throw new IllegalArgumentException("the credential key in " + source + " is not valid base64");
      }
    }
    if (bytes.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          "the credential key in " + source + " must decode to " + KEY_BYTES + " bytes, got " + bytes.length);
    }
    return bytes;
  }

  @Override
  public String toString() {
    return "CredentialCipher[AES-256-GCM]";
  }

  /** A stored credential could not be decrypted. The message never contains key or plaintext. */
  public static final class CredentialException extends RuntimeException {
    public CredentialException(String message) {
      super(message);
    }
  }
}
