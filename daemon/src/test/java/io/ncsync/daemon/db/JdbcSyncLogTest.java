package io.ncsync.daemon.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.PostgresTestDatabase;
import io.ncsync.daemon.config.DbKind;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.logs.SyncLogEntry;
import io.ncsync.persistence.library.DocumentHistory;
import io.ncsync.persistence.library.DocumentStatus;
import io.ncsync.persistence.library.DocumentTransition;
import io.ncsync.persistence.library.InMemoryDocumentHistory;
import io.ncsync.persistence.library.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs and the sync log on the embedded default (SQLite) and on PostgreSQL. */
class JdbcSyncLogTest {
  @TempDir Path dataDir;
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  @Test
  void sqlite() throws Exception {
    String url = Settings.defaultSqliteUrl(dataDir);
    Files.createDirectories(dataDir.resolve("db"));
    SchemaInstaller.apply(DbKind.SQLITE, url, "", "");
    check(url, "", "");
  }

  @Test
  void postgres() throws Exception {
    try (PostgresTestDatabase db = PostgresTestDatabase.create()) {
      SchemaInstaller.apply(DbKind.POSTGRES, db.url(), PostgresTestDatabase.USER, PostgresTestDatabase.PASSWORD);
      check(db.url(), PostgresTestDatabase.USER, PostgresTestDatabase.PASSWORD);
    }
  }

  private static DocumentTransition step(String path, DocumentStatus to, String reason, int second) {
    return new DocumentTransition("f" + path.length(), path, DocumentStatus.SYNCING, to, "run-1", T0.plusSeconds(second),
        reason);
  }

  private void check(String url, String user, String password) throws Exception {
    try (JdbcSyncLog log = new JdbcSyncLog(url, user, password, Duration.ofMillis(50), Duration.ofDays(30),
        Duration.ofDays(365))) {
      RunSummary started = RunSummary.started("run-1", T0, RunSummary.MANUAL);
      log.runStarted("t1", "lib1", started);
      assertNull(log.runs("t1", "lib1", 0, 10).toCompletableFuture().join().items().get(0).finishedAt(),
          "an active run is listed");

      DocumentHistory history = log.logging(new InMemoryDocumentHistory());
      history.record("t1", "lib1", List.of(
          step("a.txt", DocumentStatus.PENDING, "new here: to upload", 1),
          step("a.txt", DocumentStatus.SYNCED, "uploaded", 2),
          step("b.txt", DocumentStatus.SYNCED, "downloaded", 3),
          step("c.txt", DocumentStatus.FAILED, "forbidden: 403", 4),
          step("d.txt", DocumentStatus.CONFLICT, "conflict both_modified (manual), id x", 5),
          step("e.txt", DocumentStatus.SYNCED, "recorded: both sides agree", 6)));
      history.record("t2", "lib1", List.of(step("secret.txt", DocumentStatus.SYNCED, "uploaded", 1)));
      RunSummary finished = new RunSummary("run-1", T0, T0.plusSeconds(9), RunSummary.SUCCEEDED, 1, 1, 0, 0, 1, 1,
          null, null, RunSummary.MANUAL, 1234, 99);
      log.runFinished("t1", "lib1", finished);

      var runs = log.runs("t1", "lib1", 0, 10).toCompletableFuture().join();
      assertEquals(1, runs.total(), "a run's start and end are one row");
      assertEquals(finished, runs.items().get(0));

      var all = log.lines(query(null, null, null, null, null)).toCompletableFuture().join();
      assertEquals(5, all.total(), "four documents' ends and the run's; not the pending step or the mere record");
      assertEquals("run", all.items().get(0).action(), "newest first");
      assertEquals(List.of("run", "conflict", "failure", "download", "upload"),
          all.items().stream().map(SyncLogEntry::action).toList());
      assertEquals(1, log.lines(query(null, SyncLogEntry.ERROR, null, null, null)).toCompletableFuture().join().total());
      assertEquals("c.txt", log.lines(query(null, SyncLogEntry.ERROR, null, null, null)).toCompletableFuture().join()
          .items().get(0).path());
      assertEquals(1, log.lines(query(null, null, "B.TXT", null, null)).toCompletableFuture().join().total(),
          "text matches path or message, any case");
      assertEquals(0, log.lines(query(null, null, "100%", null, null)).toCompletableFuture().join().total(),
          "% is a character, not a wildcard");
      assertEquals(2, log.lines(query(null, null, null, T0.plusSeconds(2), T0.plusSeconds(4)))
          .toCompletableFuture().join().total(), "since inclusive, until exclusive");
      assertEquals(0, log.lines(query("lib2", null, null, null, null)).toCompletableFuture().join().total());
      assertTrue(log.lines(query(null, null, "secret", null, null)).toCompletableFuture().join().items().isEmpty(),
          "another tenant's lines are never read");
      var paged = log.lines(new JdbcSyncLog.Query("t1", null, null, null, null, null, 4, 2)).toCompletableFuture().join();
      assertEquals(5, paged.total());
      assertEquals(List.of("upload"), paged.items().stream().map(SyncLogEntry::action).toList());

      log.purge(T0.plusSeconds(4), T0.plusSeconds(1));
      log.flushNow();
      assertEquals(3, log.lines(query(null, null, null, null, null)).toCompletableFuture().join().total(),
          "lines before the retention are gone");
      assertEquals(1, log.runs("t1", "lib1", 0, 10).toCompletableFuture().join().total(), "the run finished after it");
      log.runFinished("t1", "lib1", new RunSummary("quiet-1", T0.plusSeconds(1), T0.plusSeconds(2),
          RunSummary.SUCCEEDED, 0, 0, 0, 0, 0, 0, null, null, RunSummary.SCHEDULE, 0, 0));
      log.flushNow();
      assertEquals(2, log.runs("t1", "lib1", 0, 10).toCompletableFuture().join().total());
      assertEquals(4, log.lines(query(null, null, null, null, null)).toCompletableFuture().join().total(),
          "the quiet run's line");
      log.purge(T0, T0, T0.plusSeconds(10));
      log.flushNow();
      assertEquals(List.of("run-1"), log.runs("t1", "lib1", 0, 10).toCompletableFuture().join().items().stream()
          .map(RunSummary::runId).toList(), "a run that changed nothing goes after a day; one that did stays");
      assertEquals(3, log.lines(query(null, null, null, null, null)).toCompletableFuture().join().total(),
          "with its line; the other lines stay for the log's retention");
      log.purge(T0, T0.plusSeconds(10));
      assertEquals(0, log.runs("t1", "lib1", 0, 10).toCompletableFuture().join().total());
    }
  }

  private static JdbcSyncLog.Query query(String library, String level, String text, Instant since, Instant until) {
    return new JdbcSyncLog.Query("t1", library, level, text, since, until, 0, 100);
  }
}
