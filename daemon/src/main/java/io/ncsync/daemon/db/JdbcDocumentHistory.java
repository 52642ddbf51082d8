package io.ncsync.daemon.db;

import io.ncsync.persistence.library.DocumentHistory;
import io.ncsync.persistence.library.DocumentStatus;
import io.ncsync.persistence.library.DocumentTransition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Document histories in the journal's database (table {@code ncsync_document_history}, created with the schema).
 * Libraries hand over transitions without waiting; one thread writes them in batches ({@link JdbcBatchWriter}: a run
 * of 100,000 documents is a few hundred transactions, not 300,000), and a read first writes what is waiting, so it
 * sees every step recorded before it. Each document keeps its newest {@link DocumentHistory#KEPT} steps: reads never
 * return more, and older ones are deleted after every {@link #COMPACT_EVERY} rows written.
 */
public final class JdbcDocumentHistory implements DocumentHistory, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JdbcDocumentHistory.class);
  static final int COMPACT_EVERY = 20_000;

  private record Row(String tenantId, String libraryId, DocumentTransition step) {}

  private final JdbcBatchWriter<Row> writer;
  /** Touched on the writer thread only. */
  private int writtenSinceCompaction;

  public JdbcDocumentHistory(String url, String user, String password, Duration flushAfter) {
    this.writer = new JdbcBatchWriter<>("document history", url, user, password, flushAfter, this::insert);
  }

  @Override
  public void record(String tenantId, String libraryId, List<DocumentTransition> transitions) {
    for (DocumentTransition step : transitions) writer.add(new Row(tenantId, libraryId, step));
  }

  @Override
  public CompletionStage<List<DocumentTransition>> of(String tenantId, String libraryId, String documentId, int limit) {
    return writer.read(db -> {
      try (PreparedStatement select = db.prepareStatement(
          "SELECT document_id, path, from_status, to_status, run_id, at_millis, reason FROM ncsync_document_history "
              + "WHERE tenant_id = ? AND library_id = ? AND document_id = ? ORDER BY id DESC LIMIT ?")) {
        select.setString(1, tenantId);
        select.setString(2, libraryId);
        select.setString(3, documentId);
        select.setInt(4, Math.max(0, Math.min(limit, KEPT)));
        List<DocumentTransition> steps = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) steps.add(transition(rows));
        }
        return steps;
      }
    });
  }

  @Override
  public CompletionStage<java.util.Map<String, DocumentTransition>> latest(String tenantId, String libraryId,
      java.util.Collection<String> documentIds) {
    List<String> ids = List.copyOf(new java.util.LinkedHashSet<>(documentIds));
    if (ids.isEmpty()) return java.util.concurrent.CompletableFuture.completedFuture(java.util.Map.of());
    return writer.read(db -> {
      java.util.Map<String, DocumentTransition> newest = new java.util.HashMap<>();
      // In slices: a page holds at most 1,000 documents, far below any database's limit of parameters per statement.
      for (int from = 0; from < ids.size(); from += 500) {
        List<String> slice = ids.subList(from, Math.min(ids.size(), from + 500));
        String marks = String.join(", ", java.util.Collections.nCopies(slice.size(), "?"));
        try (PreparedStatement select = db.prepareStatement("SELECT document_id, path, from_status, to_status, run_id, "
            + "at_millis, reason FROM ncsync_document_history WHERE tenant_id = ? AND library_id = ? AND document_id IN ("
            + marks + ") ORDER BY id DESC")) {
          select.setString(1, tenantId);
          select.setString(2, libraryId);
          for (int i = 0; i < slice.size(); i++) select.setString(3 + i, slice.get(i));
          try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) newest.putIfAbsent(rows.getString(1), transition(rows));
          }
        }
      }
      return newest;
    });
  }

  @Override
  public CompletionStage<java.util.Set<String>> changedSince(String tenantId, String libraryId, Instant since) {
    return writer.read(db -> {
      try (PreparedStatement select = db.prepareStatement("SELECT DISTINCT document_id FROM ncsync_document_history "
          + "WHERE tenant_id = ? AND library_id = ? AND at_millis >= ?")) {
        select.setString(1, tenantId);
        select.setString(2, libraryId);
        select.setLong(3, since.toEpochMilli());
        java.util.Set<String> ids = new java.util.HashSet<>();
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) ids.add(rows.getString(1));
        }
        return ids;
      }
    });
  }

  private static DocumentTransition transition(ResultSet rows) throws SQLException {
    String from = rows.getString(3);
    return new DocumentTransition(rows.getString(1), rows.getString(2),
        from == null ? null : DocumentStatus.fromWire(from), DocumentStatus.fromWire(rows.getString(4)),
        rows.getString(5), Instant.ofEpochMilli(rows.getLong(6)), rows.getString(7));
  }

  /** Writes what is waiting and stops the writer; later records are dropped. */
  @Override
  public void close() {
    writer.close();
  }

  private void insert(Connection db, List<Row> batch) throws SQLException {
    try (PreparedStatement insert = db.prepareStatement("INSERT INTO ncsync_document_history "
        + "(tenant_id, library_id, document_id, path, from_status, to_status, run_id, at_millis, reason) "
        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (Row row : batch) {
        DocumentTransition step = row.step();
        insert.setString(1, row.tenantId());
        insert.setString(2, row.libraryId());
        insert.setString(3, step.documentId());
        insert.setString(4, step.path());
        insert.setString(5, step.from() == null ? null : step.from().wireName());
        insert.setString(6, step.to().wireName());
        insert.setString(7, step.runId());
        insert.setLong(8, step.at().toEpochMilli());
        insert.setString(9, step.reason());
        insert.addBatch();
      }
      insert.executeBatch();
    }
    writtenSinceCompaction += batch.size();
    if (writtenSinceCompaction >= COMPACT_EVERY) writer.maintain("compaction", this::compact);
  }

  /** Deletes every step beyond the newest {@link #KEPT} of its document. */
  private Void compact(Connection db) throws SQLException {
    try (Statement delete = db.createStatement()) {
      int deleted = delete.executeUpdate("DELETE FROM ncsync_document_history WHERE id IN (SELECT id FROM (SELECT id, "
          + "ROW_NUMBER() OVER (PARTITION BY tenant_id, library_id, document_id ORDER BY id DESC) AS newer "
          + "FROM ncsync_document_history) ranked WHERE newer > " + KEPT + ")");
      writtenSinceCompaction = 0;
      if (deleted > 0) log.info("document history: {} step(s) beyond the newest {} per document compacted", deleted, KEPT);
    }
    return null;
  }

  /** For tests: writes what is waiting, then compacts, on the writer thread. */
  void flushAndCompactNow() throws Exception {
    writer.flushThen(() -> writer.maintainNow("compaction", this::compact));
  }
}
