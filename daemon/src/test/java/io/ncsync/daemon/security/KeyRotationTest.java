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
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Master key rotation on a real (SQLite) journal table and a real key file, including a stop half-way. */
class KeyRotationTest {
  private static final Supplier<CompletionStage<LegacySecretMigration.Outcome>> NOTHING_TO_MIGRATE =
      () -> CompletableFuture.completedFuture(new LegacySecretMigration.Outcome(0, 0));

  @TempDir Path dataDir;
  private String url;
  private MasterKey original;
  private CredentialCipher cipher;
  private String acme;
  private String globex;

  @BeforeEach
  void journalWithTwoTenantsSecrets() throws Exception {
    url = "jdbc:sqlite:" + dataDir.resolve("journal.db");
    original = MasterKey.loadOrCreate(Optional.empty(), dataDir);
    try (Connection db = DriverManager.getConnection(url)) {
      new CredentialKeyRecord(db).createTable();
      JdbcDataKeys.createTable(db);
      new CredentialKeyRecord(db).recordIfAbsent(original.fingerprint());
    }
    cipher = cipherWith(original);
    acme = cipher.encrypt("acme", "acme-password", "connection:acme/c1");
    globex = cipher.encrypt("globex", "globex-password", "connection:globex/c1");
  }

  private CredentialCipher cipherWith(MasterKey key) {
    return new CredentialCipher(new TenantKeys(new JdbcDataKeys(url, null, null), key));
  }

  private KeyRotation rotation(Optional<Path> keyFileDir, Supplier<CompletionStage<LegacySecretMigration.Outcome>> m) {
    return new KeyRotation(cipher.keys(), m, keyFileDir, Runnable::run);
  }

