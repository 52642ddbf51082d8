package io.ncsync.daemon.http;

import io.ncsync.daemon.FakeSyncEngine;
import io.ncsync.daemon.TestDaemons;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real daemon (ActorSystem, sharding, SQLite journal, HTTP) with a {@link FakeSyncEngine}, one per test class,
 * and a client holding the admin (system) token. A subclass's own {@code @BeforeAll} runs after the daemon is up.
 */
abstract class InProcessDaemonTest {
  @TempDir static Path dataDir;
  static final FakeSyncEngine io = new FakeSyncEngine();
  static TestDaemons.Running daemon;
  static ApiClient api;

  @BeforeAll
  static void startDaemon() throws Exception {
    daemon = TestDaemons.start(TestDaemons.embeddedEnv(dataDir), io.factory());
    api = new ApiClient(daemon.baseUrl(), TestDaemons.TOKEN);
  }

  @AfterAll
  static void stopDaemon() {
    if (daemon != null) daemon.close();
  }
}
