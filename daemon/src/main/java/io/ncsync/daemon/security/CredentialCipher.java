package io.ncsync.daemon.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * Encrypts stored secrets (app passwords, webhook signing secrets) under their tenant's data key ({@link TenantKeys}):
 * {@code v2:<base64url(Tink AES-256-GCM ciphertext)>}. The associated data binds a ciphertext to what it belongs to
 * (e.g. "tenant/connection id"), so a ciphertext copied onto another record, or another tenant, does not decrypt.
 * Secrets stored before data keys existed ({@code v1:}, under the master key itself) still decrypt until
 * {@link LegacySecretMigration} has encrypted them again.
 */
public final class CredentialCipher {
  private static final String LEGACY_PREFIX = "v1:";
  private static final String PREFIX = "v2:";

  private final TenantKeys keys;

  public CredentialCipher(TenantKeys keys) {
    this.keys = keys;
  }

  public TenantKeys keys() {
    return keys;
  }

  public String encrypt(String tenantId, String plaintext, String associatedData) {
    try {
      byte[] sealed = keys.forTenant(tenantId).encrypt(
          plaintext.getBytes(StandardCharsets.UTF_8), associatedData.getBytes(StandardCharsets.UTF_8));
      return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(sealed);
    } catch (GeneralSecurityException e) {
      throw new CredentialException("cannot encrypt a secret: " + e.getClass().getSimpleName());
    }
  }

  /**
   * Decrypts what {@link #encrypt} produced for the same tenant and associated data (or a {@code v1:} secret).
   *
   * @throws CredentialException when the ciphertext is malformed, was altered, belongs to another record or tenant,
   *     or its key is not there
   */
  public String decrypt(String tenantId, String ciphertext, String associatedData) {
    boolean legacy = isLegacy(ciphertext);
    if (ciphertext == null || !(legacy || ciphertext.startsWith(PREFIX))) {
      throw new CredentialException("stored secret has an unknown format");
    }
    byte[] sealed;
    try {
      sealed = Base64.getUrlDecoder().decode(ciphertext.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new CredentialException("stored secret is not valid base64");
    }
    try {
      byte[] ad = associatedData.getBytes(StandardCharsets.UTF_8);
      byte[] plain = legacy ? keys.master().aead().decrypt(sealed, ad) : keys.forTenant(tenantId).decrypt(sealed, ad);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new CredentialException("stored secret does not decrypt: it was altered, belongs to another record, or "
          + (legacy ? "the master key (secret.key / NCSYNC_SECRET_KEY) is not the one it was stored with"
              : "the tenant's data key is not the one it was stored with"));
    }
  }

  /** Whether a stored secret predates data keys (encrypted under the master key itself). */
  public static boolean isLegacy(String ciphertext) {
    return ciphertext != null && ciphertext.startsWith(LEGACY_PREFIX);
  }

  @Override
  public String toString() {
    return "CredentialCipher[per-tenant AES-256-GCM data keys]";
  }

  /** A stored secret could not be encrypted or decrypted. The message never contains a key or a plaintext. */
  public static final class CredentialException extends RuntimeException {
    public CredentialException(String message) {
      super(message);
    }
  }
}
