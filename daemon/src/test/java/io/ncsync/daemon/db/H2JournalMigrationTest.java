package io.ncsync.daemon.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.FakeSyncEngine;
import io.ncsync.daemon.TestDaemons;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.http.ApiClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data dir of an earlier version, journaled in H2, starts on SQLite with everything it had. */
class H2JournalMigrationTest {
  @TempDir Path dataDir;

  @Test
  void theH2JournalMovesIntoSqliteOnceAndIsKept() throws Exception {
    Map<String, String> h2 = TestDaemons.embeddedEnv(dataDir);
    h2.put("NCSYNC_DB_URL", Settings.defaultH2Url(dataDir));
    h2.put("NCSYNC_SYNC_SNAPSHOT_EVERY", "1");
    String libraryId;
    try (var old = TestDaemons.start(h2, new FakeSyncEngine().factory())) {
      ApiClient api = new ApiClient(old.baseUrl(), TestDaemons.TOKEN);
      libraryId = TestDaemons.createLibrary(api, TestDaemons.createConnection(api, "cloud"), "docs");
    }

    try (var migrated = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), new FakeSyncEngine().factory())) {
      ApiClient api = new ApiClient(migrated.baseUrl(), TestDaemons.TOKEN);
      assertEquals("cloud", api.get("/api/v1/connections").json().get(0).get("name").asText());
      assertEquals(200, api.get("/api/v1/libraries/" + libraryId).status());
    }
    assertTrue(Files.exists(dataDir.resolve("db/ncsync.mv.db.migrated")), "the H2 file is kept");
    assertTrue(Files.notExists(dataDir.resolve("db/ncsync.mv.db")), "and not migrated twice");
    assertTrue(Files.exists(Settings.sqliteFile(dataDir)));
  }
}
