package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What Nextcloud keeps of a document's past, through the daemon's API against the test server: a document's versions
 * are listed, downloaded and restored (the run that follows brings the old text down, and the history says so); a file
 * deleted from the workspace is found in the server's trash bin under the library's folder, restored, and comes back.
 */
class NextcloudVersionsAndTrashbinIT extends NextcloudE2eBase {

  @Test
  void aVersionIsListedDownloadedAndRestoredAndATrashedFileComesBack() throws Exception {
    Library lib = newLibrary("nc-history");
    for (int i = 0; i < 10; i++) writeLocal(lib, "filler/f" + i + ".txt", "filler " + i); // a small deletion later
    writeLocal(lib, "report.txt", "first draft");
    api.syncOk(lib.id());
    writeLocal(lib, "report.txt", "final text");
    api.syncOk(lib.id());

    String base = "/api/v1/libraries/" + lib.id() + "/documents/" + documentId(lib, "report.txt") + "/versions";
    JsonNode versions = AdminApi.expectStatus(200, api.get(base), "GET versions").json();
    assertEquals("report.txt", versions.get("path").asText());
    assertEquals(1, versions.get("versions").size(), versions.toString());
    JsonNode version = versions.get("versions").get(0);
    assertEquals("first draft".length(), version.get("size").asLong());
    String versionId = version.get("versionId").asText();

    AdminApi.Response content = api.get(base + "/" + versionId + "/content");
    assertEquals(200, content.status(), content.body());
    assertEquals("first draft", content.body());
    assertEquals(404, api.get(base + "/no-such-version/content").status());

    AdminApi.Response restored = AdminApi.expectStatus(202,
        api.call("POST", base + "/" + versionId + "/restore", (String) null), "POST restore");
    JsonNode run = api.awaitRun(lib.id(), restored.json().get("runs").get(0).get("runId").asText());
    assertEquals("succeeded", run.get("outcome").asText(), run.toString());
    assertEquals("first draft", Files.readString(lib.localRoot().resolve("report.txt")), "the run brought it down");
    JsonNode document = api.get("/api/v1/libraries/" + lib.id() + "/documents/" + documentId(lib, "report.txt")).json();
    assertTrue(document.get("history").toString().contains("restored on the server"), document.toString());
    JsonNode refreshed = api.get(base + "?refresh=true").json();
    assertTrue(refreshed.get("versions").toString().contains("\"size\":" + "final text".length()),
        "the replaced text is a version now: " + refreshed);

    // The trash bin: a file deleted in the workspace goes to the server's trash bin, and comes back from it.
    writeLocal(lib, "old/notes.txt", "keep me");
    api.syncOk(lib.id());
    Files.delete(lib.localRoot().resolve("old/notes.txt"));
    api.syncOk(lib.id());
    assertFalse(Files.exists(serverPath(lib, "old/notes.txt")));

    String trashbin = "/api/v1/connections/" + connectionId + "/trashbin";
    JsonNode trash = AdminApi.expectStatus(200, api.get(trashbin + "?path=" + lib.remoteFolder()), "GET trashbin").json();
    JsonNode item = null;
    for (JsonNode i : trash.get("items")) {
      if (i.get("originalLocation").asText().equals(lib.remoteFolder() + "/old/notes.txt")) item = i;
    }
    assertTrue(item != null, "the deleted file is in the trash bin: " + trash);
    assertEquals(0, api.get(trashbin + "?path=elsewhere").json().get("items").size(), "filtered by folder");
    assertEquals(400, api.get(trashbin + "?path=../x").status());

    String itemPath = URLEncoder.encode(item.get("id").asText(), StandardCharsets.UTF_8).replace("+", "%20");
    AdminApi.Response back = AdminApi.expectStatus(202,
        api.call("POST", trashbin + "/" + itemPath + "/restore", (String) null), "POST trashbin restore");
    List<String> runLibraries = new ArrayList<>();
    back.json().get("runs").forEach(r -> runLibraries.add(r.get("libraryId").asText()));
    assertEquals(List.of(lib.id()), runLibraries);
    JsonNode restoreRun = api.awaitRun(lib.id(), back.json().get("runs").get(0).get("runId").asText());
    assertEquals("succeeded", restoreRun.get("outcome").asText(), restoreRun.toString());
    assertEquals("keep me", Files.readString(lib.localRoot().resolve("old/notes.txt")), "it came back");
  }

  private String documentId(Library lib, String path) {
    JsonNode page = api.get("/api/v1/libraries/" + lib.id() + "/documents?path=" + path).json();
    for (JsonNode document : page.get("documents")) {
      if (document.get("path").asText().equals(path)) return document.get("documentId").asText();
    }
    throw new AssertionError("no document " + path + " in " + page);
  }
}
