package io.ncsync.daemon.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.Daemon;
import io.ncsync.daemon.FakeSyncEngine;
import io.ncsync.daemon.PostgresTestDatabase;
import io.ncsync.daemon.TestDaemons;
import io.ncsync.daemon.security.MasterKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two daemons with data dirs of their own on one PostgreSQL database: the second is refused while the first runs and
 * starts once it is gone; nodes sharing a cluster id may share the journal. (The kill -9 case, with real processes, is
 * OneClusterPerJournalIT.)
 */
class OneClusterPerJournalTest {
  @TempDir Path first;
  @TempDir Path second;
  private final FakeSyncEngine io = new FakeSyncEngine();
  private PostgresTestDatabase db;

  @BeforeEach
  void database() throws Exception {
    db = PostgresTestDatabase.create();
  }

  @AfterEach
  void drop() throws Exception {
    db.close();
  }

  private Map<String, String> env(Path dataDir, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(TestDaemons.embeddedEnv(dataDir));
    env.putAll(db.daemonEnv());
    env.putAll(extra);
    return env;
  }

  @Test
  void aSecondClusterIsRefusedNamingTheFirstAndStartsOnceItIsGone() throws Exception {
    // Both share the credential key, so only the cluster guard can stop the second.
    Map<String, String> key = Map.of("NCSYNC_SECRET_KEY", MasterKey.generate().encoded());
    try (TestDaemons.Running one = TestDaemons.start(env(first, key), io.factory())) {
      Daemon.StartupException refused = assertThrows(Daemon.StartupException.class,
          () -> TestDaemons.start(env(second, key), io.factory()));
      String firstId = Files.readString(first.resolve(ClusterId.FILE_NAME)).strip();
      String message = refused.getMessage();
      assertTrue(message.contains("already used by another ncsync cluster, '" + firstId + "'"), message);
      assertTrue(message.contains("pid " + ProcessHandle.current().pid()), message);
      assertTrue(message.contains("admin API " + one.baseUrl()), message);
      assertEquals(1, rows(), "the refused node left no trace");
    }
    assertEquals(0, rows(), "a node that stopped removed itself");
    TestDaemons.start(env(second, key), io.factory()).close();
  }

  @Test
  void nodesOfOneClusterShareTheJournal() throws Exception {
    Map<String, String> cluster = Map.of("NCSYNC_CLUSTER_ID", "shared",
        "NCSYNC_SECRET_KEY", MasterKey.generate().encoded());
    try (TestDaemons.Running one = TestDaemons.start(env(first, cluster), io.factory());
        TestDaemons.Running two = TestDaemons.start(env(second, cluster), io.factory())) {
      assertEquals(2, rows());
    }
  }

  private int rows() throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), PostgresTestDatabase.USER, PostgresTestDatabase.PASSWORD);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT count(*) FROM ncsync_cluster")) {
      r.next();
      return r.getInt(1);
    }
  }
}
