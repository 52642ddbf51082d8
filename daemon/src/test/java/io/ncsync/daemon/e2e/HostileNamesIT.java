package io.ncsync.daemon.e2e;

import static io.ncsync.daemon.e2e.E2eFiles.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Names a workspace cannot hold, made directly in Apache's document root (issue 10 §7): each costs its own document,
 * shown as excluded with the reason in the library's status, while the rest of the library syncs; renamed on the
 * server, it syncs and its record goes.
 */
class HostileNamesIT extends E2eTestBase {

  @Test
  void aHostileRemoteNameIsExcludedWhileTheRestSyncs() throws Exception {
    Library lib = newLibrary("hostile");
    writeRemote(lib, "fine.txt", "fine");
    writeRemote(lib, "docs/also.txt", "also");
    Path docs = apache.documentRoot().resolve(lib.remoteFolder()).resolve("docs");
    Files.writeString(docs.resolve("tab\there.txt"), "hostile");
    Files.createDirectories(docs.resolve("ctl\u0001dir"));
    Files.writeString(docs.resolve("ctl\u0001dir").resolve("inside.txt"), "below a hostile folder");
    apache.fixOwnership();

    JsonNode run = api.syncOk(lib.id());

    assertEquals(2, run.path("downloaded").asInt(-1), "only the two fine files came: " + run);
    Tree.assertFiles("the rest of the library synced", localTree(lib),
        Map.of("fine.txt", sha256("fine"), "docs/also.txt", sha256("also")));
    Map<String, JsonNode> failures = failures(lib);
    assertEquals(java.util.Set.of("docs/tab\\x09here.txt", "docs/ctl\\x01dir"), failures.keySet(), failures.toString());
    JsonNode tab = failures.get("docs/tab\\x09here.txt");
    assertEquals("excluded: the server's name 'tab\\x09here.txt' cannot be a local file name: name contains control"
        + " character 0x9", tab.path("reason").asText());
    assertFalse(tab.path("retryable").asBoolean(true));
    assertTrue(failures.get("docs/ctl\\x01dir").path("reason").asText().startsWith("excluded: "));
    assertTrue(Files.exists(docs.resolve("tab\there.txt")), "the server's file is left alone");

    Files.move(docs.resolve("tab\there.txt"), docs.resolve("tab-here.txt"));
    run = api.syncOk(lib.id());

    assertEquals(1, run.path("downloaded").asInt(-1), "the renamed file came: " + run);
    assertEquals("hostile", Files.readString(lib.localRoot().resolve("docs/tab-here.txt")));
    assertEquals(java.util.Set.of("docs/ctl\\x01dir"), failures(lib).keySet(), "the renamed name's record went");
  }

  /** The status's failures by path. */
  private Map<String, JsonNode> failures(Library lib) {
    Map<String, JsonNode> byPath = new TreeMap<>();
    for (JsonNode failure : api.status(lib.id()).path("failures")) byPath.put(failure.path("path").asText(), failure);
    return byPath;
  }
}
