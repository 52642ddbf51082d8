package io.ncsync.daemon.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.FakeSyncEngine;
import io.ncsync.daemon.TestDaemons;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.http.ApiClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A library whose journal cannot be replayed ends the start with an error (exit code 1) instead of a daemon that
 * answers 503 for ever; until every library has recovered, readiness says so.
 */
class RecoveryFailureTest {
  @TempDir Path dataDir;

  @Test
  void anUnreadableLibraryJournalEndsTheStartAndReadinessNeverSaysReady() throws Exception {
    Map<String, String> env = TestDaemons.embeddedEnv(dataDir);
    env.put("NCSYNC_STARTUP_RECOVERY_TIMEOUT", "2s");
    String libraryId;
    try (var first = TestDaemons.start(env, new FakeSyncEngine().factory())) {
      ApiClient api = new ApiClient(first.baseUrl(), TestDaemons.TOKEN);
      libraryId = TestDaemons.createLibrary(api, TestDaemons.createConnection(api, "cloud"), "docs");
    }
    // The library's next event exists but cannot be read back (its bytes are not CBOR).
    try (Connection db = DriverManager.getConnection(Settings.defaultSqliteUrl(dataDir));
        PreparedStatement copy = db.prepareStatement("""
            INSERT INTO event_journal (persistence_id, sequence_number, deleted, writer, write_timestamp,
              adapter_manifest, event_ser_id, event_ser_manifest, event_payload)
            SELECT persistence_id, sequence_number + 1, deleted, writer, write_timestamp, adapter_manifest,
              event_ser_id, event_ser_manifest, X'FFFFFFFF00'
            FROM event_journal WHERE persistence_id LIKE ? ORDER BY sequence_number DESC LIMIT 1""")) {
      copy.setString(1, "%" + libraryId);
      assertEquals(1, copy.executeUpdate(), "the library has journal rows to break");
    }

    var second = TestDaemons.start(env, new FakeSyncEngine().factory());
    ApiClient open = new ApiClient(second.baseUrl(), null);
    ApiClient.Response ready = open.get("/health/ready");
    assertEquals(503, ready.status(), ready.toString());
    assertTrue(ready.json().get("recovery").asText().startsWith("recover"), ready.toString());

    second.daemon().system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    assertEquals(1, second.daemon().exitCode(), "a failed recovery is a failed start");
  }
}
