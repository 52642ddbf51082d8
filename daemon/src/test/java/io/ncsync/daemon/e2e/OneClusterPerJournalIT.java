package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.PostgresTestDatabase;
import io.ncsync.daemon.security.MasterKey;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two {@code ncsync serve} processes with data dirs of their own on one PostgreSQL database: the second stops at once
 * naming the first; once the first is killed with SIGKILL (its advisory lock dies with its connection), a new one
 * starts. Both get the same credential key, so only the cluster guard can stop the second.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class OneClusterPerJournalIT {

  @Test
  void aSecondClusterOnOneDatabaseIsRefusedUntilTheFirstIsKilled() throws Exception {
    try (PostgresTestDatabase db = PostgresTestDatabase.create()) {
      Map<String, String> env = new HashMap<>(db.daemonEnv());
      env.put("NCSYNC_SECRET_KEY", MasterKey.generate().encoded());
      try (DaemonProcess first = DaemonProcess.start("OneClusterPerJournalIT-first", env)) {
        String firstCluster = Files.readString(first.dataDir().resolve("cluster-id")).strip();
        AssertionError refused = assertThrows(AssertionError.class,
            () -> DaemonProcess.start("OneClusterPerJournalIT-second", env).close());
        String message = refused.getMessage();
        System.out.println("second daemon refused as expected:\n" + message);
        assertTrue(message.contains("daemon exited with 1 before it was ready"), message);
        assertTrue(message.contains("already used by another ncsync cluster, '" + firstCluster + "' (node pid "
            + first.pid()), message);
        assertTrue(message.contains("admin API " + first.baseUrl().toString().replaceAll("/$", "")), message);

        first.kill9();
        try (DaemonProcess again = DaemonProcess.start("OneClusterPerJournalIT-second", env)) {
          assertEquals(200, new AdminApi(again).get("/api/v1/libraries").status(),
              "a new cluster starts once the first is gone");
        }
      }
    }
  }
}
