package io.ncsync.daemon.e2e;

import static io.ncsync.daemon.e2e.E2eFiles.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.protocol.testing.nextcloud.RequestLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A misbehaving Nextcloud: 503 and 429 with Retry-After are waited out and retried; random 500s may fail a run but
 * never lose or corrupt a file, and the next run converges; a full quota fails the upload with a clear reason and
 * deletes nothing. Each test uses its own connection (own pool, session and circuit breaker).
 */
class NextcloudFaultsIT extends NextcloudE2eBase {

  @AfterEach
  void clearFaults() {
    server.faults().clear();
  }

  @Test
  void serviceUnavailableAndThrottlingAreRetriedAfterRetryAfter() {
    Library lib = newLibrary("nc-retry-after", newConnection());
    writeLocal(lib, "base.txt", "base");
    api.syncOk(lib.id());

    // 503 Service Unavailable, Retry-After: 1, twice.
    writeLocal(lib, "up/one.txt", "goes up during 503s");
    writeRemote(lib, "down/one.txt", "comes down during 503s");
    server.requests().reset();
    server.faults().serviceUnavailable(2, 1);
    JsonNode run = api.syncOk(lib.id());
    List<RequestLog.Entry> log = server.requests().entries();
    System.out.println("503 x2, Retry-After 1 s: run " + run + describe(log));
    assertEquals(1, run.path("uploaded").asInt(-1), "uploaded in " + run);
    assertEquals(1, run.path("downloaded").asInt(-1), "downloaded in " + run);
    assertRetriedAfter(503, 2, Duration.ofSeconds(1), log);
    assertConverged("after a run through two 503s", lib);

    // 429 Too Many Requests, Retry-After: 1, twice.
    writeLocal(lib, "up/two.txt", "goes up during 429s");
    writeRemote(lib, "down/two.txt", "comes down during 429s");
    server.requests().reset();
    server.faults().throttle(2, 1);
    run = api.syncOk(lib.id());
    log = server.requests().entries();
    System.out.println("429 x2, Retry-After 1 s: run " + run + describe(log));
    assertEquals(1, run.path("uploaded").asInt(-1), "uploaded in " + run);
    assertEquals(1, run.path("downloaded").asInt(-1), "downloaded in " + run);
    assertRetriedAfter(429, 2, Duration.ofSeconds(1), log);
    Tree.assertFiles("after a run through two 429s", assertConverged("after a run through two 429s", lib), Map.of(
        "base.txt", sha256("base"),
        "up/one.txt", sha256("goes up during 503s"),
        "down/one.txt", sha256("comes down during 503s"),
        "up/two.txt", sha256("goes up during 429s"),
        "down/two.txt", sha256("comes down during 429s")));
  }

