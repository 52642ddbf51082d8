package io.ncsync.daemon.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.Daemon;
import io.ncsync.daemon.FakeSyncEngine;
import io.ncsync.daemon.TestDaemons;
import io.ncsync.daemon.http.ApiClient;
import io.ncsync.daemon.security.MasterKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up and door guards as a daemon meets them: in-JVM daemons on the embedded journal, over real HTTP. */
class DaemonGuardsTest {
  @TempDir Path dataDir;
  private final FakeSyncEngine io = new FakeSyncEngine();

  @Test
  void aSecondDaemonOnTheSameDataDirStopsAtOnceNamingTheRunningOne() throws Exception {
    try (TestDaemons.Running first = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), io.factory())) {
      Daemon.StartupException refused = assertThrows(Daemon.StartupException.class,
          () -> Daemon.start(TestDaemons.load(TestDaemons.embeddedEnv(dataDir)), io.factory()));
      assertTrue(refused.getMessage().startsWith("another ncsync daemon is running on the data dir " + dataDir),
          refused.getMessage());
      assertTrue(refused.getMessage().contains("pid " + ProcessHandle.current().pid()), refused.getMessage());
      assertTrue(refused.getMessage().contains("admin API " + first.baseUrl()), refused.getMessage());
      assertEquals(200, new ApiClient(first.baseUrl(), TestDaemons.TOKEN).get("/api/v1/libraries").status(),
          "the running daemon is not disturbed");
    }
    TestDaemons.start(TestDaemons.embeddedEnv(dataDir), io.factory()).close();
  }

  @Test
  void aLostCredentialKeyStopsTheStartNamingTheFile() throws Exception {
    TestDaemons.start(TestDaemons.embeddedEnv(dataDir), io.factory()).close();
    Path keyFile = dataDir.resolve(MasterKey.FILE_NAME);
    Files.delete(keyFile);
    Daemon.StartupException refused = assertThrows(Daemon.StartupException.class,
        () -> TestDaemons.start(TestDaemons.embeddedEnv(dataDir), io.factory()));
    assertTrue(refused.getMessage().contains("restore " + keyFile), refused.getMessage());
    assertFalse(Files.exists(keyFile), "no replacement key");
    assertFalse(Files.exists(dataDir.resolve(DataDirLock.OWNER_FILE)), "the refused start let go of the data dir");
  }

  @Test
  void aShortConfiguredAdminTokenIsRefusedAtStart() {
    Map<String, String> env = new HashMap<>(TestDaemons.embeddedEnv(dataDir));
    env.put("NCSYNC_ADMIN_TOKEN", "0123456789abcdef0123456789abcde"); // 31 characters
    Daemon.StartupException refused = assertThrows(Daemon.StartupException.class,
        () -> TestDaemons.start(env, io.factory()));
    assertTrue(refused.getMessage().contains("NCSYNC_ADMIN_TOKEN has 31 characters, fewer than the 32 required"),
        refused.getMessage());
  }

  @Test
  void tenFailedAuthenticationsBlockTheAddressEvenForTheRightToken() throws Exception {
    try (TestDaemons.Running daemon = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), io.factory())) {
      ApiClient guesser = new ApiClient(daemon.baseUrl(), "wrong-token");
      ApiClient.Response noHeader = new ApiClient(daemon.baseUrl(), null).get("/api/v1/libraries");
      assertEquals(401, noHeader.status(), "a request without a token is not a guess and is not counted");
      for (int i = 1; i <= 10; i++) {
        assertEquals(401, guesser.get("/api/v1/libraries").status(), "failure " + i);
      }
      ApiClient.Response blocked = new ApiClient(daemon.baseUrl(), TestDaemons.TOKEN).get("/api/v1/libraries");
      assertEquals(429, blocked.status(), blocked.toString());
      long retryAfter = Long.parseLong(blocked.raw().headers().firstValue("Retry-After").orElse("0"));
      assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
      assertTrue(blocked.error().contains("too many failed authentications from 127.0.0.1"), blocked.error());
      assertEquals(200, new ApiClient(daemon.baseUrl(), null).get("/health/live").status(), "health stays open");
    }
  }
}
