package io.ncsync.daemon.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.PostgresTestDatabase;
import io.ncsync.daemon.config.DbKind;
import io.ncsync.daemon.config.Settings;
import io.ncsync.persistence.library.DocumentHistory;
import io.ncsync.persistence.library.DocumentStatus;
import io.ncsync.persistence.library.DocumentTransition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The document history store on the embedded default (SQLite) and on PostgreSQL, created by the journal schema. */
class JdbcDocumentHistoryTest {
  @TempDir Path dataDir;

  private static DocumentTransition step(String id, int n, DocumentStatus to) {
    return new DocumentTransition(id, "dir/" + id + ".txt", n == 0 ? null : DocumentStatus.SYNCING, to, "run-" + n,
        Instant.ofEpochMilli(1_700_000_000_000L + n), "step " + n);
  }

  @Test
  void sqliteKeepsTheNewestFiftyPerDocumentNewestFirst() throws Exception {
    String url = Settings.defaultSqliteUrl(dataDir);
    Files.createDirectories(dataDir.resolve("db"));
    SchemaInstaller.apply(DbKind.SQLITE, url, "", "");
    checkStore(url, "", "");
  }

  @Test
  void postgresKeepsTheNewestFiftyPerDocumentNewestFirst() throws Exception {
    try (PostgresTestDatabase db = PostgresTestDatabase.create()) {
      SchemaInstaller.apply(DbKind.POSTGRES, db.url(), PostgresTestDatabase.USER, PostgresTestDatabase.PASSWORD);
      checkStore(db.url(), PostgresTestDatabase.USER, PostgresTestDatabase.PASSWORD);
    }
  }

  private void checkStore(String url, String user, String password) throws Exception {
    try (JdbcDocumentHistory history = new JdbcDocumentHistory(url, user, password, Duration.ofMillis(50))) {
      List<DocumentTransition> many = new ArrayList<>();
      for (int n = 0; n < 80; n++) many.add(step("fa", n, n % 2 == 0 ? DocumentStatus.SYNCED : DocumentStatus.FAILED));
      history.record("t1", "lib1", many);
      history.record("t1", "lib1", List.of(step("fb", 0, DocumentStatus.PENDING)));
      history.record("t2", "lib1", List.of(step("fa", 0, DocumentStatus.EXCLUDED))); // another tenant, same ids

      // A read sees every step handed over before it, without waiting for the writer's timer.
      List<DocumentTransition> steps = history.of("t1", "lib1", "fa", 500).toCompletableFuture().join();
      assertEquals(DocumentHistory.KEPT, steps.size(), "never more than the newest 50");
      assertEquals("step 79", steps.get(0).reason(), "newest first");
      assertEquals("step 30", steps.get(49).reason());
      assertEquals(many.get(79), steps.get(0), "a step reads back as it was recorded");
      assertEquals(List.of(step("fb", 0, DocumentStatus.PENDING)), history.of("t1", "lib1", "fb", 50).toCompletableFuture().join());
      DocumentTransition other = history.of("t2", "lib1", "fa", 50).toCompletableFuture().join().get(0);
      assertEquals(DocumentStatus.EXCLUDED, other.to(), "tenants do not share histories");
      assertNull(other.from());
      assertTrue(history.of("t1", "lib1", "unknown", 50).toCompletableFuture().join().isEmpty());

      history.flushAndCompactNow();
      assertEquals(50 + 1 + 1, rows(url, user, password), "compaction leaves the newest 50 of each document");
      assertEquals(steps, history.of("t1", "lib1", "fa", 50).toCompletableFuture().join(), "and the same answer");
    }
  }

  private static long rows(String url, String user, String password) throws Exception {
    try (Connection c = DriverManager.getConnection(url, user, password);
        ResultSet count = c.createStatement().executeQuery("SELECT COUNT(*) FROM ncsync_document_history")) {
      count.next();
      return count.getLong(1);
    }
  }
}