  @Test
  void randomServerErrorsLoseNothingAndTheNextRunConverges() {
    Library lib = newLibrary("nc-errors", newConnection());
    Map<String, String> baseline = new TreeMap<>();
    for (int i = 0; i < 8; i++) {
      String l = "base/local-" + i + ".txt";
      String r = "base/remote-" + i + ".txt";
      writeLocal(lib, l, "baseline " + l);
      writeRemote(lib, r, "baseline " + r);
      baseline.put(l, sha256("baseline " + l));
      baseline.put(r, sha256("baseline " + r));
    }
    api.syncOk(lib.id());
    Tree.assertFiles("baseline", assertConverged("baseline", lib), baseline);

    // Work in both directions: new files, edits, deletions on each side.
    Map<String, String> expected = new TreeMap<>(baseline);
    for (int i = 0; i < 15; i++) {
      byte[] up = E2eFiles.randomBytes(1000 + i, 1024 * (1 + i * 3));
      byte[] down = E2eFiles.randomBytes(2000 + i, 1024 * (2 + i * 3));
      E2eFiles.write(lib.localRoot(), "new-local/f-" + i + ".bin", up);
      writeRemote(lib, "new-remote/sub-" + (i % 3) + "/f-" + i + ".bin", down);
      expected.put("new-local/f-" + i + ".bin", sha256(up));
      expected.put("new-remote/sub-" + (i % 3) + "/f-" + i + ".bin", sha256(down));
    }
    for (int i = 0; i < 3; i++) {
      writeLocal(lib, "base/local-" + i + ".txt", "edited locally, longer than before " + i);
      expected.put("base/local-" + i + ".txt", sha256("edited locally, longer than before " + i));
      writeRemote(lib, "base/remote-" + i + ".txt", "edited on the server, longer than before " + i);
      expected.put("base/remote-" + i + ".txt", sha256("edited on the server, longer than before " + i));
    }
    for (int i = 6; i < 8; i++) {
      E2eFiles.delete(lib.localRoot(), "base/local-" + i + ".txt");
      expected.remove("base/local-" + i + ".txt");
      remote.delete(lib.remoteFolder() + "/base/remote-" + i + ".txt");
      expected.remove("base/remote-" + i + ".txt");
    }
    Tree localBefore = localTree(lib);
    Tree serverBefore = serverTree(lib);

    server.requests().reset();
    server.faults().seed(20261122).errorRate(0.2);
    JsonNode faulty = api.syncAndWait(lib.id());
    server.faults().clear();
    List<RequestLog.Entry> log = server.requests().entries();
    long injected = log.stream().filter(e -> e.status() == 500).count();
    System.out.println("errorRate 0.2: " + injected + " of " + log.size() + " requests answered 500; run " + faulty);
    assertTrue(injected > 0, "the fault was on: some requests must have been answered 500:" + describe(log));

    // Whatever the run did: every file on each side is either as it was before the run or as it must end up.
    assertOnlyBeforeOrAfter("local side after the run with errors", localBefore, localTree(lib), expected);
    assertOnlyBeforeOrAfter("server side after the run with errors", serverBefore, serverTree(lib), expected);

    // Faults cleared: the library converges, with no conflict copies and no conflicts.
    List<String> outcomes = new ArrayList<>();
    JsonNode last = null;
    // (A circuit breaker tripped by the errors may refuse requests for its reset timeout, 30 s by default.)
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      last = api.syncAndWait(lib.id());
      outcomes.add(last.path("outcome").asText() + (last.path("reason").isNull() ? "" : " (" + last.path("reason").asText() + ")"));
      if ("succeeded".equals(last.path("outcome").asText())) {
        break;
      }
      DaemonProcess.sleep(5_000);
    }
    System.out.println("runs after clearing the faults: " + outcomes);
    if (last == null || !"succeeded".equals(last.path("outcome").asText())) {
      fail("no successful run after the faults were cleared: " + outcomes + "; status " + api.status(lib.id()));
    }
    Tree tree = assertConverged("after the faults were cleared", lib);
    assertNoConflictCopies("after the faults were cleared", tree);
    Tree.assertFiles("after the faults were cleared", tree, expected);
    assertEquals(0, api.conflicts(lib.id()).size(), "no conflicts: " + api.conflicts(lib.id()));
  }

  @Test
  void aFullQuotaFailsTheUploadWithAClearReasonAndDeletesNothing() {
    Library lib = newLibrary("nc-quota", newConnection());
    writeLocal(lib, "local.txt", "local");
    writeRemote(lib, "remote.txt", "remote");
    writeLocal(lib, "sub/kept.txt", "kept");
    api.syncOk(lib.id());
    assertConverged("baseline", lib);

    byte[] big = E2eFiles.randomBytes(507, 256 * 1024);
    E2eFiles.write(lib.localRoot(), "sub/too-big.bin", big);
    Tree localBefore = localTree(lib);
    Tree serverBefore = serverTree(lib);
    long used = usedBytes();
    server.faults().quotaBytes(used + 4096);

    server.requests().reset();
    JsonNode run = api.syncAndWait(lib.id());
    List<RequestLog.Entry> log = server.requests().entries();
    JsonNode status = api.status(lib.id());
    System.out.println("quota " + (used + 4096) + " bytes (" + used + " used): run " + run + "\n  status " + status
        + describe(log));
    assertTrue(log.stream().anyMatch(e -> e.status() == 507), "the server refused the upload with 507:" + describe(log));
    assertEquals("failed", run.path("outcome").asText(), "a refused upload fails the run: " + run);
    assertTrue(run.path("failed").asInt() >= 1, "the upload counts as failed: " + run);
    assertEquals("quota-full", run.path("code").asText(), "a full quota stops the run (class fatal): " + run);
    Tree.assertFiles("local side after the refused upload", localTree(lib), localBefore.files());
    Tree.assertFiles("server side after the refused upload", serverTree(lib), serverBefore.files());
    assertEquals(localBefore.dirs(), localTree(lib).dirs(), "local folders unchanged");
    assertEquals(serverBefore.dirs(), serverTree(lib).dirs(), "server folders unchanged");

    // Room again: the upload goes through.
    server.faults().quotaBytes(-1);
    JsonNode retried = api.syncOk(lib.id());
    assertEquals(1, retried.path("uploaded").asInt(-1), "the refused file is uploaded once there is room: " + retried);
    Map<String, String> expected = new HashMap<>(localBefore.files());
    Tree.assertFiles("after the quota was lifted", assertConverged("after the quota was lifted", lib), expected);

    // Checked last so that everything above is verified either way: the status of the failed run said why.
    String text = status.toString().toLowerCase(Locale.ROOT);
    assertTrue(List.of("quota", "insufficient", "507", "space").stream().anyMatch(text::contains),
        "the status must say why the upload failed (quota / insufficient storage / 507), not just that it failed: "
            + status);
  }

  @Test
  void aFileServedLargerThanListedFailsAloneAndTheRestSyncs() throws Exception {
    Library lib = newLibrary("nc-oversized", newConnection());
    writeRemote(lib, "ok/one.txt", "one");
    writeRemote(lib, "liar.bin", "ten bytes!");
    writeRemote(lib, "ok/two.txt", "two");
    server.faults().extraBodyBytes("liar.bin", 300L << 20);

    JsonNode run = api.syncAndWait(lib.id());
    JsonNode status = api.status(lib.id());
    System.out.println("liar.bin served with 300 MiB more than listed: run " + run + "\n  status " + status);

    assertEquals(1, run.path("failed").asInt(-1), "only the oversized file fails: " + run);
    assertEquals(2, run.path("downloaded").asInt(-1), "the rest syncs: " + run);
    Tree.assertFiles("local side", localTree(lib), Map.of("ok/one.txt", sha256("one"), "ok/two.txt", sha256("two")));
    try (var files = java.nio.file.Files.walk(lib.localRoot())) {
      long largest = files.filter(java.nio.file.Files::isRegularFile).mapToLong(f -> f.toFile().length()).max().orElse(0);
      assertTrue(largest <= 10, "no byte beyond the listed size stays in the workspace (largest file: " + largest + ")");
    }
    String text = status.toString();
    assertTrue(text.contains("liar.bin") && text.contains("more than the 10 bytes listed"),
        "the status names the file and the sizes: " + status);
    JsonNode failure = status.path("failures").get(0);
    assertEquals("document", failure.path("class").asText(), "a failure of this document alone: " + failure);
    assertEquals("integrity", failure.path("code").asText(), failure.toString());
    assertEquals(1, failure.path("attempts").asInt(), failure.toString());
    assertFalse(failure.path("retryAt").isNull(), "it waits for its own back-off: " + failure);

    server.faults().clear();
    JsonNode held = api.syncOk(lib.id());
    assertEquals(0, held.path("downloaded").asInt(-1), "unchanged and waiting: not tried before its back-off: " + held);
    assertEquals(1, api.retryFailures(lib.id()), "the operator releases it");
    JsonNode honest = api.syncUntilSucceeded(lib.id(), 3);
    System.out.println("served honestly again: run " + honest);
    Tree.assertFiles("after the server behaves", assertConverged("after the server behaves", lib), Map.of(
        "ok/one.txt", sha256("one"), "ok/two.txt", sha256("two"), "liar.bin", sha256("ten bytes!")));
  }

  /**
   * Exactly {@code times} requests got {@code status}, and each was repeated (same method and path) no sooner than the
   * Retry-After the server sent.
   */
  private static void assertRetriedAfter(int status, int times, Duration retryAfter, List<RequestLog.Entry> log) {
    List<Integer> faulted = new ArrayList<>();
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).status() == status) {
        faulted.add(i);
      }
    }
    assertEquals(times, faulted.size(), times + " requests answered " + status + ":" + describe(log));
    Duration slack = Duration.ofMillis(100);
    for (int i : faulted) {
      RequestLog.Entry refused = log.get(i);
      RequestLog.Entry retry = null;
      for (int j = i + 1; j < log.size() && retry == null; j++) {
        RequestLog.Entry e = log.get(j);
        if (e.method().equals(refused.method()) && e.path().equals(refused.path())
            && Objects.equals(e.query(), refused.query())) {
          retry = e;
        }
      }
      if (retry == null) {
        fail("the request answered " + status + " was never repeated: " + refused + describe(log));
      }
      Duration waited = Duration.between(refused.time(), retry.time());
      System.out.println("  " + refused + " repeated after " + waited.toMillis() + " ms: " + retry);
      assertTrue(waited.compareTo(retryAfter.minus(slack)) >= 0,
          "the retry of " + refused + " came after " + waited.toMillis() + " ms, before the Retry-After of "
              + retryAfter.toMillis() + " ms:" + describe(log));
    }
  }

  /** Every path on one side holds its content from before the run or its final content (absent counts as a state). */
  private static void assertOnlyBeforeOrAfter(String what, Tree before, Tree now, Map<String, String> after) {
    TreeSet<String> paths = new TreeSet<>(before.files().keySet());
    paths.addAll(now.files().keySet());
    paths.addAll(after.keySet());
    List<String> problems = new ArrayList<>();
    for (String p : paths) {
      String current = now.files().get(p);
      String was = before.files().get(p);
      String will = after.get(p);
      if (!Objects.equals(current, was) && !Objects.equals(current, will)) {
        problems.add(p + ": " + (current == null ? "missing" : "content " + current.substring(0, 12))
            + " is neither the state before the run (" + (was == null ? "absent" : was.substring(0, 12))
            + ") nor the final one (" + (will == null ? "absent" : will.substring(0, 12)) + ")");
      }
    }
    if (!problems.isEmpty()) {
      fail(what + ": lost or corrupted:\n  " + String.join("\n  ", problems));
    }
  }
}
