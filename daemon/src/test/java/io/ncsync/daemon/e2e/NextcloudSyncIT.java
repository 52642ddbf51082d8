package io.ncsync.daemon.e2e;

import static io.ncsync.daemon.e2e.E2eFiles.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.protocol.testing.nextcloud.RequestLog;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The daemon against a Nextcloud-compatible server (connection kind {@code nextcloud}): a nested tree from both sides
 * converges byte for byte, a large local file goes up with chunked upload v2, a large server file comes down intact,
 * a both-sides edit keeps both versions; and once settled, a re-sync costs one request and a deep change costs a
 * request per changed folder level.
 */
class NextcloudSyncIT extends NextcloudE2eBase {

  static final int BIG = 25 * 1024 * 1024;

  @Test
  void nestedTreeLargeFilesAndConflictConvergeBothWays() {
    Library lib = newLibrary("nc-tree");
    String token = UUID.randomUUID().toString();
    Map<String, String> expected = new HashMap<>();

    Map<String, String> localText = Map.of(
        "docs/readme.txt", "readme " + token,
        "docs/deep/nested/a.md", "# a " + token,
        "notes/report.txt", "report, first version " + token,
        "top.txt", "top " + token,
        "empty.txt", "");
    localText.forEach((p, c) -> writeLocal(lib, p, c));
    localText.forEach((p, c) -> expected.put(p, sha256(c)));
    expected.put("big/local-25m.bin", writeRandomFile(lib.localRoot().resolve("big").resolve("local-25m.bin"), 25, BIG));

    Map<String, String> remoteText = Map.of(
        "remote-only/r1.txt", "r1 " + token,
        "remote-only/sub/deeper/r2.txt", "r2 " + token,
        "r-top.txt", "r-top " + token,
        "spaces in name/file (1) & co.txt", "spaces " + token);
    remoteText.forEach((p, c) -> writeRemote(lib, p, c));
    remoteText.forEach((p, c) -> expected.put(p, sha256(c)));
    byte[] remoteBig = E2eFiles.randomBytes(52, BIG + 4321);
    writeRemote(lib, "big-remote/server-25m.bin", remoteBig);
    expected.put("big-remote/server-25m.bin", sha256(remoteBig));
    remote.mkdirs(lib.remoteFolder() + "/empty-remote-dir");

    server.requests().reset();
    JsonNode run = api.syncOk(lib.id());
    List<RequestLog.Entry> log = server.requests().entries();
    assertEquals(0, run.path("conflicts").asInt(-1), "conflicts in " + run);
    assertEquals(0, run.path("deletedLocal").asInt(-1) + run.path("deletedRemote").asInt(-1), "deletions in " + run);
    Tree tree = assertConverged("after the first sync", lib);
    Tree.assertFiles("after the first sync", tree, expected);
    assertTrue(tree.dirs().contains("empty-remote-dir"), "empty remote folder created locally: " + tree.dirs());

    // The 25 MiB local file went up as chunked upload v2: MKCOL of a transfer folder, numbered chunk PUTs, MOVE .file.
    String bigDest = davPath(lib, "big/local-25m.bin");
    int mkcols = count(log, "MKCOL", UPLOADS_PREFIX, "");
    int chunkPuts = count(log, "PUT", UPLOADS_PREFIX, "");
    int moves = count(log, "MOVE", UPLOADS_PREFIX, "/.file");
    int plainPuts = (int) log.stream().filter(e -> e.method().equals("PUT") && e.path().equals(bigDest)).count();
    System.out.println("chunked upload of 25 MiB: " + mkcols + " MKCOL, " + chunkPuts + " chunk PUTs, " + moves
        + " MOVE .file, " + plainPuts + " plain PUT; first sync made " + log.size() + " requests");
    assertTrue(mkcols >= 1, "MKCOL under " + UPLOADS_PREFIX + " for the 25 MiB file:" + describe(log));
    assertTrue(chunkPuts >= 2, "the 25 MiB file was sent in several chunk PUTs:" + describe(log));
    assertEquals(1, moves, "exactly one MOVE of .file assembled the upload:" + describe(log));
    assertEquals(0, plainPuts, "the 25 MiB file must not also have been sent as one plain PUT:" + describe(log));
    assertEquals(expected.get("big/local-25m.bin"), E2eFiles.sha256(serverPath(lib, "big/local-25m.bin")),
        "the chunked upload is byte-identical on the server");
    assertEquals(List.of(), uploadAreaFiles(), "no chunks left in the server's upload area after the assembly");

    // A both-sides edit: keep-both, the local version under the conflict copy's name, on both sides.
    writeLocal(lib, "notes/report.txt", "report, edited locally " + token);
    writeRemote(lib, "notes/report.txt", "report, edited on the server, differently " + token);
    run = api.syncOk(lib.id());
    assertEquals(1, run.path("conflicts").asInt(-1), "conflicts in " + run);
    tree = assertConverged("after the both-sides edit", lib);
    List<String> copies = tree.filesMatching(ConflictIT.conflictCopyRegex("notes/report", ".txt"));
    assertEquals(1, copies.size(), "one conflict copy next to notes/report.txt: " + tree.files().keySet());
    expected.put("notes/report.txt", sha256("report, edited on the server, differently " + token));
    expected.put(copies.get(0), sha256("report, edited locally " + token));
    Tree.assertFiles("after the both-sides edit", tree, expected);
    JsonNode conflicts = api.conflicts(lib.id());
    assertEquals(1, conflicts.size(), "one open conflict: " + conflicts);
    assertEquals("notes/report.txt", ConflictIT.relPath(conflicts.get(0).path("path").asText()), "conflict: " + conflicts);

    // And the next run has nothing to move.
    run = api.syncOk(lib.id());
    AdminApi.assertCounters(run, 0, 0, 0, 0, 0);
    Tree.assertFiles("a run after the conflict", assertConverged("a run after the conflict", lib), expected);
  }

