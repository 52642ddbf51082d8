package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * Document locks through the API against the Nextcloud test server: a locked file is left alone by runs (its local
 * change waits), it is locked on the server too (files_lock, for the connection's user), and the change goes once the
 * lock is released; a file someone else locked on the server is not overwritten, and its status names the holder.
 */
class NextcloudLocksIT extends NextcloudE2eBase {

  @Test
  void aLockedFileIsUntouchedUntilUnlockedAndLockedOnTheServerToo() throws Exception {
    Library lib = newLibrary("nc-locks");
    for (int i = 0; i < 5; i++) writeLocal(lib, "other" + i + ".txt", "other " + i);
    writeLocal(lib, "contract.txt", "signed version");
    api.syncOk(lib.id());
    String documentId = documentId(lib, "contract.txt");
    String lockPath = "/api/v1/libraries/" + lib.id() + "/documents/" + documentId + "/lock";

    server.requests().reset();
    JsonNode lock = AdminApi.expectStatus(200, api.call("POST", lockPath,
        AdminApi.object().put("owner", "erp-user-7").put("ttlSeconds", 600)), "POST lock").json();
    assertEquals("erp-user-7", lock.get("owner").asText());
    assertTrue(lock.get("onServer").asBoolean(), lock.toString());
    assertTrue(server.requests().entries().stream().anyMatch(e -> e.method().equals("LOCK")
        && e.path().equals(davPath(lib, "contract.txt")) && e.status() == 200), server.requests().dump(10));
    assertThrows(RuntimeException.class, () -> server.lockByOtherUser(lib.remoteFolder() + "/contract.txt", "bob"),
        "the server holds it for the connection's user");
    assertEquals(409, api.call("POST", lockPath, AdminApi.object().put("owner", "someone-else")).status());
    assertEquals(400, api.call("POST", lockPath, AdminApi.object().put("owner", "x").put("ttlSeconds", 7200)).status());

    writeLocal(lib, "contract.txt", "edited while locked");
    api.syncOk(lib.id());
    assertEquals("signed version", Files.readString(serverPath(lib, "contract.txt")), "untouched while locked");
    JsonNode document = api.get("/api/v1/libraries/" + lib.id() + "/documents/" + documentId).json();
    assertEquals("locked", document.get("status").asText(), document.toString());

    server.requests().reset();
    AdminApi.expectStatus(200, api.call("DELETE", lockPath, (String) null), "DELETE lock");
    long unlockDeadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
    while (server.requests().entries().stream().noneMatch(e -> e.method().equals("UNLOCK") && e.status() == 200)) {
      assertTrue(System.nanoTime() < unlockDeadline, "the server's lock is released: " + server.requests().dump(10));
      DaemonProcess.sleep(50);
    }
    assertEquals(404, api.call("DELETE", lockPath, (String) null).status(), "not locked any more");
    api.syncOk(lib.id());
    assertEquals("edited while locked", Files.readString(serverPath(lib, "contract.txt")), "the change went");
    // The history is written in batches beside the journal: it shows within a second or so.
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
    String history;
    do {
      history = api.get("/api/v1/libraries/" + lib.id() + "/documents/" + documentId).json().get("history").toString();
      if (history.contains("locked by erp-user-7") && history.contains("released through the API")) break;
      DaemonProcess.sleep(100);
    } while (System.nanoTime() < deadline);
    assertTrue(history.contains("locked by erp-user-7") && history.contains("released through the API"), history);
  }

  @Test
  void aFileSomeoneElseLockedOnTheServerIsNotOverwrittenAndNamesTheHolder() throws Exception {
    Library lib = newLibrary("nc-theirs");
    writeLocal(lib, "plan.txt", "v1");
    api.syncOk(lib.id());
    server.lockByOtherUser(lib.remoteFolder() + "/plan.txt", "bob");
    String documentId = documentId(lib, "plan.txt");

    AdminApi.Response refused = api.call("POST", "/api/v1/libraries/" + lib.id() + "/documents/" + documentId
        + "/lock", AdminApi.object().put("owner", "erp"));
    assertEquals(409, refused.status(), refused.body());
    assertTrue(refused.body().contains("bob"), refused.body());

    writeLocal(lib, "plan.txt", "v2 while bob holds it");
    api.syncAndWait(lib.id());
    assertEquals("v1", Files.readString(serverPath(lib, "plan.txt")), "not overwritten");
    JsonNode document = api.get("/api/v1/libraries/" + lib.id() + "/documents/" + documentId).json();
    assertEquals("locked", document.get("status").asText(), document.toString());
  }

  private String documentId(Library lib, String path) {
    JsonNode page = api.get("/api/v1/libraries/" + lib.id() + "/documents?path=" + path).json();
    for (JsonNode document : page.get("documents")) {
      if (document.get("path").asText().equals(path)) return document.get("documentId").asText();
    }
    throw new AssertionError("no document " + path + " in " + page);
  }
}
