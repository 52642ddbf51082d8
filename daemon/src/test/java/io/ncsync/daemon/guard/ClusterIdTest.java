package io.ncsync.daemon.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.ncsync.daemon.TestDaemons;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster id: NCSYNC_CLUSTER_ID when set, else one generated once per data dir. */
class ClusterIdTest {
  @TempDir Path dataDir;
  @TempDir Path otherDataDir;

  @Test
  void generatedOncePerDataDir() throws Exception {
    String id = ClusterId.resolve(TestDaemons.load(TestDaemons.embeddedEnv(dataDir)).config(), dataDir);
    assertEquals(id, Files.readString(dataDir.resolve(ClusterId.FILE_NAME)).strip());
    assertEquals(id, ClusterId.resolve(TestDaemons.load(TestDaemons.embeddedEnv(dataDir)).config(), dataDir));
    assertNotEquals(id, ClusterId.resolve(TestDaemons.load(TestDaemons.embeddedEnv(otherDataDir)).config(), otherDataDir));
  }

  @Test
  void theConfiguredIdWins() throws Exception {
    Map<String, String> env = new HashMap<>(TestDaemons.embeddedEnv(dataDir));
    env.put("NCSYNC_CLUSTER_ID", "site-a");
    assertEquals("site-a", ClusterId.resolve(TestDaemons.load(env).config(), dataDir));
    assertFalse(Files.exists(dataDir.resolve(ClusterId.FILE_NAME)));
  }
}
