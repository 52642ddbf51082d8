package io.ncsync.daemon;

import io.ncsync.daemon.config.Settings;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connections, libraries and runs survive a restart on an H2 journal (the embedded store of earlier versions). */
class H2PersistenceTest {
  @TempDir Path dataDir;

  @Test
  void everythingSurvivesARestart() throws Exception {
    Map<String, String> env = TestDaemons.embeddedEnv(dataDir);
    env.put("NCSYNC_DB_URL", Settings.defaultH2Url(dataDir));
    PersistenceRoundTrip.run(env, dataDir);
  }
}
