package io.ncsync.daemon.db;

import io.ncsync.daemon.logs.SyncLogEntries;
import io.ncsync.daemon.logs.SyncLogEntry;
import io.ncsync.persistence.library.DocumentHistory;
import io.ncsync.persistence.library.DocumentTransition;
import io.ncsync.persistence.library.LibraryObserver;
import io.ncsync.persistence.library.RunSummary;
import io.ncsync.persistence.sync.FailureCode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs ({@code ncsync_runs}) and the sync log ({@code ncsync_sync_log}) in the journal's database: "what did every run
 * do". Fed by the libraries as a {@link LibraryObserver} (a run's start and end) and by the document history (each
 * document's end in a run, {@link SyncLogEntries}), written in batches by one thread ({@link JdbcBatchWriter}).
 * Log lines older than the retention are deleted every 6 hours; runs are kept for their own retention.
 */
public final class JdbcSyncLog implements LibraryObserver, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JdbcSyncLog.class);

  private sealed interface Row permits Line, Run {}

  private record Line(SyncLogEntry entry) implements Row {}

  private record Run(String tenantId, String libraryId, RunSummary run) implements Row {}

  /** A page of results, with how many match in all. */
  public record Page<T>(long total, List<T> items) {}

  /**
   * What to read from the log; null fields do not filter.
   *
   * @param text a substring of the path or the message
   */
  public record Query(String tenantId, String libraryId, String level, String text, Instant since, Instant until,
      int offset, int limit) {}

  private final JdbcBatchWriter<Row> writer;
  private final ScheduledExecutorService purger;

  public JdbcSyncLog(String url, String user, String password, Duration flushAfter, Duration logRetention,
      Duration runRetention) {
    this.writer = new JdbcBatchWriter<>("sync log", url, user, password, flushAfter, this::insert);
    this.purger = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ncsync-sync-log-retention");
      t.setDaemon(true);
      return t;
    });
    purger.scheduleWithFixedDelay(() -> purge(Instant.now().minus(logRetention), Instant.now().minus(runRetention),
        Instant.now().minus(QUIET_RUN_RETENTION)), 1, 6 * 60, TimeUnit.MINUTES);
  }

  /** The document history, also writing each document's end in a run to this log. */
  public DocumentHistory logging(DocumentHistory history) {
    return new DocumentHistory() {
      @Override
      public void record(String tenantId, String libraryId, List<DocumentTransition> transitions) {
        history.record(tenantId, libraryId, transitions);
        for (DocumentTransition step : transitions) {
          SyncLogEntries.of(tenantId, libraryId, step).ifPresent(entry -> writer.add(new Line(entry)));
        }
      }

      @Override
      public CompletionStage<List<DocumentTransition>> of(String tenantId, String libraryId, String documentId,
          int limit) {
        return history.of(tenantId, libraryId, documentId, limit);
      }
    };
  }

  @Override
  public void runStarted(String tenantId, String libraryId, RunSummary run) {
    writer.add(new Run(tenantId, libraryId, run));
  }

  @Override
  public void runFinished(String tenantId, String libraryId, RunSummary run) {
    writer.add(new Run(tenantId, libraryId, run));
    writer.add(new Line(SyncLogEntries.finished(tenantId, libraryId, run)));
  }

  /** A library's runs, newest first. */
  public CompletionStage<Page<RunSummary>> runs(String tenantId, String libraryId, int offset, int limit) {
    return writer.read(db -> {
      long total;
      try (PreparedStatement count = db.prepareStatement(
          "SELECT COUNT(*) FROM ncsync_runs WHERE tenant_id = ? AND library_id = ?")) {
        count.setString(1, tenantId);
        count.setString(2, libraryId);
        try (ResultSet rows = count.executeQuery()) {
          rows.next();
          total = rows.getLong(1);
        }
      }
      List<RunSummary> runs = new ArrayList<>();
      try (PreparedStatement select = db.prepareStatement("SELECT run_id, started_millis, finished_millis, outcome, "
          + "uploaded, downloaded, deleted_local, deleted_remote, conflicts, failed, reason, code, trigger_name, "
          + "bytes_uploaded, bytes_downloaded FROM ncsync_runs WHERE tenant_id = ? AND library_id = ? "
          + "ORDER BY started_millis DESC, run_id LIMIT ? OFFSET ?")) {
        select.setString(1, tenantId);
        select.setString(2, libraryId);
        select.setInt(3, limit);
        select.setInt(4, offset);
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            long finished = rows.getLong(3);
            boolean active = rows.wasNull();
            String code = rows.getString(12);
            runs.add(new RunSummary(rows.getString(1), Instant.ofEpochMilli(rows.getLong(2)),
                active ? null : Instant.ofEpochMilli(finished), rows.getString(4), rows.getInt(5), rows.getInt(6),
                rows.getInt(7), rows.getInt(8), rows.getInt(9), rows.getInt(10), rows.getString(11),
                code == null ? null : FailureCode.fromWire(code), rows.getString(13), rows.getLong(14),
                rows.getLong(15)));
          }
        }
      }
      return new Page<>(total, runs);
    });
  }

  /** Log lines matching {@code query}, newest first. */
  public CompletionStage<Page<SyncLogEntry>> lines(Query query) {
    return writer.read(db -> {
      StringBuilder where = new StringBuilder(" WHERE tenant_id = ?");
      List<Object> values = new ArrayList<>(List.of(query.tenantId()));
      if (query.libraryId() != null) {
        where.append(" AND library_id = ?");
        values.add(query.libraryId());
      }
      if (query.level() != null) {
        where.append(" AND level = ?");
        values.add(query.level());
      }
      if (query.text() != null) {
        where.append(" AND (LOWER(message) LIKE ? ESCAPE '!' OR LOWER(path) LIKE ? ESCAPE '!')");
        String like = "%" + query.text().toLowerCase(java.util.Locale.ROOT)
            .replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
        values.add(like);
        values.add(like);
      }
      if (query.since() != null) {
        where.append(" AND at_millis >= ?");
        values.add(query.since().toEpochMilli());
      }
      if (query.until() != null) {
        where.append(" AND at_millis < ?");
        values.add(query.until().toEpochMilli());
      }
      long total;
      try (PreparedStatement count = prepare(db, "SELECT COUNT(*) FROM ncsync_sync_log" + where, values)) {
        try (ResultSet rows = count.executeQuery()) {
          rows.next();
          total = rows.getLong(1);
        }
      }
      List<Object> paged = new ArrayList<>(values);
      paged.add(query.limit());
      paged.add(query.offset());
      List<SyncLogEntry> lines = new ArrayList<>();
      try (PreparedStatement select = prepare(db, "SELECT tenant_id, library_id, run_id, at_millis, level, action, "
          + "path, message FROM ncsync_sync_log" + where + " ORDER BY at_millis DESC, id DESC LIMIT ? OFFSET ?", paged)) {
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            lines.add(new SyncLogEntry(rows.getString(1), rows.getString(2), rows.getString(3),
                Instant.ofEpochMilli(rows.getLong(4)), rows.getString(5), rows.getString(6), rows.getString(7),
                rows.getString(8)));
          }
        }
      }
      return new Page<>(total, lines);
    });
  }

  private static PreparedStatement prepare(Connection db, String sql, List<Object> values) throws SQLException {
    PreparedStatement statement = db.prepareStatement(sql);
    for (int i = 0; i < values.size(); i++) statement.setObject(i + 1, values.get(i));
    return statement;
  }

  /** Deletes log lines and runs past their retention. */
  void purge(Instant linesBefore, Instant runsBefore) {
    purge(linesBefore, runsBefore, runsBefore);
  }

  /**
   * Runs that changed nothing go sooner ({@code quietRunsBefore}, a day), with their log lines: a thousand idle
   * libraries swept every five minutes would otherwise keep 100 million rows of "nothing to do" for a year.
   */
  void purge(Instant linesBefore, Instant runsBefore, Instant quietRunsBefore) {
    writer.maintain("retention", db -> {
      int lines;
      int runs;
      int quiet;
      try (PreparedStatement delete = db.prepareStatement("DELETE FROM ncsync_sync_log WHERE at_millis < ?")) {
        delete.setLong(1, linesBefore.toEpochMilli());
        lines = delete.executeUpdate();
      }
      try (PreparedStatement delete = db.prepareStatement(
          "DELETE FROM ncsync_runs WHERE finished_millis IS NOT NULL AND finished_millis < ?")) {
        delete.setLong(1, runsBefore.toEpochMilli());
        runs = delete.executeUpdate();
      }
      String quietRuns = "finished_millis IS NOT NULL AND finished_millis < ? AND outcome = 'succeeded' AND uploaded = 0"
          + " AND downloaded = 0 AND deleted_local = 0 AND deleted_remote = 0 AND conflicts = 0 AND failed = 0";
      // Their "finished, nothing to do" lines go with them: a month of them would be most of the log (issue 12).
      try (PreparedStatement delete = db.prepareStatement("DELETE FROM ncsync_sync_log WHERE at_millis < ? AND run_id IN"
          + " (SELECT run_id FROM ncsync_runs WHERE " + quietRuns + ")")) {
        delete.setLong(1, quietRunsBefore.plus(Duration.ofHours(1)).toEpochMilli()); // a line may follow its run's end
        delete.setLong(2, quietRunsBefore.toEpochMilli());
        lines += delete.executeUpdate();
      }
      try (PreparedStatement delete = db.prepareStatement("DELETE FROM ncsync_runs WHERE " + quietRuns)) {
        delete.setLong(1, quietRunsBefore.toEpochMilli());
        quiet = delete.executeUpdate();
      }
      if (lines + runs + quiet > 0) {
        log.info("sync log: {} line(s) and {} run(s) past their retention deleted, and {} run(s) that changed nothing "
            + "older than a day", lines, runs, quiet);
      }
      return null;
    });
  }

  /** How long a run that changed nothing stays in the runs table. */
  static final Duration QUIET_RUN_RETENTION = Duration.ofDays(1);

  /** For tests: writes what is waiting. */
  void flushNow() throws Exception {
    writer.flushThen(() -> {});
  }

  @Override
  public void close() {
    purger.shutdownNow();
    writer.close();
  }

  private void insert(Connection db, List<Row> batch) throws SQLException {
    try (PreparedStatement line = db.prepareStatement("INSERT INTO ncsync_sync_log "
        + "(tenant_id, library_id, run_id, at_millis, level, action, path, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement forget = db.prepareStatement(
            "DELETE FROM ncsync_runs WHERE tenant_id = ? AND library_id = ? AND run_id = ?");
        PreparedStatement run = db.prepareStatement("INSERT INTO ncsync_runs (tenant_id, library_id, run_id, "
            + "trigger_name, started_millis, finished_millis, outcome, uploaded, downloaded, deleted_local, "
            + "deleted_remote, conflicts, failed, bytes_uploaded, bytes_downloaded, reason, code) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (Row row : batch) {
        if (row instanceof Line l) {
          SyncLogEntry e = l.entry();
          line.setString(1, e.tenantId());
          line.setString(2, e.libraryId());
          line.setString(3, e.runId());
          line.setLong(4, (e.at() == null ? Instant.now() : e.at()).toEpochMilli());
          line.setString(5, e.level());
          line.setString(6, e.action());
          line.setString(7, e.path());
          line.setString(8, e.message());
          line.executeUpdate();
        } else if (row instanceof Run r) {
          // A run is written at its start and again at its end: the newest row wins (portable, no upsert syntax).
          RunSummary s = r.run();
          forget.setString(1, r.tenantId());
          forget.setString(2, r.libraryId());
          forget.setString(3, s.runId());
          forget.executeUpdate();
          run.setString(1, r.tenantId());
          run.setString(2, r.libraryId());
          run.setString(3, s.runId());
          run.setString(4, s.trigger());
          run.setLong(5, s.startedAt().toEpochMilli());
          if (s.finishedAt() == null) run.setNull(6, Types.BIGINT);
          else run.setLong(6, s.finishedAt().toEpochMilli());
          run.setString(7, s.outcome());
          run.setInt(8, s.uploaded());
          run.setInt(9, s.downloaded());
          run.setInt(10, s.deletedLocal());
          run.setInt(11, s.deletedRemote());
          run.setInt(12, s.conflicts());
          run.setInt(13, s.failed());
          run.setLong(14, s.bytesUploaded());
          run.setLong(15, s.bytesDownloaded());
          run.setString(16, s.reason());
          run.setString(17, s.code() == null ? null : s.code().wireName());
          run.executeUpdate();
        }
      }
    }
  }
}