  /**
   * Once both sides agree, discovery is one PROPFIND (Depth 0 or 1) of the library root (Nextcloud propagates ETags to
   * every ancestor, so an unchanged root ETag means an unchanged tree); a change three folders deep costs at most a
   * listing per folder level on the way down (depth + 1) and the GET of the file.
   */
  @Test
  void settledResyncCostsOneRequestAndADeepChangeOnlyItsPath() {
    Library lib = newLibrary("nc-prune");
    Map<String, String> expected = new HashMap<>();
    Map<String, String> local = Map.of(
        "a/b/c/deep.txt", "deep, first version",
        "a/b/mid.txt", "mid",
        "a/top.txt", "a top",
        "x/y/z.txt", "z",
        "root.txt", "root");
    local.forEach((p, c) -> writeLocal(lib, p, c));
    local.forEach((p, c) -> expected.put(p, sha256(c)));
    Map<String, String> remoteSide = Map.of(
        "a/b/c/remote-deep.txt", "remote deep",
        "a/remote.txt", "remote in a",
        "p/q/r.txt", "r");
    remoteSide.forEach((p, c) -> writeRemote(lib, p, c));
    remoteSide.forEach((p, c) -> expected.put(p, sha256(c)));
    api.syncOk(lib.id());
    Tree.assertFiles("after the first sync", assertConverged("after the first sync", lib), expected);

    // Settle: sync until a run changes nothing (no transfer, no write request), at most 3 runs.
    Set<String> transfersAndWrites = Set.of("PUT", "MKCOL", "MOVE", "COPY", "DELETE", "PROPPATCH", "POST", "GET");
    int settledAfter = -1;
    StringBuilder history = new StringBuilder();
    for (int i = 1; i <= 3 && settledAfter < 0; i++) {
      server.requests().reset();
      JsonNode run = api.syncOk(lib.id());
      List<RequestLog.Entry> log = server.requests().entries();
      history.append("\n  run ").append(i).append(": ").append(run).append(describe(log));
      boolean moved = run.path("uploaded").asInt() + run.path("downloaded").asInt() + run.path("deletedLocal").asInt()
          + run.path("deletedRemote").asInt() + run.path("conflicts").asInt() > 0;
      boolean wrote = log.stream().anyMatch(e -> transfersAndWrites.contains(e.method()));
      if (!moved && !wrote) {
        settledAfter = i;
      }
    }
    System.out.println("settling runs after the first sync:" + history);
    if (settledAfter < 0) {
      fail("the library did not settle within 3 runs after the first sync (each run still moved or wrote something):"
          + history);
    }

    // The settled re-sync: exactly one request under /remote.php/dav/, a PROPFIND of the library root.
    try (PropfindDepths depths = new PropfindDepths()) {
      server.requests().reset();
      JsonNode run = api.syncOk(lib.id());
      AdminApi.assertCounters(run, 0, 0, 0, 0, 0);
      List<RequestLog.Entry> all = server.requests().entries();
      List<RequestLog.Entry> dav = davRequests(all);
      System.out.println("settled re-sync (settled after " + settledAfter + " run(s)): " + dav.size()
          + " request(s) under " + DAV_PREFIX + ":" + describe(dav) + "\n  outside " + DAV_PREFIX + ":"
          + describe(nonDavRequests(all)) + "\n  PROPFIND depths: " + depths.propfinds());
      assertEquals(1, dav.size(), "a settled re-sync costs exactly one request under " + DAV_PREFIX + ":" + describe(dav));
      assertEquals("PROPFIND", dav.get(0).method(), "the one request is a PROPFIND: " + dav.get(0));
      assertEquals(davPath(lib, ""), trimSlash(dav.get(0).path()), "the one request asks about the library root");
      // Depth 0 (root ETag only) or Depth 1 (root ETag and its children in one answer) are both one cheap request;
      // Depth infinity would be one request too, but one that costs as much as the whole tree.
      List<PropfindDepths.Propfind> seen = depths.propfinds();
      assertEquals(1, seen.size(), "one PROPFIND on the files tree: " + seen);
      assertEquals(lib.remoteFolder(), seen.get(0).path(), "the PROPFIND is on the library root: " + seen);
      assertTrue(Set.of("0", "1").contains(seen.get(0).depth()),
          "the settled re-sync's PROPFIND is Depth 0 or 1, never a walk of the whole tree: " + seen);

      // A change three folders deep on the server.
      int depth = 3;
      writeRemote(lib, "a/b/c/deep.txt", "deep, second version, edited on the server");
      expected.put("a/b/c/deep.txt", sha256("deep, second version, edited on the server"));
      server.requests().reset();
      depths.clear();
      run = api.syncOk(lib.id());
      all = server.requests().entries();
      dav = davRequests(all);
      long propfinds = dav.stream().filter(e -> e.method().equals("PROPFIND")).count();
      long gets = dav.stream().filter(e -> e.method().equals("GET")).count();
      List<RequestLog.Entry> others =
          dav.stream().filter(e -> !e.method().equals("PROPFIND") && !e.method().equals("GET")).toList();
      System.out.println("change " + depth + " folders deep: " + propfinds + " PROPFIND, " + gets + " GET, "
          + others.size() + " other under " + DAV_PREFIX + ":" + describe(dav) + "\n  outside " + DAV_PREFIX + ":"
          + describe(nonDavRequests(all)) + "\n  PROPFIND depths: " + depths.propfinds());
      AdminApi.assertCounters(run, 0, 1, 0, 0, 0);
      Tree.assertFiles("after the deep change", assertConverged("after the deep change", lib), expected);
      assertEquals(1, gets, "one GET (the changed file):" + describe(dav));
      assertEquals(davPath(lib, "a/b/c/deep.txt"),
          dav.stream().filter(e -> e.method().equals("GET")).findFirst().orElseThrow().path(),
          "the GET is the changed file");
      assertEquals(List.of(), others, "only PROPFINDs and the GET");
      assertTrue(propfinds <= depth + 1,
          "a change " + depth + " folders deep costs at most " + (depth + 1) + " PROPFINDs plus the GET, got "
              + propfinds + " PROPFINDs:" + describe(dav) + "\n  depths: " + depths.propfinds());
    }
  }

  private static int count(List<RequestLog.Entry> log, String method, String prefix, String suffix) {
    return (int) log.stream()
        .filter(e -> e.method().equals(method) && e.path().startsWith(prefix) && e.path().endsWith(suffix))
        .count();
  }
}
