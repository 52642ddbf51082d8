package io.ncsync.daemon.e2e;

import static io.ncsync.daemon.e2e.E2eFiles.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Deletions against a real WebDAV server (Apache mod_dav) and a real daemon: the default trash with a restore through
 * the API, policies delete and archive, and the deletion guard's confirm and cancel, both trees compared after each.
 */
class DeletionsIT extends E2eTestBase {

  /** Four files on both sides: deleting one is within the default deletion guard (50%). */
  private Map<String, String> fourSyncedFiles(Library lib) {
    Map<String, String> expected = new HashMap<>();
    for (String name : List.of("a.txt", "b.txt", "docs/c.txt", "docs/d.txt")) {
      writeLocal(lib, name, "content of " + name + " in " + lib.id());
      expected.put(name, sha256("content of " + name + " in " + lib.id()));
    }
    api.syncOk(lib.id());
    Tree.assertFiles("after the first run", assertConverged("after the first run", lib), expected);
    return expected;
  }

  @Test
  void aFileDeletedOnTheServerGoesToTheTrashAndIsRestoredThroughTheApi() {
    Library lib = newLibrary("del-trash");
    Map<String, String> expected = fourSyncedFiles(lib);
    remote.delete(lib.remoteFolder() + "/a.txt");

    JsonNode run = api.syncOk(lib.id());

    assertEquals(1, run.path("deletedLocal").asInt(), run.toString());
    Map<String, String> withoutA = new HashMap<>(expected);
    withoutA.remove("a.txt");
    Tree.assertFiles("after the remote deletion", assertConverged("after the remote deletion", lib), withoutA);
    assertTrue(keptUnder("trash").stream().anyMatch(p -> E2eFiles.sha256(p).equals(expected.get("a.txt"))),
        "a.txt is kept in the trash: " + keptUnder("trash"));
    JsonNode entry = trash(lib).get("entries").get(0);
    assertEquals("trashed", entry.path("action").asText(), entry.toString());
    assertEquals("a.txt", entry.path("path").asText());
    assertEquals(expected.get("a.txt"), entry.path("sha256").asText());
    assertTrue(entry.path("restorable").asBoolean());

    AdminApi.Response restored = api.call("POST", "/api/v1/trash/" + entry.path("id").asText() + "/restore", (String) null);
    assertEquals(200, restored.status(), restored.toString());
    assertEquals("restored", restored.text("action"));
    assertEquals(expected.get("a.txt"), sha256(E2eFiles.read(lib.localRoot(), "a.txt")), "back where it was");

    JsonNode next = api.syncOk(lib.id());
    assertEquals(1, next.path("uploaded").asInt(), "the next run syncs it again: " + next);
    Tree.assertFiles("after the restore", assertConverged("after the restore", lib), expected);
    assertEquals(409, api.call("POST", "/api/v1/trash/" + entry.path("id").asText() + "/restore", (String) null).status(),
        "restored once");
  }

  @Test
  void policyDeleteRemovesTheFileAndLogsIt() {
    Library lib = newLibrary("del-delete");
    Map<String, String> expected = fourSyncedFiles(lib);
    patch(lib, "{\"remoteDeletionPolicy\": \"delete\"}");
    remote.delete(lib.remoteFolder() + "/b.txt");

    api.syncOk(lib.id());

    expected.remove("b.txt");
    Tree.assertFiles("after the remote deletion", assertConverged("after the remote deletion", lib), expected);
    JsonNode entry = trash(lib).get("entries").get(0);
    assertEquals("deleted", entry.path("action").asText(), entry.toString());
    assertEquals("b.txt", entry.path("path").asText());
    assertFalse(entry.path("restorable").asBoolean(), "nothing kept");
    String bSha = sha256("content of b.txt in " + lib.id());
    assertTrue(keptUnder("trash").stream().noneMatch(p -> E2eFiles.sha256(p).equals(bSha)), "not in the trash");
  }

