package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * kill -9 in the middle of a run of a few hundred files, in each direction: right after the kill no file is visible
 * under a real name with partial content and the source side is untouched; after a restart on the same data dir the
 * library converges with nothing lost and nothing extra (no conflict copies, no leftovers).
 */
class CrashRecoveryIT extends E2eTestBase {

  static final int FILES = 300;
  static final int KILL_AFTER = FILES / 3;
  static final Duration PROGRESS_TIMEOUT = Duration.ofSeconds(90);

  /** 300 files of 4–64 KiB in three folders, deterministic for a seed. */
  static Map<String, byte[]> generate(long seed) {
    Random sizes = new Random(seed);
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < FILES; i++) {
      int size = 4 * 1024 + sizes.nextInt(60 * 1024 + 1);
      files.put(String.format("batch-%d/file-%03d.bin", i % 3, i), E2eFiles.randomBytes(seed * 100_000 + i, size));
    }
    return files;
  }

  static Map<String, String> hashes(Map<String, byte[]> files) {
    Map<String, String> out = new TreeMap<>();
    files.forEach((p, c) -> out.put(p, E2eFiles.sha256(c)));
    return out;
  }

  @Test
  void killDuringUploadThenRestartConverges() {
    Library lib = newLibrary("crash-up");
    Map<String, byte[]> files = generate(1);
    files.forEach((p, c) -> E2eFiles.write(lib.localRoot(), p, c));
    Map<String, String> expected = hashes(files);

    String killedRun = api.startSync(lib.id());
    int seen = awaitProgress(lib, "uploaded", () -> remoteRealFiles(lib).size());
    daemon.kill9();
    int atKill = remoteRealFiles(lib).size();
    System.out.println("upload: killed at " + seen + " (then " + atKill + ") of " + FILES + " files");
    assertTrue(atKill < FILES, "the run was over before the kill (" + seen + " then " + atKill + " of " + FILES
        + " files uploaded): the test did not interrupt anything");

    // Right after the crash: whatever is visible remotely under a real name is complete; the local side is untouched.
    assertNoPartialFiles("remote side right after kill -9", remote.tree(lib.remoteFolder()), expected);
    Tree.assertFiles("local side right after kill -9 (uploads never touch it)", localTree(lib), expected);

    daemon.restart();
    assertKilledRunRecorded(lib, killedRun);
    JsonNode run = api.syncUntilSucceeded(lib.id(), 4);
    assertConvergedExactly(lib, expected, run);
  }

  @Test
  void killDuringDownloadThenRestartConverges() {
    Library lib = newLibrary("crash-down");
    Map<String, byte[]> files = generate(2);
    Map<String, byte[]> remoteFiles = new LinkedHashMap<>();
    files.forEach((p, c) -> remoteFiles.put(lib.remoteFolder() + "/" + p, c));
    remote.putAll(remoteFiles, 8);
    Map<String, String> expected = hashes(files);

    String killedRun = api.startSync(lib.id());
    int seen = awaitProgress(lib, "downloaded", () -> localTree(lib).files().size());
    daemon.kill9();
    Tree local = localTree(lib);
    System.out.println("download: killed at " + seen + " (then " + local.files().size() + ") of " + FILES + " files");
    assertTrue(local.files().size() < FILES, "the run was over before the kill (" + seen + " then "
        + local.files().size() + " of " + FILES + " files downloaded): the test did not interrupt anything");

    // Right after the crash: no partial download under a real name; the remote side is untouched.
    assertNoPartialFiles("local side right after kill -9", local, expected);
    Tree.assertFiles("remote side right after kill -9 (downloads never touch it)", remote.tree(lib.remoteFolder()),
        expected);

    daemon.restart();
    assertKilledRunRecorded(lib, killedRun);
    JsonNode run = api.syncUntilSucceeded(lib.id(), 4);
    assertConvergedExactly(lib, expected, run);
    // Partial downloads never lie in the workspace, and the next run empties the library's staging folder.
    assertEquals(List.of(), stagedFilesOf(lib), "partial downloads left in the staging folder after recovery");
  }

  /** Files in the daemon's staging folder for the library: {@code <workspaces root>/.ncsync-staging/<tenant>/<library>/}. */
  private List<String> stagedFilesOf(Library lib) {
    Path staging = daemon.dataDir().resolve("workspaces").resolve(".ncsync-staging");
    if (!Files.isDirectory(staging)) return List.of();
    try (Stream<Path> walk = Files.walk(staging)) {
      return walk.filter(Files::isRegularFile).map(p -> staging.relativize(p).toString())
          .filter(p -> p.contains(lib.id())).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** After the restart the killed run is over and its outcome says so (a resumed run may also have completed it). */
  private void assertKilledRunRecorded(Library lib, String runId) {
    JsonNode killed = api.awaitRun(lib.id(), runId);
    String outcome = killed.path("outcome").asText();
    System.out.println("killed run after restart: " + killed);
    assertTrue(outcome.equals("interrupted") || outcome.equals("succeeded"),
        "outcome of the run killed by kill -9, after the restart: " + killed);
  }

  /** Polls a progress counter until a third of the files are through; returns the last value seen. */
  private int awaitProgress(Library lib, String what, IntSupplier progress) {
    Instant deadline = Instant.now().plus(PROGRESS_TIMEOUT);
    int n = 0;
    while (Instant.now().isBefore(deadline)) {
      n = progress.getAsInt();
      if (n >= KILL_AFTER) {
        return n;
      }
      if (!daemon.isAlive()) {
        fail("daemon died on its own during the run; log tail:\n" + daemon.logTail(60));
      }
      DaemonProcess.sleep(15);
    }
    fail("only " + n + " of " + FILES + " files " + what + " within " + PROGRESS_TIMEOUT + "; status "
        + api.status(lib.id()));
    return n;
  }

  private Map<String, Long> remoteRealFiles(Library lib) {
    Map<String, Long> all = new TreeMap<>(remote.listFilesRecursively(lib.remoteFolder()));
    all.keySet().removeIf(p -> p.substring(p.lastIndexOf('/') + 1).startsWith("."));
    return all;
  }

  /** Every file under a real name (not a dot-file) is one of the expected files with its full content. */
  private static void assertNoPartialFiles(String what, Tree tree, Map<String, String> expected) {
    Map<String, String> problems = new TreeMap<>();
    tree.files().forEach((path, sha) -> {
      boolean dotFile = path.substring(path.lastIndexOf('/') + 1).startsWith(".");
      if (dotFile) {
        return;
      }
      String want = expected.get(path);
      if (want == null) {
        problems.put(path, "unexpected file");
      } else if (!want.equals(sha)) {
        problems.put(path, "partial or wrong content");
      }
    });
    if (!problems.isEmpty()) {
      fail(what + ": " + problems);
    }
  }

  /** Both sides hold exactly the expected files; no conflict was raised; the server holds no leftovers at all. */
  private void assertConvergedExactly(Library lib, Map<String, String> expected, JsonNode run) {
    Tree local = localTree(lib);
    Tree.assertFiles("local side after recovery", local, expected);
    Tree remoteRaw = remote.tree(lib.remoteFolder());
    Tree.assertFiles("remote side after recovery (nothing but the expected files, no temporary uploads)", remoteRaw,
        expected);
    Tree.assertSameTree("after recovery", local, remoteRaw);
    assertEquals(0, run.path("conflicts").asInt(-1), "a crash must not produce conflicts: " + run);
    assertEquals(0, api.conflicts(lib.id()).size(), "no open conflicts: " + api.conflicts(lib.id()));
    JsonNode again = api.syncOk(lib.id());
    AdminApi.assertCounters(again, 0, 0, 0, 0, 0);
  }
}
