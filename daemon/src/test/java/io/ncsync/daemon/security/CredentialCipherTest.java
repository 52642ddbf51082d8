package io.ncsync.daemon.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.db.CredentialKeyRecord;
import io.ncsync.daemon.db.JdbcDataKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets under per-tenant data keys, and the secrets stored before them, on a real (SQLite) key table. */
class CredentialCipherTest {
  @TempDir Path dataDir;
  private String url;
  private MasterKey master;
  private CredentialCipher cipher;

  @BeforeEach
  void keyTable() throws Exception {
    url = "jdbc:sqlite:" + dataDir.resolve("keys.db");
    try (Connection db = DriverManager.getConnection(url)) {
      new CredentialKeyRecord(db).createTable();
      JdbcDataKeys.createTable(db);
    }
    master = MasterKey.generate();
    cipher = cipherWith(master);
  }

  private CredentialCipher cipherWith(MasterKey key) {
    return new CredentialCipher(new TenantKeys(new JdbcDataKeys(url, null, null), key));
  }

  @Test
  void roundTrip() {
    String sealed = cipher.encrypt("default", "app-password-ÄÖÜ-🔑", "connection:default/c1");
    assertTrue(sealed.startsWith("v2:"));
    assertFalse(sealed.contains("app-password"));
    assertEquals("app-password-ÄÖÜ-🔑", cipher.decrypt("default", sealed, "connection:default/c1"));
  }

  @Test
  void everyEncryptionUsesAFreshIv() {
    assertNotEquals(cipher.encrypt("default", "same", "ad"), cipher.encrypt("default", "same", "ad"));
  }

  @Test
  void tamperingIsDetected() {
    String sealed = cipher.encrypt("default", "secret", "ad");
    for (int i = 3; i < sealed.length() - 1; i++) { // the last character may carry only padding bits
      char[] chars = sealed.toCharArray();
      chars[i] = chars[i] == 'A' ? 'B' : 'A';
      String tampered = new String(chars);
      if (tampered.equals(sealed)) continue;
      assertThrows(CredentialCipher.CredentialException.class, () -> cipher.decrypt("default", tampered, "ad"));
    }
    assertThrows(CredentialCipher.CredentialException.class, () -> cipher.decrypt("default", sealed.substring(0, 20), "ad"));
    assertThrows(CredentialCipher.CredentialException.class, () -> cipher.decrypt("default", "plaintext", "ad"));
    assertThrows(CredentialCipher.CredentialException.class, () -> cipher.decrypt("default", "v2:!!!", "ad"));
  }

  @Test
  void aCiphertextMovedToAnotherRecordDoesNotDecrypt() {
    String sealed = cipher.encrypt("default", "secret", "connection:default/c1");
    assertThrows(CredentialCipher.CredentialException.class,
        () -> cipher.decrypt("default", sealed, "connection:default/c2"));
  }

  @Test
  void eachTenantHasItsOwnDataKey() throws Exception {
    String sealed = cipher.encrypt("acme", "secret", "ad");
    String message = assertThrows(CredentialCipher.CredentialException.class,
        () -> cipher.decrypt("globex", sealed, "ad")).getMessage();
    assertTrue(message.contains("data key"), message);
    assertEquals(2, new JdbcDataKeys(url, null, null).all().size());
  }

  @Test
  void dataKeysAreStoredWrappedAndReadByTheNextStart() throws Exception {
    String sealed = cipher.encrypt("acme", "secret", "ad");
    JdbcDataKeys.Wrapped stored = new JdbcDataKeys(url, null, null).find("acme").orElseThrow();
    assertEquals(master.fingerprint(), stored.masterFingerprint());
    CredentialCipher restarted = cipherWith(MasterKey.decode(master.encoded(), "test"));
    assertEquals(1, restarted.keys().unwrapAll());
    assertEquals("secret", restarted.decrypt("acme", sealed, "ad"));
  }

  @Test
  void anotherMasterKeyCannotUnwrapTheDataKeys() {
    cipher.encrypt("acme", "secret", "ad");
    String message = assertThrows(CredentialCipher.CredentialException.class,
        () -> cipherWith(MasterKey.generate()).keys().unwrapAll()).getMessage();
    assertTrue(message.contains("another master key"), message);
  }

  @Test
  void aWrappedKeyCopiedOntoAnotherTenantDoesNotUnwrap() throws Exception {
    cipher.encrypt("acme", "secret", "ad");
    try (Connection db = DriverManager.getConnection(url)) {
      db.createStatement().execute("INSERT INTO ncsync_data_keys SELECT 'globex', master_fingerprint, keyset, "
          + "created_millis, wrapped_millis FROM ncsync_data_keys WHERE tenant_id = 'acme'");
    }
    String message = assertThrows(CredentialCipher.CredentialException.class,
        () -> cipherWith(master).keys().unwrapAll()).getMessage();
    assertTrue(message.contains("does not unwrap"), message);
  }

  @Test
  void secretsStoredBeforeDataKeysStillDecrypt() throws Exception {
    String v1 = LegacySecrets.v1(master.encoded(), "old-password", "connection:default/c1");

    assertTrue(CredentialCipher.isLegacy(v1));
    assertEquals("old-password", cipher.decrypt("default", v1, "connection:default/c1"));
    assertThrows(CredentialCipher.CredentialException.class, () -> cipher.decrypt("default", v1, "connection:default/c2"));
    String message = assertThrows(CredentialCipher.CredentialException.class,
        () -> cipherWith(MasterKey.generate()).decrypt("default", v1, "connection:default/c1")).getMessage();
    assertTrue(message.contains("secret.key"), message);
  }

  @Test
  void theKeyFileIsCreatedOwnerOnlyAndReused() throws Exception {
    MasterKey first = MasterKey.loadOrCreate(Optional.empty(), dataDir);
    Path keyFile = dataDir.resolve(MasterKey.FILE_NAME);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
    assertEquals(32, Base64.getDecoder().decode(Files.readString(keyFile).trim()).length);
    assertEquals(first.fingerprint(), MasterKey.loadOrCreate(Optional.empty(), dataDir).fingerprint());
    assertEquals(first.fingerprint(), MasterKey.loadExisting(Optional.empty(), dataDir).orElseThrow().fingerprint());
  }

  @Test
  void aConfiguredKeyWinsAndIsValidated() throws Exception {
    String key = MasterKey.generate().encoded();
    MasterKey configured = MasterKey.loadOrCreate(Optional.of(key), dataDir);
    assertFalse(Files.exists(dataDir.resolve(MasterKey.FILE_NAME)));
    assertEquals(MasterKey.decode(key, "x").fingerprint(), configured.fingerprint());
    String tooShort = Base64.getEncoder().encodeToString(new byte[16]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MasterKey.loadOrCreate(Optional.of(tooShort), dataDir));
    assertTrue(e.getMessage().contains("32 bytes"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> MasterKey.loadOrCreate(Optional.of("not base64 at all!"), dataDir));
  }

  @Test
  void toStringRevealsNothing() {
    assertFalse(master.toString().contains(master.encoded()));
    assertFalse(master.toString().contains(master.fingerprint()));
    assertEquals("CredentialCipher[per-tenant AES-256-GCM data keys]", cipher.toString());
  }
}
