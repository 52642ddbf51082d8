package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.protocol.testing.nextcloud.RequestLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * kill -9 in the middle of downloading a 24 MiB file: within 10 s of the restart the library runs again by itself
 * (trigger {@code resumed}, no request), the download continues where it stopped (the server's log shows the GET
 * answered 206 to a Range request), and the file lands whole.
 */
class NextcloudDownloadResumeIT extends NextcloudE2eBase {
  static final int SIZE = 24 << 20;

  @Override
  protected Map<String, String> daemonEnv() {
    // 3 MB/s: the download takes about 8 s, so the kill lands in it. The schedule is an hour away: what runs after
    // the restart runs by itself.
    return Map.of("NCSYNC_REMOTE_BYTES_PER_SECOND", Integer.toString(3_000_000), "NCSYNC_SYNC_INTERVAL", "1h");
  }

  @Test
  void aDownloadCutByKillMinus9ContinuesFromWhereItStoppedInARunThatResumesByItself() throws Exception {
    Library lib = newLibrary("nc-resume");
    byte[] content = E2eFiles.randomBytes(42, SIZE);
    writeRemote(lib, "media/big.bin", content);
    String sha = E2eFiles.sha256(content);

    api.startSync(lib.id()); // started now, or queued behind the library's first run
    Path partial = awaitPartial(lib, 4 << 20);
    daemon.kill9();
    long kept = Files.size(partial);
    System.out.println("killed with " + kept + " of " + SIZE + " bytes downloaded");
    assertTrue(kept < SIZE, "the kill came after the download finished: the test did not interrupt it");
    assertTrue(!Files.exists(lib.localRoot().resolve("media/big.bin")), "nothing partial under the real name");

    server.requests().reset();
    daemon.restart();
    long restarted = System.nanoTime();
    String resumed = null;
    while (resumed == null) {
      for (var run : api.get("/api/v1/libraries/" + lib.id() + "/runs").json().get("runs")) {
        if (run.get("trigger").asText().equals("resumed")) resumed = run.get("runId").asText();
      }
      assertTrue(resumed != null || System.nanoTime() - restarted < Duration.ofSeconds(10).toNanos(),
          "no run resumed by itself within 10 s of the restart");
      if (resumed == null) DaemonProcess.sleep(100);
    }
    assertEquals("succeeded", api.awaitRun(lib.id(), resumed).get("outcome").asText());
    assertEquals(sha, E2eFiles.sha256(lib.localRoot().resolve("media/big.bin")), "the file landed whole");
    List<RequestLog.Entry> gets = server.requests().entries().stream()
        .filter(e -> e.method().equals("GET") && e.path().endsWith("/nc-resume/media/big.bin")).toList();
    assertTrue(gets.stream().anyMatch(e -> e.status() == 206),
        "after the restart the download continued with a Range request: " + gets);
    assertTrue(gets.stream().noneMatch(e -> e.status() == 200), "and never started over: " + gets);
  }

  /** The partial download in the library's staging folder, once it holds at least {@code bytes}. */
  private Path awaitPartial(Library lib, long bytes) throws Exception {
    Path staging = daemon.dataDir().resolve("workspaces").resolve(".ncsync-staging").resolve("default").resolve(lib.id());
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.isDirectory(staging)) {
        try (Stream<Path> files = Files.list(staging)) {
          for (Path p : files.toList()) {
            if (p.getFileName().toString().startsWith("partial-") && Files.size(p) >= bytes) return p;
          }
        }
      }
      DaemonProcess.sleep(50);
    }
    throw new AssertionError("no partial download of " + bytes + " bytes in " + staging);
  }
}
