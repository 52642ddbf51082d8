package io.ncsync.persistence.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.testing.InMemoryRemoteStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What a conflict's executor reports: the local content a strategy replaced is a {@code replaced} trash-log entry. */
class PropagatorConflictTest {
  private InMemoryWorkspace local;
  private InMemoryRemoteStore remote;

  @BeforeEach
  void setUp() {
    local = new InMemoryWorkspace();
    local.create();
    remote = new InMemoryRemoteStore();
    local.write("doc.txt", "local"); // the workspace's clock is years behind the server's: the server's side is newer
    remote.put("doc.txt", "remote!");
  }

  private ActionResult reconcile(ConflictStrategy strategy) throws Exception {
    LocalEntry l = local.stat("doc.txt");
    DavEntry r = remote.stat("doc.txt").toCompletableFuture().join();
    Propagator propagator = new Propagator(local, remote, SyncMode.BIDIRECTIONAL, "run-1", (path, session) -> {}, strategy);
    return propagator.execute(new SyncAction.ReconcileBoth("doc.txt", l, r, null, strategy));
  }

  @ParameterizedTest
  @EnumSource(value = ConflictStrategy.class, names = {"KEEP_REMOTE", "KEEP_NEWEST"})
  void overwritingTheLocalFileLogsItsContentAsReplaced(ConflictStrategy strategy) throws Exception {
    ActionResult result = reconcile(strategy);

    assertEquals("remote!", local.read("doc.txt"));
    assertEquals(List.of("local"), local.trashed());
    assertEquals(1, result.trashLog().size(), result::toString);
    TrashEntry entry = result.trashLog().get(0);
    assertEquals(TrashEntry.Action.REPLACED, entry.action());
    assertEquals("doc.txt", entry.path());
    assertEquals(5, entry.size());
    assertEquals(sha256("local"), entry.sha256());
    assertEquals("run-1", entry.runId());
    assertNotNull(entry.kept(), "where the content is kept");
    assertTrue(entry.reason().contains(strategy.wireName()), entry.reason());
    assertEquals(ConflictState.RESOLVED, result.conflict().state());
  }

  @ParameterizedTest
  @EnumSource(value = ConflictStrategy.class, names = {"KEEP_LOCAL", "KEEP_BOTH", "MANUAL"})
  void strategiesThatReplaceNothingLocallyLogNothing(ConflictStrategy strategy) throws Exception {
    ActionResult result = reconcile(strategy);

    assertEquals(List.of(), result.trashLog());
    assertEquals(List.of(), local.trashed());
    assertEquals(strategy == ConflictStrategy.KEEP_LOCAL ? "local" : "remote!", remote.read("doc.txt"));
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
