package io.ncsync.daemon.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.TestDaemons;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.db.SchemaInstaller;
import io.ncsync.daemon.security.MasterKey;
import io.ncsync.daemon.security.SecretFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The credential key is checked against the fingerprint the journal recorded: a missing or different key is refused
 * and never replaced over existing ciphertexts. On the embedded journal, as the daemon opens it.
 */
class CredentialKeyGuardTest {
  @TempDir Path dataDir;
  private Settings settings;
  private Path keyFile;

  @BeforeEach
  void journal() throws Exception {
    settings = settings(Map.of());
    keyFile = dataDir.resolve(MasterKey.FILE_NAME);
    SecretFiles.ensureDirectory(dataDir.resolve("db"));
    SchemaInstaller.apply(settings.dbKind(), settings.dbUrl(), settings.dbUser(), settings.dbPassword());
  }

  private Settings settings(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(TestDaemons.embeddedEnv(dataDir));
    env.putAll(extra);
    return TestDaemons.load(env).settings();
  }

  @Test
  void aFreshJournalGetsANewKeyAndLaterStartsTheSameOne() throws Exception {
    MasterKey first = CredentialKeyGuard.open(settings);
    assertTrue(Files.exists(keyFile));
    assertEquals(first.fingerprint(), CredentialKeyGuard.open(settings).fingerprint());
  }

  @Test
  void aMissingKeyIsRefusedNamingTheFileAndNotReplaced() throws Exception {
    CredentialKeyGuard.open(settings);
    Files.delete(keyFile);
    CredentialKeyGuard.KeyMismatchException refused =
        assertThrows(CredentialKeyGuard.KeyMismatchException.class, () -> CredentialKeyGuard.open(settings));
    assertTrue(refused.getMessage().contains("created with a credential key that is missing: restore " + keyFile),
        refused.getMessage());
    assertFalse(Files.exists(keyFile), "no replacement key is generated");
  }

  @Test
  void aDifferentKeyFileIsRefused() throws Exception {
    CredentialKeyGuard.open(settings);
    Files.delete(keyFile);
    SecretFiles.create(keyFile, MasterKey.generate().encoded());
    CredentialKeyGuard.KeyMismatchException refused =
        assertThrows(CredentialKeyGuard.KeyMismatchException.class, () -> CredentialKeyGuard.open(settings));
    assertTrue(refused.getMessage().contains("the credential key in " + keyFile + " is not the one"), refused.getMessage());
  }

  @Test
  void aDifferentConfiguredKeyIsRefusedNamingTheVariable() throws Exception {
    CredentialKeyGuard.open(settings(Map.of("NCSYNC_SECRET_KEY", MasterKey.generate().encoded())));
    Settings other = settings(Map.of("NCSYNC_SECRET_KEY", MasterKey.generate().encoded()));
    CredentialKeyGuard.KeyMismatchException refused =
        assertThrows(CredentialKeyGuard.KeyMismatchException.class, () -> CredentialKeyGuard.open(other));
    assertTrue(refused.getMessage().contains("the credential key in NCSYNC_SECRET_KEY is not the one"),
        refused.getMessage());
  }

  @Test
  void aJournalFromBeforeTheFingerprintWithItsKeyLostIsRefused() throws Exception {
    journalAnEvent();
    CredentialKeyGuard.KeyMismatchException refused =
        assertThrows(CredentialKeyGuard.KeyMismatchException.class, () -> CredentialKeyGuard.open(settings));
    assertTrue(refused.getMessage().contains("already holds connections and libraries, but the credential key "
        + keyFile + " is missing"), refused.getMessage());
    assertFalse(Files.exists(keyFile), "no replacement key is generated");
  }

  @Test
  void aJournalFromBeforeTheFingerprintWithItsKeyGetsTheFingerprintRecorded() throws Exception {
    journalAnEvent();
    SecretFiles.create(keyFile, MasterKey.generate().encoded());
    CredentialKeyGuard.open(settings);
    Files.delete(keyFile);
    SecretFiles.create(keyFile, MasterKey.generate().encoded());
    assertThrows(CredentialKeyGuard.KeyMismatchException.class, () -> CredentialKeyGuard.open(settings),
        "the first key seen was recorded, so another one is refused from then on");
  }

  @Test
  void aRotationAStopInterruptedAfterTheJournalSwitchedIsFinishedAtStart() throws Exception {
    CredentialKeyGuard.open(settings);
    MasterKey next = MasterKey.generate();
    SecretFiles.create(dataDir.resolve(MasterKey.NEXT_FILE_NAME), next.encoded());
    try (Connection c = DriverManager.getConnection(settings.dbUrl(), settings.dbUser(), settings.dbPassword())) {
      new io.ncsync.daemon.db.CredentialKeyRecord(c).replace(next.fingerprint());
    }
    assertEquals(next.fingerprint(), CredentialKeyGuard.open(settings).fingerprint());
    assertEquals(next.encoded(), Files.readString(keyFile).trim());
    assertFalse(Files.exists(dataDir.resolve(MasterKey.NEXT_FILE_NAME)));
  }

  @Test
  void aRotationThatNeverReachedTheJournalIsForgottenAtStart() throws Exception {
    MasterKey original = CredentialKeyGuard.open(settings);
    SecretFiles.create(dataDir.resolve(MasterKey.NEXT_FILE_NAME), MasterKey.generate().encoded());
    assertEquals(original.fingerprint(), CredentialKeyGuard.open(settings).fingerprint());
    assertFalse(Files.exists(dataDir.resolve(MasterKey.NEXT_FILE_NAME)));
  }

  private void journalAnEvent() throws Exception {
    try (Connection c = DriverManager.getConnection(settings.dbUrl(), settings.dbUser(), settings.dbPassword());
        Statement s = c.createStatement()) {
      s.execute("INSERT INTO event_journal (persistence_id, sequence_number, writer, write_timestamp, adapter_manifest,"
          + " event_payload, event_ser_id, event_ser_manifest) VALUES ('Tenant|default', 1, 'w', 0, '', X'00', 1, '')");
    }
  }
}
