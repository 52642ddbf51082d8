package io.ncsync.daemon.e2e;

import static io.ncsync.daemon.e2e.E2eFiles.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.protocol.testing.nextcloud.RequestLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 §9: the Nextcloud desktop client's own sync scenarios, end to end (the daemon process and the Nextcloud test
 * server, which lists fileids): moves on both sides, a move plus an edit, a folder move with edits inside, an inverted
 * hierarchy, a case-only rename, a server restored from a backup. Each ends with both trees equal, and with no transfer
 * where a move was enough (the server's request log shows what the daemon sent).
 */
class NextcloudScenariosIT extends NextcloudE2eBase {

  private Path local(Library lib, String relPath) {
    return lib.localRoot().resolve(relPath);
  }

  private void moveLocal(Library lib, String from, String to) throws IOException {
    Path target = local(lib, to);
    Files.createDirectories(target.getParent());
    Files.move(local(lib, from), target);
  }

  private void moveRemote(Library lib, String from, String to) {
    remote.move(lib.remoteFolder() + "/" + from, lib.remoteFolder() + "/" + to);
  }

  private List<RequestLog.Entry> syncLogged(Library lib) {
    server.requests().reset();
    api.syncOk(lib.id());
    return davRequests(server.requests().entries());
  }

  private static int count(List<RequestLog.Entry> log, String method) {
    return (int) log.stream().filter(e -> e.method().equals(method)).count();
  }

  @Test
  void theSameMoveOnBothSidesIsOnlyRecorded() throws IOException {
    Library lib = newLibrary("sc-both-same");
    writeLocal(lib, "draft.txt", "text");
    api.syncOk(lib.id());
    moveLocal(lib, "draft.txt", "final.txt");
    moveRemote(lib, "draft.txt", "final.txt");

    List<RequestLog.Entry> log = syncLogged(lib);

    assertEquals(0, count(log, "MOVE") + count(log, "PUT") + count(log, "GET"), "nothing to do:" + describe(log));
    Tree.assertFiles("the same move on both sides", assertConverged("the same move on both sides", lib),
        Map.of("final.txt", sha256("text")));
  }

  @Test
  void differentMovesOnBothSidesKeepTheServersAndRecordIt() throws IOException {
    Library lib = newLibrary("sc-both-diff");
    writeLocal(lib, "draft.txt", "text");
    api.syncOk(lib.id());
    moveLocal(lib, "draft.txt", "mine.txt");
    moveRemote(lib, "draft.txt", "theirs.txt");

    List<RequestLog.Entry> log = syncLogged(lib);

    assertEquals(0, count(log, "PUT") + count(log, "GET"), "no transfer:" + describe(log));
    Tree.assertFiles("different moves on both sides", assertConverged("different moves on both sides", lib),
        Map.of("theirs.txt", sha256("text")));
    JsonNode conflicts = api.conflicts(lib.id());
    assertEquals("both_moved", conflicts.get(0).path("type").asText(), conflicts.toString());
  }

  @Test
  void aLocalMoveAndAnEditOnTheServerEndWithTheEditAtTheNewName() throws IOException {
    Library lib = newLibrary("sc-move-edit");
    writeLocal(lib, "plan.txt", "v1");
    api.syncOk(lib.id());
    moveLocal(lib, "plan.txt", "plans/plan-final.txt");
    writeRemote(lib, "plan.txt", "v2 from the server");

    List<RequestLog.Entry> log = syncLogged(lib);

    assertEquals(1, count(log, "MOVE"), "one MOVE:" + describe(log));
    assertEquals(0, count(log, "PUT"), "nothing uploaded:" + describe(log));
    Tree.assertFiles("a move here and an edit there", assertConverged("a move here and an edit there", lib),
        Map.of("plans/plan-final.txt", sha256("v2 from the server")));
  }

  @Test
  void aFolderMovedOnTheServerWithEditsInsideHereKeepsTheEdits() {
    Library lib = newLibrary("sc-folder-edits");
    writeLocal(lib, "team/a.txt", "a1");
    writeLocal(lib, "team/sub/b.txt", "b1");
    api.syncOk(lib.id());
    moveRemote(lib, "team", "group");
    writeLocal(lib, "team/a.txt", "a2 edited here");
    writeLocal(lib, "team/sub/new.txt", "new here");

    List<RequestLog.Entry> log = syncLogged(lib);

    assertEquals(0, count(log, "GET"), "nothing came down:" + describe(log));
    Tree.assertFiles("a folder moved there with edits here", assertConverged("a folder moved with edits inside", lib),
        Map.of("group/a.txt", sha256("a2 edited here"), "group/sub/b.txt", sha256("b1"),
            "group/sub/new.txt", sha256("new here")));
  }

  @Test
  void anInvertedHierarchyOnTheServerMovesWithoutATransfer() {
    Library lib = newLibrary("sc-inverted");
    writeLocal(lib, "a/b/f.txt", "f");
    writeLocal(lib, "a/g.txt", "g");
    api.syncOk(lib.id());
    moveRemote(lib, "a/b", "b");
    moveRemote(lib, "a", "b/a");

    List<RequestLog.Entry> log = syncLogged(lib);

    assertEquals(0, count(log, "GET") + count(log, "PUT"), "no transfer:" + describe(log));
    Tree.assertFiles("an inverted hierarchy", assertConverged("an inverted hierarchy", lib),
        Map.of("b/f.txt", sha256("f"), "b/a/g.txt", sha256("g")));
  }

  @Test
  void aCaseOnlyRenameHereIsOneMove() throws IOException {
    Library lib = newLibrary("sc-case");
    writeLocal(lib, "Report.TXT", "r");
    api.syncOk(lib.id());
    moveLocal(lib, "Report.TXT", "report.txt");

    List<RequestLog.Entry> log = syncLogged(lib);

    assertEquals(1, count(log, "MOVE"), "one MOVE:" + describe(log));
    assertEquals(0, count(log, "PUT") + count(log, "DELETE"), "no upload, no deletion:" + describe(log));
    Tree.assertFiles("a case-only rename", assertConverged("a case-only rename", lib), Map.of("report.txt", sha256("r")));
  }

  /**
   * Issue 12, adopting a tree on a server that lists checksums: a file on both sides without a record of an earlier
   * sync is compared by the server's checksum, with no download; verifyOnAdopt downloads and compares every file.
   */
  @Test
  void aTreeOnBothSidesIsAdoptedByTheServersChecksumsWithoutADownload() throws Exception {
    String connection = newConnection();
    Library first = newLibrary("sc-adopt", connection);
    // Above the bulk-upload size: each goes up as one PUT with OC-Checksum, which the server keeps and lists (bulk
    // uploads, like Nextcloud's, store none).
    for (int i = 0; i < 4; i++) writeLocal(first, "docs/f" + i + ".txt", ("checksummed " + i + "\n").repeat(90_000));
    api.syncOk(first.id());
    AdminApi.expectStatus(200, api.call("DELETE", "/api/v1/libraries/" + first.id() + "?detach=keep", (String) null), "detach");

    Library adopting = libraryOnCopy(first, "sc-adopt-2", connection, false);
    List<RequestLog.Entry> log = syncLogged(adopting);
    assertEquals(0, count(log, "GET") + count(log, "PUT"), "compared by checksum, nothing transferred:" + describe(log));
    assertConverged("after adopting by checksum", adopting);
    AdminApi.expectStatus(200, api.call("DELETE", "/api/v1/libraries/" + adopting.id() + "?detach=keep", (String) null),
        "detach");

    Library verifying = libraryOnCopy(first, "sc-adopt-3", connection, true);
    assertEquals(4, count(syncLogged(verifying), "GET"), "verifyOnAdopt compares every file's content");
  }

  @Test
  void aServerRestoredFromABackupOverwritesNothingUntilTheOperatorDecides() {
    Library lib = newLibrary("sc-restore");
    writeLocal(lib, "a.txt", "a1");
    writeLocal(lib, "b.txt", "b1");
    api.syncOk(lib.id());
    writeLocal(lib, "a.txt", "a2 newer here");
    api.syncOk(lib.id());
    // The server goes back to its backup: a.txt as it was, b.txt gone, and a new data fingerprint.
    writeRemote(lib, "a.txt", "a1");
    remote.delete(lib.remoteFolder() + "/b.txt");
    server.dataFingerprint("restored-" + lib.id());

    JsonNode held = api.syncAndWait(lib.id());

    assertEquals("failed", held.path("outcome").asText(), held.toString());
    assertEquals("guarded", api.status(lib.id()).path("state").asText());
    Tree.assertFiles("nothing overwritten or deleted here", localTree(lib),
        Map.of("a.txt", sha256("a2 newer here"), "b.txt", sha256("b1")));

    AdminApi.expectStatus(200, api.call("POST", "/api/v1/libraries/" + lib.id() + "/guard", "{\"action\": \"cancel\"}"),
        "cancel");
    api.syncOk(lib.id());

    Tree tree = assertConverged("after the cancel", lib);
    assertEquals(sha256("b1"), tree.files().get("b.txt"), "what the server lost went back up: " + tree);
    assertTrue(tree.files().containsValue(sha256("a2 newer here")), "the newer local version survives: " + tree);
    assertTrue(tree.files().containsValue(sha256("a1")), "and the server's older one, side by side: " + tree);
  }
}