  @Test
  void policyArchiveKeepsTheFileInTheOperatorsArchiveFolder() {
    Library lib = newLibrary("del-archive");
    Map<String, String> expected = fourSyncedFiles(lib);
    patch(lib, "{\"remoteDeletionPolicy\": \"archive\", \"archiveFolder\": \"old-" + lib.id() + "\"}");
    remote.delete(lib.remoteFolder() + "/docs/c.txt");

    api.syncOk(lib.id());

    String cSha = expected.remove("docs/c.txt");
    Tree.assertFiles("after the remote deletion", assertConverged("after the remote deletion", lib), expected);
    Path archived = daemon.dataDir().resolve("archive").resolve("default").resolve("old-" + lib.id()).resolve("docs/c.txt");
    assertTrue(Files.isRegularFile(archived), "archived at " + archived + "; archive holds " + keptUnder("archive"));
    assertEquals(cSha, E2eFiles.sha256(archived));
    assertEquals("archived", trash(lib).get("entries").get(0).path("action").asText());
  }

  @Test
  void aMassDeletionOnTheServerIsHeldUntilTheOperatorConfirms() {
    Library lib = newLibrary("del-guard-confirm");
    Map<String, String> expected = fourSyncedFiles(lib);
    remote.delete(lib.remoteFolder() + "/a.txt");
    remote.delete(lib.remoteFolder() + "/b.txt");
    remote.delete(lib.remoteFolder() + "/docs/c.txt");

    JsonNode held = api.syncAndWait(lib.id());

    assertEquals("failed", held.path("outcome").asText(), held.toString());
    assertEquals(0, held.path("deletedLocal").asInt(-1));
    Tree.assertFiles("the workspace while guarded", localTree(lib), expected);
    JsonNode status = api.status(lib.id());
    assertEquals("guarded", status.path("state").asText(), status.toString());
    assertEquals(3, status.path("guard").path("localDeletions").asInt(), status.toString());
    assertEquals(4, status.path("guard").path("files").asInt());

    assertEquals(200, guard(lib, "confirm").status());
    JsonNode confirmed = api.syncOk(lib.id());

    assertEquals(3, confirmed.path("deletedLocal").asInt(), confirmed.toString());
    Tree.assertFiles("after the confirmed run", assertConverged("after the confirmed run", lib),
        Map.of("docs/d.txt", expected.get("docs/d.txt")));
    assertEquals("idle", api.status(lib.id()).path("state").asText());
    assertEquals(409, guard(lib, "confirm").status(), "nothing is held any more");
  }

  @Test
  void aMassDeletionInTheWorkspaceIsDroppedOnCancelAndTheNextRunMerges() {
    Library lib = newLibrary("del-guard-cancel");
    Map<String, String> expected = fourSyncedFiles(lib);
    E2eFiles.delete(lib.localRoot(), "a.txt");
    E2eFiles.delete(lib.localRoot(), "b.txt");
    E2eFiles.delete(lib.localRoot(), "docs/d.txt");

    JsonNode held = api.syncAndWait(lib.id());

    assertEquals("failed", held.path("outcome").asText(), held.toString());
    assertEquals(0, held.path("deletedRemote").asInt(-1));
    Tree.assertFiles("the server while guarded", remoteTree(lib), expected);
    assertEquals(3, api.status(lib.id()).path("guard").path("remoteDeletions").asInt());

    assertEquals(200, guard(lib, "cancel").status());
    JsonNode merged = api.syncOk(lib.id());

    assertEquals(0, merged.path("deletedRemote").asInt(), merged.toString());
    assertEquals(3, merged.path("downloaded").asInt(), "merged back from the server: " + merged);
    Tree.assertFiles("after the cancelled deletions", assertConverged("after cancel", lib), expected);
  }

  // --- helpers ----------------------------------------------------------------------------------------------------

  private void patch(Library lib, String body) {
    AdminApi.expectStatus(200, api.call("PATCH", "/api/v1/libraries/" + lib.id(), body), "PATCH " + body);
  }

  private JsonNode trash(Library lib) {
    return AdminApi.expectStatus(200, api.get("/api/v1/libraries/" + lib.id() + "/trash"), "GET trash").json();
  }

  private AdminApi.Response guard(Library lib, String action) {
    return api.call("POST", "/api/v1/libraries/" + lib.id() + "/guard", "{\"action\": \"" + action + "\"}");
  }

  /** Files below {@code <data>/<folder>}. */
  private List<Path> keptUnder(String folder) {
    Path dir = daemon.dataDir().resolve(folder);
    return Files.isDirectory(dir) ? E2eFiles.regularFiles(dir) : List.of();
  }
}
