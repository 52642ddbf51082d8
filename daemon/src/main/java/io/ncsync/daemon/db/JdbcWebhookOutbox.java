package io.ncsync.daemon.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhook deliveries not yet taken by their receiver ({@code ncsync_webhook_outbox}, beside the journal): written
 * when a delivery is queued, deleted when a receiver answers 2xx or the delivery is given up, read at start so a
 * restart or a crash does not lose them. One thread, in order: a delivery's row exists before its delete is run.
 */
public final class JdbcWebhookOutbox implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JdbcWebhookOutbox.class);

  /** A delivery waiting for its receiver. */
  public record Pending(String deliveryId, String tenantId, String webhookId, String eventType, String libraryId,
      String body) {}

  private final String url;
  private final String user;
  private final String password;
  private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "ncsync-webhook-outbox");
    t.setDaemon(true);
    return t;
  });
  private Connection connection;

  public JdbcWebhookOutbox(String url, String user, String password) {
    this.url = url;
    this.user = user;
    this.password = password;
  }

  public CompletionStage<Void> save(Pending pending) {
    return run("saving delivery " + pending.deliveryId(), db -> {
      try (PreparedStatement insert = db.prepareStatement("INSERT INTO ncsync_webhook_outbox (delivery_id, tenant_id, "
          + "webhook_id, event_type, library_id, body, created_millis) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        insert.setString(1, pending.deliveryId());
        insert.setString(2, pending.tenantId());
        insert.setString(3, pending.webhookId());
        insert.setString(4, pending.eventType());
        insert.setString(5, pending.libraryId());
        insert.setString(6, pending.body());
        insert.setLong(7, System.currentTimeMillis());
        insert.executeUpdate();
      }
      return null;
    });
  }

  public CompletionStage<Void> delete(String deliveryId) {
    return run("removing delivery " + deliveryId, db -> {
      try (PreparedStatement delete = db.prepareStatement("DELETE FROM ncsync_webhook_outbox WHERE delivery_id = ?")) {
        delete.setString(1, deliveryId);
        delete.executeUpdate();
      }
      return null;
    });
  }

  /** Every waiting delivery, oldest first. */
  public CompletionStage<List<Pending>> pending() {
    return run("reading the outbox", db -> {
      List<Pending> all = new ArrayList<>();
      try (PreparedStatement select = db.prepareStatement("SELECT delivery_id, tenant_id, webhook_id, event_type, "
          + "library_id, body FROM ncsync_webhook_outbox ORDER BY created_millis, delivery_id");
          ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          all.add(new Pending(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
              rows.getString(5), rows.getString(6)));
        }
      }
      return all;
    });
  }

  private interface Work<R> {
    R run(Connection db) throws SQLException;
  }

  private <R> CompletionStage<R> run(String what, Work<R> work) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        if (connection == null) connection = DriverManager.getConnection(url, user, password);
        return work.run(connection);
      } catch (SQLException e) {
        close(connection);
        connection = null;
        log.warn("webhook outbox: {} failed: {}", what, e.getMessage());
        throw new CompletionException(e);
      }
    }, writer);
  }

  @Override
  public void close() {
    writer.shutdown();
    try {
      writer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    close(connection);
  }

  private static void close(Connection db) {
    if (db == null) return;
    try {
      db.close();
    } catch (SQLException ignored) {
      // already broken
    }
  }
}