  private String recordedFingerprint() throws Exception {
    try (Connection db = DriverManager.getConnection(url)) {
      return new CredentialKeyRecord(db).fingerprint().orElseThrow();
    }
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aRotationRewrapsEveryDataKeyAndReplacesTheKeyFile() throws Exception {
    KeyRotation.Outcome outcome = await(rotation(Optional.of(dataDir), NOTHING_TO_MIGRATE).rotate(Optional.empty()));

    assertEquals(2, outcome.dataKeys());
    MasterKey fromFile = MasterKey.loadExisting(Optional.empty(), dataDir).orElseThrow();
    assertNotEquals(original.fingerprint(), fromFile.fingerprint());
    assertEquals(fromFile.fingerprint(), outcome.fingerprint());
    assertEquals(fromFile.fingerprint(), recordedFingerprint());
    assertFalse(Files.exists(dataDir.resolve(MasterKey.NEXT_FILE_NAME)));
    assertFalse(outcome.toString().contains(fromFile.encoded()), "the outcome names the key, never holds it");
    for (JdbcDataKeys.Wrapped w : new JdbcDataKeys(url, null, null).all()) {
      assertEquals(fromFile.fingerprint(), w.masterFingerprint());
    }

    // The running daemon goes on, and a restart with the new key file reads every secret...
    assertEquals("acme-password", cipher.decrypt("acme", acme, "connection:acme/c1"));
    CredentialCipher restarted = cipherWith(fromFile);
    assertEquals(2, restarted.keys().unwrapAll());
    assertEquals("acme-password", restarted.decrypt("acme", acme, "connection:acme/c1"));
    assertEquals("globex-password", restarted.decrypt("globex", globex, "connection:globex/c1"));
    // ...and new tenants' keys are wrapped by the new key; the old key opens nothing any more.
    String initech = cipher.encrypt("initech", "p", "ad");
    assertEquals("p", cipherWith(fromFile).decrypt("initech", initech, "ad"));
    assertThrows(CredentialCipher.CredentialException.class, () -> cipherWith(original).keys().unwrapAll());
  }

  @Test
  void withAConfiguredKeyTheNewKeyMustBeGivenAndNoFileIsWritten() throws Exception {
    KeyRotation rotation = rotation(Optional.empty(), NOTHING_TO_MIGRATE);
    KeyRotation.Refused refused = assertThrows(KeyRotation.Refused.class, () -> rotation.rotate(Optional.empty()));
    assertTrue(refused.badInput);
    assertTrue(refused.getMessage().contains("NCSYNC_SECRET_KEY"), refused.getMessage());
    assertThrows(KeyRotation.Refused.class, () -> rotation.rotate(Optional.of("too short")));
    assertThrows(KeyRotation.Refused.class, () -> rotation.rotate(Optional.of(original.encoded())));

    MasterKey next = MasterKey.generate();
    KeyRotation.Outcome outcome = await(rotation.rotate(Optional.of(next.encoded())));
    assertEquals("NCSYNC_SECRET_KEY", outcome.keyLocation());
    assertEquals(next.fingerprint(), recordedFingerprint());
    assertEquals(original.fingerprint(), MasterKey.loadExisting(Optional.empty(), dataDir).orElseThrow().fingerprint(),
        "the key file is not touched");
    assertEquals("globex-password", cipherWith(next).decrypt("globex", globex, "connection:globex/c1"));
  }

  @Test
  void secretsLeftUnderTheMasterKeyStopTheRotationBeforeAnythingChanges() throws Exception {
    KeyRotation rotation = rotation(Optional.of(dataDir),
        () -> CompletableFuture.completedFuture(new LegacySecretMigration.Outcome(3, 1)));
    ExecutionException failed = assertThrows(ExecutionException.class, () -> await(rotation.rotate(Optional.empty())));
    assertTrue(failed.getCause() instanceof KeyRotation.Refused, failed.toString());
    assertTrue(failed.getCause().getMessage().contains("1 stored secrets are still under the master key"));
    assertEquals(original.fingerprint(), recordedFingerprint());
    assertEquals(original.fingerprint(), MasterKey.loadExisting(Optional.empty(), dataDir).orElseThrow().fingerprint());
    assertFalse(Files.exists(dataDir.resolve(MasterKey.NEXT_FILE_NAME)));
  }

  @Test
  void oneRotationAtATime() throws Exception {
    CompletableFuture<LegacySecretMigration.Outcome> slow = new CompletableFuture<>();
    KeyRotation rotation = rotation(Optional.of(dataDir), () -> slow);
    CompletionStage<KeyRotation.Outcome> first = rotation.rotate(Optional.empty());
    KeyRotation.Refused refused = assertThrows(KeyRotation.Refused.class, () -> rotation.rotate(Optional.empty()));
    assertFalse(refused.badInput);
    slow.complete(new LegacySecretMigration.Outcome(0, 0));
    assertEquals(2, await(first).dataKeys());
    assertEquals(2, await(rotation.rotate(Optional.empty())).dataKeys(), "free again once the first is done");
  }

  @Test
  void aStopAfterTheJournalSwitchedKeepsTheNewKey() throws Exception {
    MasterKey next = MasterKey.generate();
    SecretFiles.create(dataDir.resolve(MasterKey.NEXT_FILE_NAME), next.encoded());
    cipher.keys().rotate(next); // the journal switched; the stop came before the rename

    assertTrue(MasterKey.settleRotation(dataDir, Optional.of(recordedFingerprint())));
    assertEquals(next.fingerprint(), MasterKey.loadExisting(Optional.empty(), dataDir).orElseThrow().fingerprint());
    assertFalse(Files.exists(dataDir.resolve(MasterKey.NEXT_FILE_NAME)));
    assertEquals("acme-password", cipherWith(next).decrypt("acme", acme, "connection:acme/c1"));
  }

  @Test
  void aStopBeforeTheJournalSwitchedKeepsTheOldKey() throws Exception {
    SecretFiles.create(dataDir.resolve(MasterKey.NEXT_FILE_NAME), MasterKey.generate().encoded());

    assertFalse(MasterKey.settleRotation(dataDir, Optional.of(recordedFingerprint())));
    assertEquals(original.fingerprint(), MasterKey.loadExisting(Optional.empty(), dataDir).orElseThrow().fingerprint());
    assertFalse(Files.exists(dataDir.resolve(MasterKey.NEXT_FILE_NAME)));
    assertEquals("acme-password", cipherWith(original).decrypt("acme", acme, "connection:acme/c1"));
  }

  @Test
  void aNodeStillOnTheOldKeyCannotWrapNewDataKeys() throws Exception {
    CredentialCipher otherNode = cipherWith(original);
    otherNode.keys().unwrapAll();
    await(rotation(Optional.of(dataDir), NOTHING_TO_MIGRATE).rotate(Optional.empty()));

    assertEquals("acme-password", otherNode.decrypt("acme", acme, "connection:acme/c1"), "keys it holds still work");
    String message = assertThrows(CredentialCipher.CredentialException.class,
        () -> otherNode.encrypt("initech", "p", "ad")).getMessage();
    assertTrue(message.contains("rotated"), message);
    assertTrue(new JdbcDataKeys(url, null, null).find("initech").isEmpty());
  }
}
