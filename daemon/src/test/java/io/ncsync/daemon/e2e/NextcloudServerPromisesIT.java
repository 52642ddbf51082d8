package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A server that does not keep its promises (PROTOCOL.md §9): it overwrites despite {@code If-None-Match: *} and its
 * MOVEs leave folder ETags unchanged. The connection test finds it, the connection says what the daemon does about it,
 * and the loss measured on such a server (a new local file uploaded over a file just moved onto that name on the
 * server, the moved file lost on both sides) does not happen.
 */
class NextcloudServerPromisesIT extends NextcloudE2eBase {

  @AfterEach
  void honestAgain() {
    server.faults().clear();
  }

  @Test
  void theConnectionTestReportsBrokenPromisesAndAMovedFileSurvivesANewLocalFileOfItsName() {
    server.faults().ignoreIfNoneMatch(true).moveKeepsFolderEtags(true);

    AdminApi.Response test = api.call("POST", "/api/v1/connections/" + connectionId + "/test", "");
    assertEquals(200, test.status(), test.body());
    assertTrue(test.field("ok").asBoolean(), test.body());
    assertPromises("the connection test", test.field("serverPromises"));
    assertTrue(api.get("/api/v1/connections/" + connectionId).field("serverPromises").isNull(),
        "not probed for the engine before the connection is first used");
    assertFalse(server.filesDir().toFile().list((dir, name) -> name.startsWith(".ncsync-probe-")).length > 0,
        "the probe's scratch folder is gone");

    Library lib = newLibrary("promises");
    writeRemote(lib, "draft.txt", "the server's draft");
    api.syncOk(lib.id());
    assertConverged("after the first sync", lib);
    assertPromises("the connection in use", api.get("/api/v1/connections/" + connectionId).field("serverPromises"));

    // On the server the draft becomes final.txt (folder ETags unchanged); locally a new final.txt appears meanwhile.
    remote.move(lib.remoteFolder() + "/draft.txt", lib.remoteFolder() + "/final.txt");
    writeLocal(lib, "final.txt", "a new local file");
    api.syncOk(lib.id());

    Tree tree = assertConverged("after the move met the new local file", lib);
    assertTrue(tree.files().containsValue(E2eFiles.sha256("the server's draft")), "the moved file survives: " + tree);
    assertTrue(tree.files().containsValue(E2eFiles.sha256("a new local file")), "the local file survives: " + tree);
    assertFalse(tree.files().containsKey("draft.txt"), "the rename was seen: " + tree);
  }

  private static void assertPromises(String where, JsonNode promises) {
    assertFalse(promises.path("ifNoneMatch").asBoolean(true), where + ": " + promises);
    assertTrue(promises.path("ifMatch").asBoolean(false), where + ": " + promises);
    assertFalse(promises.path("moveChangesFolderEtag").asBoolean(true), where + ": " + promises);
    assertTrue(promises.path("fullWalks").asBoolean(false), where + ": " + promises);
    assertTrue(promises.path("problem").isNull(), where + ": " + promises);
  }
}
