package io.ncsync.daemon.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialCipherTest {
  @TempDir Path dataDir;

  private static CredentialCipher cipher() {
    return CredentialCipher.withKey(Base64.getDecoder().decode(CredentialCipher.generateKey()));
  }

  @Test
  void roundTrip() {
    CredentialCipher cipher = cipher();
    String sealed = cipher.encrypt("app-password-ÄÖÜ-🔑", "connection:default/c1");
    assertTrue(sealed.startsWith("v1:"));
    assertFalse(sealed.contains("app-password"));
    assertEquals("app-password-ÄÖÜ-🔑", cipher.decrypt(sealed, "connection:default/c1"));
  }

  @Test
  void everyEncryptionUsesAFreshIv() {
    CredentialCipher cipher = cipher();
    assertNotEquals(cipher.encrypt("same", "ad"), cipher.encrypt("same", "ad"));
  }

  @Test
  void tamperingIsDetected() {
    CredentialCipher cipher = cipher();
    String sealed = cipher.encrypt("secret", "ad");
    byte[] bytes = Base64.getUrlDecoder().decode(sealed.substring(3));
    for (int i : new int[] {0, 13, bytes.length - 1}) {
      byte[] altered = bytes.clone();
      altered[i] ^= 1;
      String tampered = "v1:" + Base64.getUrlEncoder().withoutPadding().encodeToString(altered);
      CredentialCipher.CredentialException e =
          assertThrows(CredentialCipher.CredentialException.class, () -> cipher.decrypt(tampered, "ad"));
      assertFalse(e.getMessage().contains("secret,"));
    }
    assertThrows(CredentialCipher.CredentialException.class, () -> cipher.decrypt(sealed.substring(0, 20), "ad"));
    assertThrows(CredentialCipher.CredentialException.class, () -> cipher.decrypt("plaintext", "ad"));
    assertThrows(CredentialCipher.CredentialException.class, () -> cipher.decrypt("v1:!!!", "ad"));
  }

  @Test
  void aCiphertextMovedToAnotherRecordDoesNotDecrypt() {
    CredentialCipher cipher = cipher();
    String sealed = cipher.encrypt("secret", "connection:default/c1");
    assertThrows(CredentialCipher.CredentialException.class, () -> cipher.decrypt(sealed, "connection:default/c2"));
  }

  @Test
  void anotherKeyDoesNotDecrypt() {
    String sealed = cipher().encrypt("secret", "ad");
    String message = assertThrows(CredentialCipher.CredentialException.class, () -> cipher().decrypt(sealed, "ad"))
        .getMessage();
    assertTrue(message.contains("secret.key"), message);
  }

  @Test
  void theKeyFileIsCreatedOwnerOnlyAndReused() throws Exception {
    CredentialCipher first = CredentialCipher.load(Optional.empty(), dataDir);
    Path keyFile = dataDir.resolve(CredentialCipher.KEY_FILE_NAME);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
    assertEquals(32, Base64.getDecoder().decode(Files.readString(keyFile).trim()).length);
    String sealed = first.encrypt("secret", "ad");
    CredentialCipher second = CredentialCipher.load(Optional.empty(), dataDir);
    assertEquals("secret", second.decrypt(sealed, "ad"), "a restart reads the same key");
  }

  @Test
  void aConfiguredKeyWinsAndIsValidated() throws Exception {
    String key = CredentialCipher.generateKey();
    CredentialCipher configured = CredentialCipher.load(Optional.of(key), dataDir);
    assertFalse(Files.exists(dataDir.resolve(CredentialCipher.KEY_FILE_NAME)));
    assertEquals("x", CredentialCipher.withKey(Base64.getDecoder().decode(key)).decrypt(configured.encrypt("x", "a"), "a"));
    String tooShort = Base64.getEncoder().encodeToString(new byte[16]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CredentialCipher.load(Optional.of(tooShort), dataDir));
    assertTrue(e.getMessage().contains("32 bytes"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CredentialCipher.load(Optional.of("not base64 at all!"), dataDir));
  }

  @Test
  void toStringRevealsNothing() {
    assertEquals("CredentialCipher[AES-256-GCM]", cipher().toString());
  }
}
