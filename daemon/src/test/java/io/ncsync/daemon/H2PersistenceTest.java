package io.ncsync.daemon;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connections, libraries and runs survive a restart on the embedded H2 journal. */
class H2PersistenceTest {
  @TempDir Path dataDir;

  @Test
  void everythingSurvivesARestart() throws Exception {
    PersistenceRoundTrip.run(TestDaemons.h2Env(dataDir), dataDir);
  }
}
