package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.protocol.testing.nextcloud.RequestLog;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: a server that speaks Nextcloud's protocol as a minimal implementation does (the test server's
 * {@code minimal} mode: no bulk upload, a PUT answered with an ETag only, and not the ETag listed afterwards, no
 * checksums in listings). New files cost their PUTs alone, not a PROPFIND each; the next run takes the listed ETags as
 * our own writes, learns the fileids, and downloads nothing.
 */
class NextcloudMinimalIT extends NextcloudE2eBase {

  @AfterEach
  void honestAgain() {
    server.faults().minimal(false);
  }

  private static long count(List<RequestLog.Entry> log, String method) {
    return log.stream().filter(e -> e.method().equals(method)).count();
  }

  /**
   * Issue 12, adopting a tree: a user moving over from another client (or making a library again) has the same files on
   * both sides already. Equal size and modification time are the same file, as the desktop client takes it: nothing is
   * transferred. {@code verifyOnAdopt} compares every file's content instead.
   */
  @Test
  void aTreeAlreadyOnBothSidesIsAdoptedWithoutATransferUnlessVerifyOnAdoptIsOn() throws Exception {
    server.faults().minimal(true);
    String connection = newConnection();
    Library first = newLibrary("adopt-first", connection);
    java.nio.file.attribute.FileTime anHourAgo = java.nio.file.attribute.FileTime.from(
        java.time.Instant.now().minus(java.time.Duration.ofHours(1)));
    for (int i = 0; i < 20; i++) {
      writeLocal(first, "docs/f" + i + ".txt", "document " + i);
      java.nio.file.Files.setLastModifiedTime(first.localRoot().resolve("docs/f" + i + ".txt"), anHourAgo);
    }
    api.syncOk(first.id());
    AdminApi.expectStatus(200, api.call("DELETE", "/api/v1/libraries/" + first.id() + "?detach=keep", (String) null), "detach");

    Library adopting = libraryOnCopy(first, "adopt-second", connection, false);
    server.requests().reset();
    api.syncOk(adopting.id());
    List<RequestLog.Entry> log = davRequests(server.requests().entries());
    assertEquals(0, count(log, "GET") + count(log, "PUT"), "nothing transferred:" + describe(log));
    assertConverged("after adopting", adopting);
    AdminApi.expectStatus(200, api.call("DELETE", "/api/v1/libraries/" + adopting.id() + "?detach=keep", (String) null), "detach");

    Library verifying = libraryOnCopy(first, "adopt-verify", connection, true);
    server.requests().reset();
    api.syncOk(verifying.id());
    assertEquals(20, count(davRequests(server.requests().entries()), "GET"), "every file compared by its content");
    assertConverged("after adopting with verification", verifying);
  }

  /**
   * A PUT answered with an ETag but no fileid costs nothing more: no PROPFIND per file and no listing per folder after
   * its uploads (issue 12's 1.05 requests per file). The next run lists the folders our writes changed, as it must
   * anyway, takes the listed ETags as our own writes (same size, our mtime) and records the fileids they show.
   */
  @Test
  void newAndChangedFilesCostTheirPutsAloneAndTheNextRunLearnsTheirFileIdsWithoutADownload() throws Exception {
    server.faults().minimal(true);
    Library lib = newLibrary("minimal-w1", newConnection()); // its own connection: features read in minimal mode
    for (int folder = 0; folder < 4; folder++) {
      for (int i = 0; i < 15; i++) writeLocal(lib, "d" + folder + "/f" + i + ".txt", "file " + folder + "/" + i);
    }

    server.requests().reset();
    api.syncOk(lib.id());
    List<RequestLog.Entry> first = davRequests(server.requests().entries());

    assertEquals(60, count(first, "PUT"), "one PUT per file, no bulk upload:" + describe(first));
    long perFile = first.stream().filter(e -> e.method().equals("PROPFIND") && e.path().endsWith(".txt")).count();
    assertEquals(0, perFile, "no PROPFIND per uploaded file:" + describe(first));
    // The discovery's listing, and one PROPFIND per new folder for its fileid: none after the uploads.
    assertEquals(1 + 4, count(first, "PROPFIND"), "no listing after the uploads:" + describe(first));
    assertConverged("after the upload", lib);

    server.requests().reset();
    AdminApi.assertCounters(api.syncOk(lib.id()), 0, 0, 0, 0, 0);
    List<RequestLog.Entry> second = davRequests(server.requests().entries());
    assertEquals(0, count(second, "GET"), "our own writes are not downloaded again:" + describe(second));
    assertEquals(0, count(second, "PUT"), describe(second));
    JsonNode listed = api.get("/api/v1/libraries/" + lib.id() + "/documents?path=d2/f7.txt").json();
    JsonNode document = listed.get("documents").get(0);
    assertEquals(String.valueOf(server.fileId(lib.remoteFolder() + "/d2/f7.txt")), document.get("fileId").asText(),
        "the fileid the PUT's answer lacked, from the next listing: " + document);

    server.requests().reset();
    api.syncOk(lib.id());
    assertEquals(1, davRequests(server.requests().entries()).size(), "settled: one request");

    // W5's shape: modify a file in each folder and add one to each: their PUTs and the discovery, nothing more.
    for (int folder = 0; folder < 4; folder++) {
      writeLocal(lib, "d" + folder + "/f0.txt", "changed " + folder);
      writeLocal(lib, "d" + folder + "/new.txt", "new " + folder);
    }
    server.requests().reset();
    AdminApi.assertCounters(api.syncOk(lib.id()), 8, 0, 0, 0, 0);
    List<RequestLog.Entry> changes = davRequests(server.requests().entries());
    assertEquals(8, count(changes, "PUT"), describe(changes));
    assertEquals(9, changes.size(), "eight PUTs and the discovery's listing:" + describe(changes));
    assertConverged("after the changes", lib);
  }
}
