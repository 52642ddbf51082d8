package io.ncsync.daemon.e2e;

import static io.ncsync.daemon.e2e.E2eFiles.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Conflicts against Apache mod_dav: keep-both with the Nextcloud client's conflict-copy name, keep_local, keep_remote
 * (the replaced local version kept in the trash), manual with the operator's resolution carried out by the next run;
 * every conflict recorded and listed by the API; identical edits are no conflict; an edit is never lost to a deletion on
 * the other side.
 */
class ConflictIT extends E2eTestBase {

  /** Regex for a conflict copy of {@code stem + ext}: {@code stem (conflicted copy YYYY-MM-DD hhmmss)ext}. */
  static String conflictCopyRegex(String stem, String ext) {
    return Pattern.quote(stem) + " \\(conflicted copy \\d{4}-\\d{2}-\\d{2} \\d{6}\\)" + Pattern.quote(ext);
  }

  /** A conflict's path as the API gives it, compared without a leading slash. */
  static String relPath(String apiPath) {
    return apiPath.startsWith("/") ? apiPath.substring(1) : apiPath;
  }

  @Test
  void differentEditsOnBothSidesKeepBothVersions() {
    Library lib = newLibrary("conflict");
    writeLocal(lib, "notes/report.txt", "base version");
    writeLocal(lib, "other.txt", "untouched");
    api.syncOk(lib.id());
    assertConverged("baseline", lib);
    assertEquals(0, api.conflicts(lib.id()).size(), "no conflict after the baseline");

    writeLocal(lib, "notes/report.txt", "edited locally");
    writeRemote(lib, "notes/report.txt", "edited on the server, differently");
    JsonNode run = api.syncOk(lib.id());
    assertEquals(1, run.path("conflicts").asInt(-1), "conflicts in " + run);

    Tree tree = assertConverged("after the conflict", lib);
    List<String> copies = tree.filesMatching(conflictCopyRegex("notes/report", ".txt"));
    assertEquals(1, copies.size(), "exactly one conflict copy next to notes/report.txt: " + tree.files().keySet());
    String copy = copies.get(0);
    Tree.assertFiles("after the conflict", tree, Map.of(
        "notes/report.txt", sha256("edited on the server, differently"),
        copy, sha256("edited locally"),
        "other.txt", sha256("untouched")));

    JsonNode conflicts = api.conflicts(lib.id());
    assertEquals(1, conflicts.size(), "one open conflict: " + conflicts);
    JsonNode c = conflicts.get(0);
    assertEquals("notes/report.txt", relPath(c.path("path").asText()), "conflict path: " + c);
    assertFalse(c.path("type").asText().isBlank(), "conflict type: " + c);
    assertTrue(c.path("conflictCopyPath").asText().endsWith(copy.substring(copy.lastIndexOf('/') + 1)),
        "conflictCopyPath names " + copy + ": " + c);
    assertNotNull(c.get("local"), "local side's metadata: " + c);
    assertNotNull(c.get("remote"), "remote side's metadata: " + c);
    assertEquals("resolved", c.path("state").asText(), "keep_both ends it at once: " + c);
    assertEquals("keep_both", c.path("strategy").asText(), c.toString());
    assertEquals("strategy keep_both", c.path("resolvedBy").asText(), c.toString());
    assertEquals(0, api.status(lib.id()).path("counts").path("conflict").asInt(-1),
        "nothing left open: " + api.status(lib.id()));

    // The next run settles: both versions stay on both sides, nothing new happens.
    run = api.syncOk(lib.id());
    assertEquals(0, run.path("uploaded").asInt(-1) + run.path("downloaded").asInt(-1), "nothing to move: " + run);
    assertEquals(tree, assertConverged("a run after the conflict", lib), "the tree stays as it is");
  }

  @Test
  void identicalEditsOnBothSidesAreNoConflict() {
    Library lib = newLibrary("same-edit");
    writeLocal(lib, "doc.txt", "base");
    api.syncOk(lib.id());

    writeLocal(lib, "doc.txt", "the very same new text");
    writeRemote(lib, "doc.txt", "the very same new text");
    JsonNode run = api.syncOk(lib.id());
    assertEquals(0, run.path("conflicts").asInt(-1), "identical content is not a conflict: " + run);
    Tree tree = assertConverged("after identical edits", lib);
    Tree.assertFiles("after identical edits", tree, Map.of("doc.txt", sha256("the very same new text")));
    assertEquals(0, api.conflicts(lib.id()).size(), "no open conflict: " + api.conflicts(lib.id()));
  }

