package io.ncsync.daemon.e2e;

import static io.ncsync.daemon.e2e.E2eFiles.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.protocol.testing.nextcloud.RequestLog;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The daemon following the Nextcloud test server's activity stream: a change made through Nextcloud deep in the tree
 * costs the root's PROPFIND, one read of the stream and one PROPFIND of the changed folder; a change the stream never
 * reports (a file written on the server's disk and picked up by {@code occ files:scan}) is found by the next full walk,
 * which comes within {@code NCSYNC_SYNC_FULL_WALK_INTERVAL}; and the stream's cursor survives a restart of the daemon.
 */
class NextcloudActivityFeedIT extends NextcloudE2eBase {
  static final Duration FULL_WALK = Duration.ofSeconds(4);
  static final String ACTIVITY = "/ocs/v2.php/apps/activity/api/v2/activity";

  @Override
  protected Map<String, String> daemonEnv() {
    return Map.of("NCSYNC_SYNC_FULL_WALK_INTERVAL", FULL_WALK.toSeconds() + "s");
  }

  @Test
  void remoteChangesAreFoundThroughTheActivityStreamAndTheFullWalk() {
    Library lib = newLibrary("nc-feed");
    Map<String, String> expected = new HashMap<>();
    Map<String, String> remoteFiles = Map.of(
        "a/b/c/deep.txt", "deep v1",
        "a/x/side.txt", "side",
        "p/q/r.txt", "r v1",
        "top.txt", "top");
    remoteFiles.forEach((p, c) -> writeRemote(lib, p, c));
    remoteFiles.forEach((p, c) -> expected.put(p, sha256(c)));
    api.syncOk(lib.id());
    Instant lastFullWalk = Instant.now();
    server.requests().reset();
    AdminApi.assertCounters(api.syncOk(lib.id()), 0, 0, 0, 0, 0);
    assertEquals(1, davRequests(server.requests().entries()).size(), "settled: " + describe(server.requests().entries()));

    // A change through Nextcloud three folders deep, and a file the stream never mentions under the same top folder.
    writeRemote(lib, "a/b/c/deep.txt", "deep v2");
    expected.put("a/b/c/deep.txt", sha256("deep v2"));
    E2eFiles.write(serverPath(lib, "a/x"), "scanned.txt", "scanned");
    server.scan(lib.remoteFolder() + "/a/x");
    server.requests().reset();
    JsonNode run = api.syncOk(lib.id());
    List<RequestLog.Entry> log = server.requests().entries();
    AdminApi.assertCounters(run, 0, 1, 0, 0, 0);
    List<RequestLog.Entry> propfinds = log.stream().filter(e -> e.method().equals("PROPFIND")).toList();
    assertEquals(List.of(davPath(lib, ""), davPath(lib, "a/b/c")),
        propfinds.stream().map(e -> trimSlash(e.path())).toList(),
        "the root, then straight to the folder the stream named:" + describe(log));
    assertEquals(1, log.stream().filter(e -> e.path().startsWith(ACTIVITY)).count(), "one read of the stream:" + describe(log));
    assertEquals(1, log.stream().filter(e -> e.method().equals("GET") && e.path().startsWith(DAV_PREFIX)).count());
    assertFalse(localTree(lib).files().containsKey("a/x/scanned.txt"),
        "a/ was jumped over on the stream's word: the scanned file waits for the full walk");

    // The full walk comes once the interval since the last one has passed.
    DaemonProcess.sleep(Math.max(0, Duration.between(Instant.now(), lastFullWalk.plus(FULL_WALK)).toMillis() + 500));
    run = api.syncOk(lib.id());
    AdminApi.assertCounters(run, 0, 1, 0, 0, 0);
    expected.put("a/x/scanned.txt", sha256("scanned"));
    Tree.assertFiles("after the full walk", assertConverged("after the full walk", lib), expected);

    // The cursor is part of the library's state: after a restart the stream is read from where it was.
    daemon.stop();
    daemon.restart();
    writeRemote(lib, "p/q/r.txt", "r v2");
    expected.put("p/q/r.txt", sha256("r v2"));
    server.requests().reset();
    run = api.syncOk(lib.id());
    // The restarted daemon probes the server's promises once, in a scratch folder outside the library.
    log = server.requests().entries().stream()
        .filter(e -> !e.path().contains("/" + io.ncsync.protocol.ServerPromises.SCRATCH_PREFIX)).toList();
    AdminApi.assertCounters(run, 0, 1, 0, 0, 0);
    assertEquals(List.of(davPath(lib, ""), davPath(lib, "p/q")),
        log.stream().filter(e -> e.method().equals("PROPFIND")).map(e -> trimSlash(e.path())).toList(),
        "after the restart:" + describe(log));
    assertTrue(log.stream().noneMatch(e -> e.path().startsWith(ACTIVITY) && e.query() != null && e.query().contains("sort=desc")),
        "no fresh start from the newest activity: the persisted cursor was used:" + describe(log));
    Tree.assertFiles("after the restart", assertConverged("after the restart", lib), expected);
  }
}
