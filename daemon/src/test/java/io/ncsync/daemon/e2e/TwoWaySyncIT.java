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
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Two-way sync against a real WebDAV server (Apache mod_dav): creations, edits and deletions on both sides converge,
 * deletions of local files keep a copy in the trash, the first run merges without deleting, modes restrict direction
 * and an emptied remote never empties the local side.
 */
class TwoWaySyncIT extends E2eTestBase {

  @Test
  void createsModifiesAndDeletesOnBothSides() {
    Library lib = newLibrary("twoway");
    String token = UUID.randomUUID().toString();
    Map<String, String> expected = new HashMap<>();

    // Local side: nested folders, an empty file, a multi-megabyte file, an empty folder, a non-ASCII name.
    Map<String, String> localText = new HashMap<>(Map.of(
        "docs/readme.txt", "readme " + token,
        "docs/deep/nested/a.md", "# a " + token,
        "top.txt", "top " + token,
        "empty.txt", ""));
    if (E2eFiles.unicodeFileNames()) {
      localText.put("café/naïve résumé.txt", "unicode " + token);
    }
    localText.forEach((p, c) -> writeLocal(lib, p, c));
    localText.forEach((p, c) -> expected.put(p, sha256(c)));
    byte[] blob = E2eFiles.randomBytes(42, 3 * 1024 * 1024 + 17);
    E2eFiles.write(lib.localRoot(), "big/blob.bin", blob);
    expected.put("big/blob.bin", sha256(blob));
    mkdirLocal(lib, "empty-local-dir");

    // Remote side: names that need URL encoding, nested folders, an empty folder.
    Map<String, String> remoteText = Map.of(
        "remote-only/r1.txt", "r1 " + token,
        "remote-only/sub/r2.txt", "r2 " + token,
        "r-top.txt", "r-top " + token,
        "spaces in name/file (1) & co.txt", "spaces " + token,
        "plus+sign%percent.txt", "plus " + token);
    remoteText.forEach((p, c) -> writeRemote(lib, p, c));
    remoteText.forEach((p, c) -> expected.put(p, sha256(c)));
    remote.mkdirs(lib.remoteFolder() + "/empty-remote-dir");

    JsonNode run = api.syncOk(lib.id());
    assertEquals(0, run.path("conflicts").asInt(-1), "conflicts in " + run);
    assertEquals(0, run.path("deletedLocal").asInt(-1), "deletedLocal in " + run);
    assertEquals(0, run.path("deletedRemote").asInt(-1), "deletedRemote in " + run);
    assertTrue(run.path("uploaded").asInt() >= localText.size() + 1, "uploaded counts every local file: " + run);
    assertTrue(run.path("downloaded").asInt() >= remoteText.size(), "downloaded counts every remote file: " + run);
    Tree tree = assertConverged("after the first sync", lib);
    Tree.assertFiles("after the first sync", tree, expected);
    assertTrue(tree.dirs().contains("empty-local-dir"), "empty local folder created remotely: " + tree.dirs());
    assertTrue(tree.dirs().contains("empty-remote-dir"), "empty remote folder created locally: " + tree.dirs());

    // An edit on each side (different sizes, so even a size-only scan sees them).
    writeLocal(lib, "docs/readme.txt", "readme, second version " + token);
    expected.put("docs/readme.txt", sha256("readme, second version " + token));
    writeRemote(lib, "remote-only/r1.txt", "r1, edited on the server " + token);
    expected.put("remote-only/r1.txt", sha256("r1, edited on the server " + token));
    run = api.syncOk(lib.id());
    AdminApi.assertCounters(run, 1, 1, 0, 0, 0);
    Tree.assertFiles("after editing one file on each side", assertConverged("after edits", lib), expected);

    // A deletion on each side; the file the sync deletes locally must survive in the trash.
    E2eFiles.delete(lib.localRoot(), "top.txt");
    expected.remove("top.txt");
    remote.delete(lib.remoteFolder() + "/r-top.txt");
    expected.remove("r-top.txt");
    run = api.syncOk(lib.id());
    AdminApi.assertCounters(run, 0, 0, 1, 1, 0);
    Tree.assertFiles("after deleting one file on each side", assertConverged("after deletes", lib), expected);
    assertInTrash(lib, sha256("r-top " + token), "r-top.txt (deleted remotely, so deleted locally by the sync)");

    // Whole folders: one removed locally, one removed on the server.
    E2eFiles.deleteRecursively(lib.localRoot().resolve("docs").resolve("deep"));
    expected.remove("docs/deep/nested/a.md");
    remote.delete(lib.remoteFolder() + "/remote-only/sub/");
    expected.remove("remote-only/sub/r2.txt");
    api.syncOk(lib.id());
    tree = assertConverged("after deleting a folder on each side", lib);
    Tree.assertFiles("after deleting a folder on each side", tree, expected);
    assertFalse(tree.dirs().contains("docs/deep"), "docs/deep deleted remotely too: " + tree.dirs());
    assertFalse(tree.dirs().contains("remote-only/sub"), "remote-only/sub deleted locally too: " + tree.dirs());
    assertInTrash(lib, sha256("r2 " + token), "remote-only/sub/r2.txt (folder deleted remotely)");

    // Nothing changed: a run moves nothing, and the status shows a settled library.
    run = api.syncOk(lib.id());
    AdminApi.assertCounters(run, 0, 0, 0, 0, 0);
    assertConverged("after a run with nothing to do", lib);
    JsonNode status = api.status(lib.id());
    assertEquals("idle", status.path("state").asText(), "state after runs: " + status);
    JsonNode counts = status.path("counts");
    assertEquals(0, counts.path("pending").asInt(-1), "pending in " + status);
    assertEquals(0, counts.path("failed").asInt(-1), "failed in " + status);
    assertEquals(0, counts.path("conflict").asInt(-1), "conflict in " + status);
    assertTrue(counts.path("synced").asInt() >= expected.size(), "synced counts every file: " + status);
  }

