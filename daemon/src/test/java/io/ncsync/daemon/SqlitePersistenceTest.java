package io.ncsync.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections, libraries and runs survive a restart on the embedded default, SQLite, with snapshots taken after
 * every event so that the snapshot store is read back too.
 */
class SqlitePersistenceTest {
  @TempDir Path dataDir;

  @Test
  void everythingSurvivesARestartOnTheDefaultStore() throws Exception {
    Map<String, String> env = TestDaemons.embeddedEnv(dataDir);
    env.put("NCSYNC_SYNC_SNAPSHOT_EVERY", "1");
    PersistenceRoundTrip.run(env, dataDir);
    assertTrue(Files.isRegularFile(Settings.sqliteFile(dataDir)), "the default journal is the SQLite file");
    assertTrue(Files.notExists(dataDir.resolve("db").resolve("ncsync.mv.db")), "no H2 file");
  }
}
