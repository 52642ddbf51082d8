package io.ncsync.daemon.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.Daemon;
import io.ncsync.daemon.FakeSyncEngine;
import io.ncsync.daemon.TestDaemons;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.http.ApiClient;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lost, swapped or damaged journal stops the daemon at start with a message naming the journal and the way out;
 * it never passes as a fresh install. Backups restore what was acknowledged.
 */
class JournalGuardsTest {
  @TempDir Path dataDir;

  private String createConnection(TestDaemons.Running running, String name) {
    return TestDaemons.createConnection(new ApiClient(running.baseUrl(), TestDaemons.TOKEN), name);
  }

  private List<String> connectionNames(TestDaemons.Running running) throws Exception {
    ApiClient api = new ApiClient(running.baseUrl(), TestDaemons.TOKEN);
    List<String> names = new java.util.ArrayList<>();
    api.get("/api/v1/connections").json().forEach(c -> names.add(c.get("name").asText()));
    return names;
  }

  private Daemon.StartupException refusedStart() {
    return assertThrows(Daemon.StartupException.class,
        () -> TestDaemons.start(TestDaemons.embeddedEnv(dataDir), new FakeSyncEngine().factory()).close());
  }

  @Test
  void aLostJournalIsRefusedNotTakenForAFreshInstall() throws Exception {
    try (var first = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), new FakeSyncEngine().factory())) {
      createConnection(first, "cloud");
    }
    Path journal = Settings.sqliteFile(dataDir);
    for (String suffix : List.of("", "-wal", "-shm")) Files.deleteIfExists(Path.of(journal + suffix));

    Daemon.StartupException e = refusedStart();
    assertTrue(e.getMessage().contains(journal.toString()) && e.getMessage().contains("lost"), e.getMessage());
    assertTrue(e.getMessage().contains("backup"), "names the way out: " + e.getMessage());
  }

  @Test
  void anEmptyJournalBesideEarlierLibrariesFoldersIsRefusedEvenWithoutAnId() throws Exception {
    Files.createDirectories(dataDir.resolve("trash").resolve("default").resolve("lib-1"));
    Daemon.StartupException e = refusedStart();
    assertTrue(e.getMessage().contains("is empty") && e.getMessage().contains("trash"), e.getMessage());
  }

  @Test
  void aJournalOfAnotherInstallationIsRefused() throws Exception {
    try (var first = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), new FakeSyncEngine().factory())) {
      createConnection(first, "cloud");
    }
    Files.writeString(dataDir.resolve(JournalIdentity.FILE), "another-journal\n");
    Daemon.StartupException e = refusedStart();
    assertTrue(e.getMessage().contains("another-journal"), e.getMessage());
  }

  @Test
  void aDamagedJournalFileIsAClearStartupError() throws Exception {
    try (var first = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), new FakeSyncEngine().factory())) {
      createConnection(first, "cloud");
    }
    Path journal = Settings.sqliteFile(dataDir);
    try (RandomAccessFile file = new RandomAccessFile(journal.toFile(), "rw")) {
      // Overwrite pages after the header: the file still says it is SQLite, its b-trees are garbage.
      file.seek(4096);
      file.write(new byte[4096 * 3]);
      for (int i = 0; i < 4096; i++) file.write(0x5A);
    }
    Daemon.StartupException e = refusedStart();
    assertTrue(e.getMessage().contains(journal.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("restore"), e.getMessage());
  }

  @Test
  void aBackupTakenWhileRunningRestoresEverythingAcknowledgedBeforeIt() throws Exception {
    Path backup;
    JournalBackups backups = JournalBackups.of(dataDir, Settings.defaultSqliteUrl(dataDir),
        new JournalBackups.Policy(java.time.Duration.ZERO, 2));
    try (var running = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), new FakeSyncEngine().factory())) {
      createConnection(running, "before");
      backup = backups.backup("manual");
      createConnection(running, "after");
    }
    assertEquals(List.of(backup), backups.list());

    Path aside = backups.restore(backup);
    assertTrue(Files.exists(aside.resolve("ncsync.sqlite")), "the replaced journal is kept");
    try (var restored = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), new FakeSyncEngine().factory())) {
      assertEquals(List.of("before"), connectionNames(restored));
    }
  }

  @Test
  void onlyTheNewestBackupsAreKeptAndADamagedOneIsNotRestored() throws Exception {
    JournalBackups backups = JournalBackups.of(dataDir, Settings.defaultSqliteUrl(dataDir),
        new JournalBackups.Policy(java.time.Duration.ZERO, 2));
    try (var running = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), new FakeSyncEngine().factory())) {
      createConnection(running, "cloud");
    }
    Files.createDirectories(backups.dir());
    Path cutShort = backups.dir().resolve("ncsync-20260101T000000.000Z-daily.sqlite.partial-journal");
    Files.writeString(cutShort, "left by a crash during a backup");
    JournalBackups ticking = new JournalBackups(Settings.sqliteFile(dataDir), Settings.defaultSqliteUrl(dataDir),
        backups.dir(), 2, Clock.offset(Clock.systemUTC(), java.time.Duration.ofDays(1)));
    backups.backup("a");
    Path second = ticking.backup("b");
    Path third = new JournalBackups(Settings.sqliteFile(dataDir), Settings.defaultSqliteUrl(dataDir), backups.dir(), 2,
        Clock.offset(Clock.systemUTC(), java.time.Duration.ofDays(2))).backup("c");
    assertEquals(List.of(third, second), backups.list());
    assertTrue(Files.notExists(cutShort), "what a crashed backup left is cleared by the next one");

    Path broken = dataDir.resolve("broken.sqlite");
    Files.write(broken, new byte[8192]);
    byte[] before = Files.readAllBytes(Settings.sqliteFile(dataDir));
    assertThrows(java.io.IOException.class, () -> backups.restore(broken));
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(Settings.sqliteFile(dataDir))),
        "a refused restore leaves the journal alone");
    assertFalse(Files.exists(backups.dir().resolve("replaced")));
  }

  @Test
  void aNewSchemaIsAppliedOnlyAfterABackup() throws Exception {
    try (var running = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), new FakeSyncEngine().factory())) {
      createConnection(running, "cloud");
    }
    JournalBackups backups = JournalBackups.of(dataDir, Settings.defaultSqliteUrl(dataDir),
        new JournalBackups.Policy(java.time.Duration.ZERO, 7));
    assertTrue(backups.backupBeforeSchemaChange(SchemaInstaller.schemaSha256(io.ncsync.daemon.config.DbKind.SQLITE))
        .isEmpty(), "the schema the daemon applied is recorded: no backup for the same schema");
    assertTrue(backups.backupBeforeSchemaChange("another-schema").isPresent());
    assertEquals(1, backups.list().size());
  }
}