  @Test
  void firstRunMergesWithoutDeletingAndTurnsDifferingContentIntoAConflict() {
    Library lib = newLibrary("merge");
    writeLocal(lib, "both.txt", "the local version");
    writeRemote(lib, "both.txt", "the remote version, which is longer");
    writeLocal(lib, "same.txt", "identical on both sides");
    writeRemote(lib, "same.txt", "identical on both sides");
    writeLocal(lib, "only-local.txt", "only local");
    writeRemote(lib, "only-remote.txt", "only remote");

    JsonNode run = api.syncOk(lib.id());
    assertEquals(1, run.path("conflicts").asInt(-1), "exactly one conflict (both.txt; same.txt is identical): " + run);
    assertEquals(0, run.path("deletedLocal").asInt(-1), "a first run deletes nothing: " + run);
    assertEquals(0, run.path("deletedRemote").asInt(-1), "a first run deletes nothing: " + run);

    Tree tree = assertConverged("after the first run", lib);
    List<String> copies = tree.filesMatching(ConflictIT.conflictCopyRegex("both", ".txt"));
    assertEquals(1, copies.size(), "one conflict copy of both.txt: " + tree.files().keySet());
    Tree.assertFiles("after the first run", tree, Map.of(
        "both.txt", sha256("the remote version, which is longer"),
        copies.get(0), sha256("the local version"),
        "same.txt", sha256("identical on both sides"),
        "only-local.txt", sha256("only local"),
        "only-remote.txt", sha256("only remote")));

    JsonNode conflicts = api.conflicts(lib.id());
    assertEquals(1, conflicts.size(), "one open conflict: " + conflicts);
    assertEquals("both.txt", ConflictIT.relPath(conflicts.get(0).path("path").asText()), "conflict path: " + conflicts);
    assertFalse(conflicts.get(0).path("type").asText().isBlank(), "conflict has a type: " + conflicts);
  }

  @Test
  void modesRestrictTheDirection() {
    Library up = newLibrary("mode-up", "local_to_remote");
    writeLocal(up, "local.txt", "goes up");
    writeRemote(up, "remote.txt", "stays up");
    api.syncOk(up.id());
    assertEquals(sha256("goes up"), sha256(remote.get(up.remoteFolder() + "/local.txt")), "uploaded in local_to_remote");
    assertFalse(Files.exists(up.localRoot().resolve("remote.txt")), "local_to_remote never downloads");

    Library down = newLibrary("mode-down", "remote_to_local");
    writeLocal(down, "local.txt", "stays down");
    writeRemote(down, "remote.txt", "comes down");
    api.syncOk(down.id());
    assertEquals(sha256("comes down"), sha256(E2eFiles.read(down.localRoot(), "remote.txt")), "downloaded in remote_to_local");
    assertFalse(remote.exists(down.remoteFolder() + "/local.txt"), "remote_to_local never uploads");
    assertEquals(sha256("stays down"), sha256(E2eFiles.read(down.localRoot(), "local.txt")), "local file untouched");
  }

  @Test
  void anEmptiedRemoteFolderDeletesNothingLocally() {
    Library lib = newLibrary("wipe");
    writeLocal(lib, "a.txt", "a");
    writeLocal(lib, "sub/b.txt", "b");
    api.syncOk(lib.id());
    Tree before = assertConverged("baseline", lib);

    // Everything vanishes on the server (a mis-mounted share, a wiped account...).
    remote.delete(lib.remoteFolder() + "/a.txt");
    remote.delete(lib.remoteFolder() + "/sub/");
    JsonNode run = api.syncAndWait(lib.id());
    assertEquals("failed", run.path("outcome").asText(), "a run whose listing comes back empty must fail: " + run);
    assertEquals(0, run.path("deletedLocal").asInt(-1), "nothing deleted locally: " + run);
    Tree.assertFiles("local side after an emptied remote", localTree(lib), before.files());
  }

  private static void mkdirLocal(Library lib, String relPath) {
    try {
      Files.createDirectories(E2eFiles.resolve(lib.localRoot(), relPath));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Some file under a trash folder of the data dir holds this content. */
  private void assertInTrash(Library lib, String sha, String what) {
    Path dataDir = daemon.dataDir();
    List<Path> trashed = E2eFiles.regularFiles(dataDir).stream()
        .filter(p -> !p.startsWith(lib.localRoot()))
        .filter(p -> dataDir.relativize(p).toString().toLowerCase(Locale.ROOT).contains("trash"))
        .toList();
    assertTrue(trashed.stream().anyMatch(p -> E2eFiles.sha256(p).equals(sha)),
        what + " must be kept in the trash under " + dataDir + "; trash holds " + trashed);
  }
}
