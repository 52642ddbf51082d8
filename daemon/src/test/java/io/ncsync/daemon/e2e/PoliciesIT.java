package io.ncsync.daemon.e2e;

import static io.ncsync.daemon.e2e.E2eFiles.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 §9, the rest of the deletion policies, a type mismatch and a detach, each against the daemon process and
 * Apache mod_dav: what each leaves on both sides, in the trash log, the conflicts and the documents' histories.
 */
class PoliciesIT extends E2eTestBase {

  private Map<String, String> threeSyncedFiles(Library lib) {
    Map<String, String> expected = new HashMap<>();
    for (String name : List.of("a.txt", "b.txt", "docs/c.txt")) {
      writeLocal(lib, name, name + " of " + lib.id());
      expected.put(name, sha256(name + " of " + lib.id()));
    }
    api.syncOk(lib.id());
    Tree.assertFiles("after the first run", assertConverged("after the first run", lib), expected);
    return expected;
  }

  private void patch(Library lib, String body) {
    AdminApi.expectStatus(200, api.call("PATCH", "/api/v1/libraries/" + lib.id(), body), "PATCH " + body);
  }

  private JsonNode newestTrashLine(Library lib) {
    return AdminApi.expectStatus(200, api.get("/api/v1/libraries/" + lib.id() + "/trash"), "trash").json()
        .get("entries").get(0);
  }

  private String documentId(Library lib, String path) {
    JsonNode page = api.get("/api/v1/libraries/" + lib.id() + "/documents?path=" + path).json();
    assertEquals(1, page.get("total").asInt(), page.toString());
    return page.get("documents").get(0).get("documentId").asText();
  }

  private JsonNode document(Library lib, String id) {
    return AdminApi.expectStatus(200, api.get("/api/v1/libraries/" + lib.id() + "/documents/" + id), "document").json();
  }

  @Test
  void policyIgnoreLeavesTheFileInPlaceAndNeverTakesItUpAgain() {
    Library lib = newLibrary("pol-ignore");
    Map<String, String> expected = threeSyncedFiles(lib);
    patch(lib, "{\"remoteDeletionPolicy\": \"ignore\"}");
    remote.delete(lib.remoteFolder() + "/b.txt");

    api.syncOk(lib.id());
    JsonNode again = api.syncOk(lib.id());

    Tree.assertFiles("the local side keeps b", localTree(lib), expected);
    expected.remove("b.txt");
    Tree.assertFiles("the server's deletion stands", remoteTree(lib), expected);
    AdminApi.assertCounters(again, 0, 0, 0, 0, 0);
    JsonNode line = newestTrashLine(lib);
    assertEquals("ignored", line.path("action").asText(), line.toString());
    assertEquals("b.txt", line.path("path").asText());
  }

  @Test
  void policyOrphanKeepsTheFileAndTheDocumentSaysOrphaned() {
    Library lib = newLibrary("pol-orphan");
    Map<String, String> expected = threeSyncedFiles(lib);
    String id = documentId(lib, "docs/c.txt");
    patch(lib, "{\"remoteDeletionPolicy\": \"orphan\"}");
    remote.delete(lib.remoteFolder() + "/docs/c.txt");

    api.syncOk(lib.id());
    api.syncOk(lib.id());

    Tree.assertFiles("the local side keeps c", localTree(lib), expected);
    assertFalse(remote.exists(lib.remoteFolder() + "/docs/c.txt"), "not uploaded again");
    JsonNode doc = document(lib, id);
    assertEquals("orphaned", doc.path("status").asText(), doc.toString());
    assertEquals("docs/c.txt", doc.path("path").asText());
    assertEquals("orphaned", newestTrashLine(lib).path("action").asText());
  }