  /**
   * Saving a file again right after the daemon uploaded it is an ordinary edit. (Apache serves a weak ETag during the
   * first second after a write, and If-Match compares strongly: a 412 there does not mean the server copy changed.)
   */
  @Test
  void aLocalEditRightAfterItsUploadIsNoConflict() {
    Library lib = newLibrary("quick-edit");
    writeLocal(lib, "draft.txt", "first save");
    api.syncOk(lib.id());

    writeLocal(lib, "draft.txt", "second save, a moment later");
    JsonNode run = api.syncOk(lib.id());
    AdminApi.assertCounters(run, 1, 0, 0, 0, 0);
    Tree.assertFiles("after a quick second save", assertConverged("after a quick second save", lib),
        Map.of("draft.txt", sha256("second save, a moment later")));
  }

  @Test
  void anEditIsNeverLostToADeletionOnTheOtherSide() {
    Library lib = newLibrary("edit-vs-delete");
    writeLocal(lib, "edited-remotely.txt", "base 1");
    writeLocal(lib, "edited-locally.txt", "base 2");
    api.syncOk(lib.id());

    E2eFiles.delete(lib.localRoot(), "edited-remotely.txt");
    writeRemote(lib, "edited-remotely.txt", "remote edit wins over a local delete");
    writeLocal(lib, "edited-locally.txt", "local edit wins over a remote delete");
    remote.delete(lib.remoteFolder() + "/edited-locally.txt");
    api.syncAndWait(lib.id());
    api.syncOk(lib.id());

    Tree tree = assertConverged("after edit-versus-delete", lib);
    Map<String, Long> byContent = new HashMap<>();
    tree.files().values().forEach(sha -> byContent.merge(sha, 1L, Long::sum));
    assertTrue(byContent.containsKey(sha256("remote edit wins over a local delete")),
        "the remote edit survives on both sides: " + tree.files().keySet());
    assertTrue(byContent.containsKey(sha256("local edit wins over a remote delete")),
        "the local edit survives on both sides: " + tree.files().keySet());
    Map<String, String> types = new HashMap<>();
    api.conflicts(lib.id()).forEach(c -> types.put(relPath(c.path("path").asText()), c.path("type").asText() + " "
        + c.path("state").asText() + " " + c.path("resolvedBy").asText()));
    String kept = " resolved kept the modified side (an edit never loses to a deletion)";
    assertEquals(Map.of("edited-remotely.txt", "deleted_locally" + kept, "edited-locally.txt", "deleted_remotely" + kept),
        types, "the records say so");
  }

  // --- strategies ------------------------------------------------------------------------------------------------

  private Library newLibraryWithStrategy(String name, String conflictStrategy) {
    JsonNode json = api.createLibrary(
        AdminApi.library(name, connectionId, name, name, "bidirectional").put("conflictStrategy", conflictStrategy));
    assertEquals(conflictStrategy, json.path("conflictStrategy").asText(), json.toString());
    return new Library(json.get("id").asText(), java.nio.file.Path.of(json.get("localRoot").asText()), name, json);
  }

  /** report.txt synced, then edited differently on each side. */
  private void editedOnBothSides(Library lib) {
    writeLocal(lib, "report.txt", "base version");
    writeLocal(lib, "other.txt", "untouched");
    api.syncOk(lib.id());
    writeLocal(lib, "report.txt", "edited locally");
    writeRemote(lib, "report.txt", "edited on the server, differently");
  }

  private JsonNode onlyConflict(Library lib) {
    JsonNode all = api.conflicts(lib.id());
    assertEquals(1, all.size(), "one conflict: " + all);
    return all.get(0);
  }

  /** Runs once; both sides must have converged on {@code report} as report.txt's content. */
  private JsonNode syncExpectingReport(Library lib, String what, String report) {
    JsonNode run = api.syncOk(lib.id());
    Tree.assertFiles(what, assertConverged(what, lib), Map.of("report.txt", sha256(report), "other.txt", sha256("untouched")));
    return run;
  }

  private AdminApi.Response resolve(String conflictId, String strategy) {
    return api.call("POST", "/api/v1/conflicts/" + conflictId + "/resolve", "{\"strategy\": \"" + strategy + "\"}");
  }

  @Test
  void keepLocalPutsTheLocalEditOnTheServer() {
    Library lib = newLibraryWithStrategy("keep-local", "keep_local");
    editedOnBothSides(lib);

    JsonNode run = syncExpectingReport(lib, "after keep_local", "edited locally");

    assertEquals(1, run.path("conflicts").asInt(-1), "conflicts in " + run);
    JsonNode c = onlyConflict(lib);
    assertEquals(List.of("both_modified", "resolved", "keep_local", "strategy keep_local"), List.of(c.path("type").asText(),
        c.path("state").asText(), c.path("strategy").asText(), c.path("resolvedBy").asText()), c.toString());
  }

