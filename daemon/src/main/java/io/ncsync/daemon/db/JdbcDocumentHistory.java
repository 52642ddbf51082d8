package io.ncsync.daemon.db;

import io.ncsync.persistence.library.DocumentHistory;
import io.ncsync.persistence.library.DocumentStatus;
import io.ncsync.persistence.library.DocumentTransition;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Document histories in the journal's database (table {@code ncsync_document_history}, created with the schema).
 * Libraries hand over transitions without waiting; one thread writes them in batches (a run of 100,000 documents is a
 * few hundred transactions, not 300,000), and a read first writes what is waiting, so it sees every step recorded
 * before it. Each document keeps its newest {@link DocumentHistory#KEPT} steps: reads never return more, and older ones
 * are deleted after every {@link #COMPACT_EVERY} rows written.
 */
public final class JdbcDocumentHistory implements DocumentHistory, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JdbcDocumentHistory.class);
  static final int COMPACT_EVERY = 20_000;
  private static final int BATCH = 2_000;
  /** Rows held while the database refuses them; beyond it the oldest go (the journal keeps what happened). */
  private static final int MAX_WAITING = 500_000;

  private record Row(String tenantId, String libraryId, DocumentTransition step) {}

  private final String url;
  private final String user;
  private final String password;
  private final Duration flushAfter;
  private final ScheduledExecutorService writer;
  private final ConcurrentLinkedQueue<Row> waiting = new ConcurrentLinkedQueue<>();
  private final AtomicInteger waitingCount = new AtomicInteger();
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  private Connection connection;
  private int writtenSinceCompaction;

  public JdbcDocumentHistory(String url, String user, String password, Duration flushAfter) {
    this.url = url;
    this.user = user;
    this.password = password;
    this.flushAfter = flushAfter;
    this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ncsync-document-history");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void record(String tenantId, String libraryId, List<DocumentTransition> transitions) {
    for (DocumentTransition step : transitions) {
      waiting.add(new Row(tenantId, libraryId, step));
      if (waitingCount.incrementAndGet() > MAX_WAITING && waiting.poll() != null) {
        waitingCount.decrementAndGet();
        log.warn("document history: the database takes no writes; the oldest waiting steps are dropped");
      }
    }
    if (flushScheduled.compareAndSet(false, true)) {
      writer.schedule(this::flushScheduled, flushAfter.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public CompletionStage<List<DocumentTransition>> of(String tenantId, String libraryId, String documentId, int limit) {
    return CompletableFuture.supplyAsync(() -> {
      flush();
      try (PreparedStatement select = connection().prepareStatement(
          "SELECT document_id, path, from_status, to_status, run_id, at_millis, reason FROM ncsync_document_history "
              + "WHERE tenant_id = ? AND library_id = ? AND document_id = ? ORDER BY id DESC LIMIT ?")) {
        select.setString(1, tenantId);
        select.setString(2, libraryId);
        select.setString(3, documentId);
        select.setInt(4, Math.max(0, Math.min(limit, KEPT)));
        List<DocumentTransition> steps = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            String from = rows.getString(3);
            steps.add(new DocumentTransition(rows.getString(1), rows.getString(2),
                from == null ? null : DocumentStatus.fromWire(from), DocumentStatus.fromWire(rows.getString(4)),
                rows.getString(5), Instant.ofEpochMilli(rows.getLong(6)), rows.getString(7)));
          }
        }
        return steps;
      } catch (SQLException e) {
        dropConnection();
        throw new java.util.concurrent.CompletionException(
            new SQLException("reading document " + documentId + "'s history failed: " + e.getMessage(), e));
      }
    }, writer);
  }

  /** Writes what is waiting and stops the writer; later records are dropped. */
  @Override
  public void close() {
    try {
      writer.submit(this::flush).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("document history: the last steps could not be written at shutdown: {}", e.toString());
    }
    writer.shutdown();
    dropConnection();
  }

  private void flushScheduled() {
    flushScheduled.set(false);
    flush();
  }

  /** On the writer thread: writes every waiting row, in batches, each in one transaction. */
  private void flush() {
    while (!waiting.isEmpty()) {
      List<Row> batch = new ArrayList<>(Math.min(BATCH, waitingCount.get()));
      for (Row row; batch.size() < BATCH && (row = waiting.poll()) != null; ) batch.add(row);
      waitingCount.addAndGet(-batch.size());
      try {
        insert(batch);
      } catch (SQLException e) {
        dropConnection();
        // Kept for the next try: a busy or restarting database must not cost the history.
        waiting.addAll(batch);
        waitingCount.addAndGet(batch.size());
        log.warn("document history: writing {} step(s) failed, tried again shortly: {}", batch.size(), e.getMessage());
        if (flushScheduled.compareAndSet(false, true)) writer.schedule(this::flushScheduled, 5, TimeUnit.SECONDS);
        return;
      }
    }
    if (writtenSinceCompaction >= COMPACT_EVERY) compact();
  }

  private void insert(List<Row> batch) throws SQLException {
    Connection db = connection();
    db.setAutoCommit(false);
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
      db.commit();
      writtenSinceCompaction += batch.size();
    } catch (SQLException e) {
      try {
        db.rollback();
      } catch (SQLException ignored) {
        // the connection is dropped by the caller
      }
      throw e;
    } finally {
      try {
        db.setAutoCommit(true);
      } catch (SQLException ignored) {
        // the connection is dropped by the caller when broken
      }
    }
  }

  /** Deletes every step beyond the newest {@link #KEPT} of its document. */
  void compact() {
    try (Statement delete = connection().createStatement()) {
      int deleted = delete.executeUpdate("DELETE FROM ncsync_document_history WHERE id IN (SELECT id FROM (SELECT id, "
          + "ROW_NUMBER() OVER (PARTITION BY tenant_id, library_id, document_id ORDER BY id DESC) AS newer "
          + "FROM ncsync_document_history) ranked WHERE newer > " + KEPT + ")");
      writtenSinceCompaction = 0;
      if (deleted > 0) log.info("document history: {} step(s) beyond the newest {} per document compacted", deleted, KEPT);
    } catch (SQLException e) {
      dropConnection();
      log.warn("document history: compaction failed, tried again later: {}", e.getMessage());
    }
  }

  /** For tests: writes what is waiting, then compacts, on the writer thread. */
  void flushAndCompactNow() throws Exception {
    writer.submit(() -> {
      flush();
      compact();
    }).get(60, TimeUnit.SECONDS);
  }

  private Connection connection() throws SQLException {
    if (connection == null) connection = DriverManager.getConnection(url, user, password);
    return connection;
  }

  private void dropConnection() {
    if (connection == null) return;
    try {
      connection.close();
    } catch (SQLException ignored) {
      // already broken
    }
    connection = null;
  }
}
