package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.protocol.testing.nextcloud.NextcloudTestServer;
import io.ncsync.protocol.testing.nextcloud.RequestLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * kill -9 in the middle of the chunked upload of a 60 MiB file: nothing partial appears under the real name, and after
 * a restart the upload resumes from the chunks already on the server (the daemon journals the upload session), the
 * file lands intact and the server's upload area is left empty.
 */
class NextcloudCrashIT extends NextcloudE2eBase {

  static final long SIZE = 60L * 1024 * 1024 + 12345;
  static final Duration PROGRESS_TIMEOUT = Duration.ofSeconds(60);

  /**
   * The server asks for chunks of at most 10 MiB (as an admin's {@code files.chunked_upload.max_size} does), so the
   * file takes 7 chunks and the kill can land between them: left alone, the daemon would send the first 10 MiB and then
   * the other 50 in one chunk.
   */
  @Override
  protected NextcloudTestServer.Options serverOptions() {
    return super.serverOptions().withMaxChunkSize(10L << 20);
  }

  @Test
  void killDuringChunkedUploadThenRestartResumesAndLandsIntact() {
    Library lib = newLibrary("nc-crash");
    writeLocal(lib, "small.txt", "a small file");
    api.syncOk(lib.id());

    String rel = "video/big-60m.bin";
    String sha = writeRandomFile(E2eFiles.resolve(lib.localRoot(), rel), 60, SIZE);
    server.requests().reset();
    // Slow every request down so that the kill lands between chunks, not after the assembly.
    server.faults().latency(Duration.ofMillis(400));
    String killedRun = api.startSync(lib.id());
    awaitChunks(lib, 2);
    daemon.kill9();
    server.faults().clear();
    DaemonProcess.sleep(500); // requests cut off by the kill finish on the server side
    List<RequestLog.Entry> before = server.requests().entries();
    Set<String> doneBeforeKill = chunksDone(before);
    System.out.println("killed after " + doneBeforeKill.size() + " chunk PUTs: " + doneBeforeKill + describe(before));
    assertTrue(before.stream().noneMatch(e -> e.method().equals("MOVE")),
        "the kill came after the assembly MOVE: the test did not interrupt the upload:" + describe(before));

    // Right after the crash: nothing under the real name on the server (the MOVE never happened); local untouched.
    Path onServer = serverPath(lib, rel);
    assertTrue(!Files.exists(onServer) || E2eFiles.sha256(onServer).equals(sha),
        "a partial file is visible on the server under the real name " + rel);
    assertEquals(sha, E2eFiles.sha256(E2eFiles.resolve(lib.localRoot(), rel)), "the local file is untouched");

    server.requests().reset();
    daemon.restart();
    JsonNode killed = api.awaitRun(lib.id(), killedRun);
    assertTrue(Set.of("interrupted", "succeeded").contains(killed.path("outcome").asText()),
        "outcome of the run killed by kill -9, after the restart: " + killed);
    JsonNode run = api.syncUntilSucceeded(lib.id(), 3);
    List<RequestLog.Entry> after = server.requests().entries();
    Set<String> resent = chunksDone(after);
    List<RequestLog.Entry> chunkPutsAfter = after.stream()
        .filter(e -> e.method().equals("PUT") && e.path().startsWith(UPLOADS_PREFIX)).toList();
    Set<String> allChunkNumbers = new TreeSet<>();
    doneBeforeKill.forEach(p -> allChunkNumbers.add(p.substring(p.lastIndexOf('/') + 1)));
    resent.forEach(p -> allChunkNumbers.add(p.substring(p.lastIndexOf('/') + 1)));
    System.out.println("after the restart: " + chunkPutsAfter.size() + " chunk PUTs (" + resent.size()
        + " answered 201) of " + allChunkNumbers.size() + " chunks; run " + run
        + describe(after.stream().filter(e -> e.path().startsWith(UPLOADS_PREFIX)).toList()));

    // The file lands intact, both sides agree, no conflict, no leftovers in the upload area.
    assertEquals(sha, E2eFiles.sha256(onServer), "the 60 MiB file on the server is byte-identical");
    Tree tree = assertConverged("after the restart", lib);
    assertNoConflictCopies("after the restart", tree);
    assertEquals(0, api.conflicts(lib.id()).size(), "no conflicts: " + api.conflicts(lib.id()));
    assertEquals(List.of(), uploadAreaFiles(), "no chunks or upload folders left on the server");

    // Resume: the chunks the server already had are not sent again.
    Set<String> sentTwice = resent.stream().filter(doneBeforeKill::contains).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(Set.of(), sentTwice, "chunks already on the server before the kill were sent again after the restart");
    assertTrue(chunkPutsAfter.size() < allChunkNumbers.size(),
        "the resumed upload re-sent every chunk (" + chunkPutsAfter.size() + " chunk PUTs after the restart for "
            + allChunkNumbers.size() + " chunks, " + doneBeforeKill.size() + " of them on the server before the kill):"
            + describe(after));
    AdminApi.assertCounters(api.syncOk(lib.id()), 0, 0, 0, 0, 0);
  }

  /** Polls the server's request log until {@code n} chunk PUTs were answered 201; fails when the upload finished. */
  private Set<String> awaitChunks(Library lib, int n) {
    Instant deadline = Instant.now().plus(PROGRESS_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      List<RequestLog.Entry> log = server.requests().entries();
      if (log.stream().anyMatch(e -> e.method().equals("MOVE") && e.path().startsWith(UPLOADS_PREFIX))) {
        fail("the chunked upload was assembled before " + n + " chunk PUTs were seen:" + describe(log));
      }
      Set<String> done = chunksDone(log);
      if (done.size() >= n) {
        return done;
      }
      if (!daemon.isAlive()) {
        fail("daemon died on its own during the upload; log tail:\n" + daemon.logTail(60));
      }
      DaemonProcess.sleep(10);
    }
    fail("fewer than " + n + " chunk PUTs within " + PROGRESS_TIMEOUT + ":" + describe(server.requests().entries())
        + "\nstatus " + api.status(lib.id()));
    return Set.of();
  }

  /** Paths of the chunk PUTs the server accepted. */
  private static Set<String> chunksDone(List<RequestLog.Entry> log) {
    return log.stream()
        .filter(e -> e.method().equals("PUT") && e.path().startsWith(UPLOADS_PREFIX) && e.status() == 201)
        .map(RequestLog.Entry::path)
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