  @Test
  void policyConflictKeepsTheFileAndRecordsADeletedRemotelyConflict() {
    Library lib = newLibrary("pol-conflict");
    Map<String, String> expected = threeSyncedFiles(lib);
    patch(lib, "{\"remoteDeletionPolicy\": \"conflict\"}");
    remote.delete(lib.remoteFolder() + "/a.txt");

    api.syncOk(lib.id());

    Tree.assertFiles("the local side keeps a", localTree(lib), expected);
    assertFalse(remote.exists(lib.remoteFolder() + "/a.txt"));
    JsonNode conflicts = api.conflicts(lib.id());
    assertEquals(1, conflicts.size(), conflicts.toString());
    assertEquals("a.txt", conflicts.get(0).path("path").asText());
    assertEquals("deleted_remotely", conflicts.get(0).path("type").asText());
    assertEquals("open", conflicts.get(0).path("state").asText());
    AdminApi.assertCounters(api.syncOk(lib.id()), 0, 0, 0, 0, 0);
    assertEquals(1, api.conflicts(lib.id()).size(), "the next run leaves it open and the file alone");

    // The operator keeps the local file: it goes back to the server.
    String conflictId = conflicts.get(0).path("id").asText();
    AdminApi.expectStatus(202, api.call("POST", "/api/v1/conflicts/" + conflictId + "/resolve",
        "{\"strategy\": \"keep_local\"}"), "resolve keep_local");
    api.syncOk(lib.id());
    Tree.assertFiles("kept: the file is on both sides again", assertConverged("after keep_local", lib), expected);
    assertEquals("resolved", api.conflicts(lib.id()).get(0).path("state").asText());
  }

  @Test
  void localDeletionsIgnoredLeaveTheServersCopyUntilItChanges() {
    Library lib = newLibrary("pol-local-ignore");
    Map<String, String> expected = threeSyncedFiles(lib);
    patch(lib, "{\"localDeletions\": \"ignore\"}");
    E2eFiles.delete(lib.localRoot(), "a.txt");

    JsonNode run = api.syncOk(lib.id());
    api.syncOk(lib.id());

    AdminApi.assertCounters(run, 0, 0, 0, 0, 0);
    Tree.assertFiles("the server keeps a", remoteTree(lib), expected);
    assertFalse(Files.exists(lib.localRoot().resolve("a.txt")), "and it does not come back down");

    writeRemote(lib, "a.txt", "edited on the server");
    api.syncOk(lib.id());

    expected.put("a.txt", sha256("edited on the server"));
    Tree.assertFiles("an edit on the server comes down: it wins over the ignored deletion",
        assertConverged("after the edit", lib), expected);
  }

  @Test
  void aFileHereAndAFolderOfTheSameNameThereEndAsATypeMismatchInOneRun() {
    Library lib = newLibrary("pol-types");
    writeLocal(lib, "report", "a file named report");
    writeRemote(lib, "report/page1.txt", "a folder named report");

    api.syncOk(lib.id());

    Tree tree = assertConverged("after a type mismatch", lib);
    assertEquals(sha256("a folder named report"), tree.files().get("report/page1.txt"), tree.toString());
    String copy = tree.files().keySet().stream().filter(p -> p.startsWith("report (conflicted copy ")).findFirst()
        .orElseThrow(() -> new AssertionError("no conflict copy for the file: " + tree));
    assertEquals(sha256("a file named report"), tree.files().get(copy));
    JsonNode conflicts = api.conflicts(lib.id());
    assertEquals("type_mismatch", conflicts.get(0).path("type").asText(), conflicts.toString());
    AdminApi.assertCounters(api.syncOk(lib.id()), 0, 0, 0, 0, 0);
  }

  @Test
  void detachDownloadBringsEveryRemoteFileDownThenRemovesTheLibrary() throws Exception {
    Library lib = newLibrary("pol-detach");
    Map<String, String> expected = threeSyncedFiles(lib);
    writeRemote(lib, "late/only-on-the-server.txt", "late");
    expected.put("late/only-on-the-server.txt", sha256("late"));

    AdminApi.Response detaching = api.call("DELETE", "/api/v1/libraries/" + lib.id() + "?detach=download", (String) null);

    assertEquals(202, detaching.status(), detaching.toString());
    assertEquals("detaching", detaching.text("state"));
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (api.get("/api/v1/libraries/" + lib.id()).status() != 404) {
      assertTrue(Instant.now().isBefore(deadline), "the library is removed once its files are down");
      Thread.sleep(100);
    }
    Tree.assertFiles("every remote file came down", assertConverged("after the detach", lib), expected);
    assertEquals(404, api.call("POST", "/api/v1/libraries/" + lib.id() + "/sync", (String) null).status(),
        "a removed library does not sync");
  }
}
