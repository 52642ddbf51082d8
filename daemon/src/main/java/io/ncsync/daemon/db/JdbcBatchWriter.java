package io.ncsync.daemon.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 * Rows written to the journal's database by one thread, in batches: callers hand rows over without waiting, the
 * writer commits what waited within {@code flushAfter}, a read first writes what is waiting (so it sees every row
 * handed over before it), and rows the database refuses are kept and tried again (up to {@link #MAX_WAITING}; beyond
 * that the oldest go: the journal, not these tables, is the truth).
 *
 * @param <T> a row
 */
final class JdbcBatchWriter<T> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JdbcBatchWriter.class);
  private static final int BATCH = 2_000;
  static final int MAX_WAITING = 500_000;

  /** Inserts one batch; the writer commits it. */
  @FunctionalInterface
  interface Inserter<T> {
    void insert(Connection db, List<T> batch) throws SQLException;
  }

  /** Work on the writer's connection. */
  @FunctionalInterface
  interface Work<R> {
    R run(Connection db) throws SQLException;
  }

  private final String name;
  private final String url;
  private final String user;
  private final String password;
  private final Duration flushAfter;
  private final Inserter<T> inserter;
  private final ScheduledExecutorService writer;
  private final ConcurrentLinkedQueue<T> waiting = new ConcurrentLinkedQueue<>();
  private final AtomicInteger waitingCount = new AtomicInteger();
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  private Connection connection;

  /** @param name what the rows are, for the thread's name and log lines ("document history") */
  JdbcBatchWriter(String name, String url, String user, String password, Duration flushAfter, Inserter<T> inserter) {
    this.name = name;
    this.url = url;
    this.user = user;
    this.password = password;
    this.flushAfter = flushAfter;
    this.inserter = inserter;
    this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ncsync-" + name.replace(' ', '-'));
      t.setDaemon(true);
      return t;
    });
  }

  void add(T row) {
    waiting.add(row);
    if (waitingCount.incrementAndGet() > MAX_WAITING && waiting.poll() != null) {
      waitingCount.decrementAndGet();
      log.warn("{}: the database takes no writes; the oldest waiting rows are dropped", name);
    }
    if (flushScheduled.compareAndSet(false, true)) {
      writer.schedule(this::flushScheduled, flushAfter.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Runs {@code work} on the writer thread after writing what is waiting. */
  <R> CompletionStage<R> read(Work<R> work) {
    return CompletableFuture.supplyAsync(() -> {
      flush();
      try {
        return work.run(connection());
      } catch (SQLException e) {
        dropConnection();
        throw new CompletionException(new SQLException(name + ": reading failed: " + e.getMessage(), e));
      }
    }, writer);
  }

  /** Runs maintenance ({@code work}) on the writer thread; a failure is logged, never thrown. */
  void maintain(String what, Work<?> work) {
    writer.execute(() -> maintainNow(what, work));
  }

  void maintainNow(String what, Work<?> work) {
    try {
      work.run(connection());
    } catch (SQLException e) {
      dropConnection();
      log.warn("{}: {} failed, tried again later: {}", name, what, e.getMessage());
    }
  }

  /** For tests: writes what is waiting, then runs {@code work}, on the writer thread. */
  void flushThen(Runnable work) throws Exception {
    writer.submit(() -> {
      flush();
      work.run();
    }).get(60, TimeUnit.SECONDS);
  }

  /** Writes what is waiting and stops the writer; later rows are dropped. */
  @Override
  public void close() {
    try {
      writer.submit(this::flush).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("{}: the last rows could not be written at shutdown: {}", name, e.toString());
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
      List<T> batch = new ArrayList<>(Math.min(BATCH, waitingCount.get()));
      for (T row; batch.size() < BATCH && (row = waiting.poll()) != null; ) batch.add(row);
      waitingCount.addAndGet(-batch.size());
      try {
        insert(batch);
      } catch (SQLException e) {
        dropConnection();
        // Kept for the next try: a busy or restarting database must not cost the rows.
        waiting.addAll(batch);
        waitingCount.addAndGet(batch.size());
        log.warn("{}: writing {} row(s) failed, tried again shortly: {}", name, batch.size(), e.getMessage());
        if (flushScheduled.compareAndSet(false, true)) writer.schedule(this::flushScheduled, 5, TimeUnit.SECONDS);
        return;
      }
    }
  }

  private void insert(List<T> batch) throws SQLException {
    Connection db = connection();
    db.setAutoCommit(false);
    try {
      inserter.insert(db, batch);
      db.commit();
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
