package io.ncsync.daemon.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One daemon per data dir, released with the process, kill -9 included. */
class DataDirLockTest {
  @TempDir Path dataDir;

  @Test
  void aSecondHolderIsRefusedWithTheFirstOnesDescription() throws Exception {
    try (DataDirLock first = DataDirLock.acquire(dataDir, "pid 1 on here, admin API http://127.0.0.1:1")) {
      first.describe("pid 1 on here, admin API http://127.0.0.1:8080");
      DataDirLock.HeldException held =
          assertThrows(DataDirLock.HeldException.class, () -> DataDirLock.acquire(dataDir, "the second"));
      assertTrue(held.getMessage().contains("pid 1 on here, admin API http://127.0.0.1:8080"), held.getMessage());
      assertTrue(held.getMessage().contains(dataDir.toString()), held.getMessage());
    }
    assertFalse(Files.exists(dataDir.resolve(DataDirLock.OWNER_FILE)), "a released lock leaves no owner behind");
    DataDirLock.acquire(dataDir, "the second").close();
  }

  /** Run by {@link #aLockDiesWithItsProcessEvenOnKill9} in a JVM of its own: takes the lock, says so, waits. */
  public static void main(String[] args) throws Exception {
    DataDirLock.acquire(Path.of(args[0]), "pid " + ProcessHandle.current().pid() + " (child)");
    System.out.println("locked");
    System.out.flush();
    Thread.sleep(120_000);
  }

  @Test
  void aLockDiesWithItsProcessEvenOnKill9() throws Exception {
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), DataDirLockTest.class.getName(), dataDir.toString())
        .redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.equals("locked")) {
        // skip logging
      }
      assertEquals("locked", line, "the child took the lock");
      DataDirLock.HeldException held =
          assertThrows(DataDirLock.HeldException.class, () -> DataDirLock.acquire(dataDir, "parent"));
      assertTrue(held.getMessage().contains("pid " + child.pid() + " (child)"), held.getMessage());

      child.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      try (DataDirLock lock = DataDirLock.acquire(dataDir, "parent")) {
        assertTrue(Files.readString(dataDir.resolve(DataDirLock.OWNER_FILE)).contains("parent"),
            "the new holder replaced the dead one's description");
      }
    } finally {
      child.destroyForcibly();
    }
  }
}