  @Test
  void keepRemoteTakesTheServersEditAndKeepsTheLocalOneInTheTrash() {
    Library lib = newLibraryWithStrategy("keep-remote", "keep_remote");
    editedOnBothSides(lib);

    syncExpectingReport(lib, "after keep_remote", "edited on the server, differently");

    JsonNode c = onlyConflict(lib);
    assertEquals(List.of("resolved", "keep_remote"), List.of(c.path("state").asText(), c.path("strategy").asText()), c.toString());
    String replaced = sha256("edited locally");
    assertTrue(E2eFiles.regularFiles(daemon.dataDir()).stream()
            .anyMatch(p -> !p.startsWith(lib.localRoot()) && p.toString().contains("trash") && E2eFiles.sha256(p).equals(replaced)),
        "the replaced local version is kept in the trash under " + daemon.dataDir());
  }

  @Test
  void manualLeavesBothSidesUntilTheOperatorResolvesAndTheNextRunCarriesItOut() {
    Library lib = newLibraryWithStrategy("manual", "manual");
    editedOnBothSides(lib);

    JsonNode run = api.syncOk(lib.id());
    assertEquals(1, run.path("conflicts").asInt(-1), "conflicts in " + run);
    assertEquals(sha256("edited locally"), localTree(lib).files().get("report.txt"), "the local side is untouched");
    assertEquals(sha256("edited on the server, differently"), remoteTree(lib).files().get("report.txt"), "the server's too");
    JsonNode open = expectOne(api.get("/api/v1/libraries/" + lib.id() + "/conflicts?state=open"));
    assertEquals(List.of("open", "manual"), List.of(open.path("state").asText(), open.path("strategy").asText()), open.toString());
    assertEquals(1, api.status(lib.id()).path("counts").path("conflict").asInt(-1));
    run = api.syncOk(lib.id());
    assertEquals(0, run.path("uploaded").asInt(-1) + run.path("downloaded").asInt(-1), "an open conflict is left alone: " + run);

    String id = open.path("id").asText();
    AdminApi.Response accepted = resolve(id, "keep_remote");
    assertEquals(202, accepted.status(), accepted.body());
    assertEquals("resolving", accepted.json().path("state").asText(), accepted.body());
    AdminApi.Response twice = resolve(id, "keep_local");
    assertEquals(409, twice.status(), twice.body());

    syncExpectingReport(lib, "after the resolution", "edited on the server, differently");

    JsonNode resolved = expectOne(api.get("/api/v1/libraries/" + lib.id() + "/conflicts?state=resolved"));
    assertEquals(List.of(id, "keep_remote", "operator"), List.of(resolved.path("id").asText(),
        resolved.path("strategy").asText(), resolved.path("resolvedBy").asText()), resolved.toString());
    assertEquals(409, resolve(id, "keep_remote").status(), "resolving twice");
  }

  @Test
  void keepNewestTakesTheSideModifiedLast() {
    Library lib = newLibraryWithStrategy("keep-newest", "keep_newest");
    editedOnBothSides(lib);
    setLocalMtime(lib, "report.txt", java.time.Instant.now().minusSeconds(3600)); // the server's edit is the later one

    syncExpectingReport(lib, "after keep_newest", "edited on the server, differently");

    JsonNode c = onlyConflict(lib);
    assertEquals(List.of("resolved", "keep_newest"), List.of(c.path("state").asText(), c.path("strategy").asText()), c.toString());
  }

  @Test
  void aDeletionAgainstAnEditWaitsUnderManualUntilTheOperatorKeepsTheEdit() {
    Library lib = newLibraryWithStrategy("manual-deletion", "manual");
    writeLocal(lib, "report.txt", "base version");
    writeLocal(lib, "other.txt", "untouched");
    api.syncOk(lib.id());
    remote.delete(lib.remoteFolder() + "/report.txt");
    writeLocal(lib, "report.txt", "edited locally");

    api.syncOk(lib.id());
    assertFalse(remote.exists(lib.remoteFolder() + "/report.txt"), "nothing uploaded while open");
    JsonNode open = expectOne(api.get("/api/v1/libraries/" + lib.id() + "/conflicts?state=open"));
    assertEquals("deleted_remotely", open.path("type").asText(), open.toString());
    assertEquals(202, resolve(open.path("id").asText(), "keep_local").status());

    syncExpectingReport(lib, "after keeping the edit", "edited locally");
  }

  private static void setLocalMtime(Library lib, String relPath, java.time.Instant at) {
    try {
      java.nio.file.Files.setLastModifiedTime(E2eFiles.resolve(lib.localRoot(), relPath), java.nio.file.attribute.FileTime.from(at));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static JsonNode expectOne(AdminApi.Response response) {
    assertEquals(200, response.status(), response.body());
    assertEquals(1, response.json().size(), response.body());
    return response.json().get(0);
  }
}
