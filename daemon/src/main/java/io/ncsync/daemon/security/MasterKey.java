package io.ncsync.daemon.security;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.util.SecretBytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master key: 32 bytes from {@code NCSYNC_SECRET_KEY} (base64) or {@code <data dir>/secret.key} (mode 0600,
 * created on first start). It encrypts nothing but the tenants' data keys ({@link TenantKeys}); secrets stored before
 * data keys existed ({@code v1:}) were encrypted under it directly, as AES-256-GCM with a 12-byte IV in front, which
 * is exactly Tink's AES-GCM without an output prefix, so {@link #aead()} still reads them.
 */
public final class MasterKey {
  private static final Logger log = LoggerFactory.getLogger(MasterKey.class);

  public static final String FILE_NAME = "secret.key";
  /** Where a rotation writes the new key before the journal switches to it (see {@link #settleRotation}). */
  public static final String NEXT_FILE_NAME = "secret.key.next";
  public static final String ENV_NAME = "NCSYNC_SECRET_KEY";
  private static final int KEY_BYTES = 32;

  static {
    try {
      AeadConfig.register();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final byte[] bytes;
  private final Aead aead;

  private MasterKey(byte[] bytes) {
    if (bytes.length != KEY_BYTES) {
      throw new IllegalArgumentException("the master key must be " + KEY_BYTES + " bytes, got " + bytes.length);
    }
    this.bytes = bytes.clone();
    try {
      AesGcmKey key = AesGcmKey.builder()
          .setParameters(AesGcmParameters.builder().setKeySizeBytes(KEY_BYTES).setIvSizeBytes(12).setTagSizeBytes(16)
              .setVariant(AesGcmParameters.Variant.NO_PREFIX).build())
          .setKeyBytes(SecretBytes.copyFrom(this.bytes, InsecureSecretKeyAccess.get()))
          .build();
      this.aead = KeysetHandle.newBuilder().addEntry(KeysetHandle.importKey(key).withRandomId().makePrimary()).build()
          .getPrimitive(RegistryConfiguration.get(), Aead.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is part of every Java runtime", e);
    }
  }

  /** A master key of these 32 bytes. */
  public static MasterKey of(byte[] bytes) {
    return new MasterKey(bytes);
  }

  /** A new random key. */
  public static MasterKey generate() {
    byte[] bytes = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(bytes);
    return new MasterKey(bytes);
  }

  /** Parses a base64 (or base64url) key; {@code source} names where it came from in the error. */
  public static MasterKey decode(String base64, String source) {
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      try {
        decoded = Base64.getUrlDecoder().decode(base64.trim());
      } catch (IllegalArgumentException e2) {
        throw new IllegalArgumentException("the master key in " + source + " is not valid base64");
      }
    }
    if (decoded.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          "the master key in " + source + " must decode to " + KEY_BYTES + " bytes, got " + decoded.length);
    }
    return new MasterKey(decoded);
  }

  /** The configured key, or the key file when it exists; empty when neither is there. Never creates a key. */
  public static Optional<MasterKey> loadExisting(Optional<String> configuredBase64, Path dataDir) throws IOException {
    if (configuredBase64.isPresent()) {
      log.info("master key: taken from the configuration ({})", ENV_NAME);
      return Optional.of(decode(configuredBase64.get(), ENV_NAME));
    }
    Path file = dataDir.resolve(FILE_NAME);
    Optional<String> encoded = SecretFiles.read(file);
    if (encoded.isEmpty()) return Optional.empty();
    log.info("master key: read from file {} (back it up: stored app passwords cannot be read without it)", file);
    return Optional.of(decode(encoded.get(), file.toString()));
  }

  /** The configured key, else the key file, created (0600) when missing. */
  public static MasterKey loadOrCreate(Optional<String> configuredBase64, Path dataDir) throws IOException {
    if (configuredBase64.isPresent()) return loadExisting(configuredBase64, dataDir).orElseThrow();
    Path file = dataDir.resolve(FILE_NAME);
    boolean existed = Files.exists(file);
    String encoded = SecretFiles.readOrCreate(file, () -> generate().encoded());
    log.info("master key: {} file {} (back it up: stored app passwords cannot be read without it)",
        existed ? "read from" : "created in", file);
    return decode(encoded, file.toString());
  }

  /** Where the key is expected, as an operator would set it: NCSYNC_SECRET_KEY or the key file's path. */
  public static String location(Optional<String> configuredBase64, Path dataDir) {
    return configuredBase64.isPresent() ? ENV_NAME : dataDir.resolve(FILE_NAME).toString();
  }

  /**
   * Finishes or forgets a rotation a crash interrupted. A rotation writes {@value #NEXT_FILE_NAME}, switches the
   * journal to the new key in one transaction, then renames the file over {@value #FILE_NAME}. So a left-over next
   * file whose fingerprint the journal records is the key to keep; any other left-over never took effect.
   *
   * @return true when the next file became the key file
   */
  public static boolean settleRotation(Path dataDir, Optional<String> recordedFingerprint) throws IOException {
    Path next = dataDir.resolve(NEXT_FILE_NAME);
    Optional<String> encoded = SecretFiles.read(next);
    if (encoded.isEmpty()) return false;
    MasterKey pending = decode(encoded.get(), next.toString());
    if (recordedFingerprint.isPresent() && recordedFingerprint.get().equals(pending.fingerprint())) {
      Files.move(next, dataDir.resolve(FILE_NAME), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      log.warn("master key: finished a rotation a stop interrupted: {} now holds the new key", dataDir.resolve(FILE_NAME));
      return true;
    }
    Files.delete(next);
    log.warn("master key: removed {} left by a rotation that did not take effect", next);
    return false;
  }

  /** Tink's AEAD under this key (AES-256-GCM, 12-byte IV in front, no prefix). */
  Aead aead() {
    return aead;
  }

  /** Base64, as in the key file: for writing the key file (and tests' keys); never logged or answered. */
  public String encoded() {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /**
   * Identifies the key without revealing it: hex HMAC-SHA256 of a constant under the key. Recorded in the journal so a
   * later start can tell a missing or different key from the right one before a single secret fails to decrypt.
   */
  public String fingerprint() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(bytes, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal("ncsync credential key fingerprint v1".getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }

  @Override
  public String toString() {
    return "MasterKey[" + fingerprint().substring(0, 8) + "…]";
  }
}
