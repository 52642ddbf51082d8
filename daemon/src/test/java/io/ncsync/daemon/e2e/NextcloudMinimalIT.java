package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ncsync.protocol.testing.nextcloud.RequestLog;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: a server that speaks Nextcloud's protocol as a minimal implementation does (the test server's
 * {@code minimal} mode: no bulk upload, a PUT answered with an ETag only, and not the ETag listed afterwards, no
 * checksums in listings). New files cost their PUTs and one listing per folder, not a PROPFIND each; the next run takes
 * the listed ETags as our own writes and downloads nothing.
 */
class NextcloudMinimalIT extends NextcloudE2eBase {

  @AfterEach
  void honestAgain() {
    server.faults().minimal(false);
  }

  private static long count(List<RequestLog.Entry> log, String method) {
    return log.stream().filter(e -> e.method().equals(method)).count();
  }

  @Test
  void newFilesCostTheirPutsAndOneListingPerFolderAndTheNextRunDownloadsNothing() {
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
    assertConverged("after the upload", lib);

    server.requests().reset();
    AdminApi.assertCounters(api.syncOk(lib.id()), 0, 0, 0, 0, 0);
    List<RequestLog.Entry> second = davRequests(server.requests().entries());
    assertEquals(0, count(second, "GET"), "our own writes are not downloaded again:" + describe(second));
    assertEquals(0, count(second, "PUT"), describe(second));
  }
}
