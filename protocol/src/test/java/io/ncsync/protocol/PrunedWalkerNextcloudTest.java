package io.ncsync.protocol;

import static io.ncsync.protocol.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import io.ncsync.protocol.nextcloud.NextcloudFeatures;
import io.ncsync.protocol.testing.nextcloud.NextcloudTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Incremental discovery on a 1,000-file tree: unchanged costs one request, a deep change costs its depth (folders listed). */
class PrunedWalkerNextcloudTest {
  private static ActorSystem<Void> system;
  private static NextcloudTestServer server;
  private static RemoteStore store;
  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "pruned-walker-test");
    server = NextcloudTestServer.start();
    // 10 folders × 10 sub-folders × 10 files, written straight into the server's data folder.
    Path library = Files.createDirectories(server.filesDir().resolve("library"));
    for (int d = 0; d < 10; d++) {
      for (int s = 0; s < 10; s++) {
        Path sub = Files.createDirectories(library.resolve("d" + d).resolve("s" + s));
        for (int f = 0; f < 10; f++) Files.writeString(sub.resolve("f" + f + ".txt"), "file " + d + s + f);
      }
    }
    store = AkkaHttpRemoteStore.create(system, new DavEndpoint(server.filesRoot(), server.loginName(), server.appPassword()),
            RemoteStoreContract.TEST_SETTINGS)
        .withFeatures(NextcloudFeatures.allOn(server.baseUrl(), server.userId()))
        .scoped("library");
  }

  @AfterAll
  static void stop() {
    if (system != null) system.terminate();
    if (server != null) server.close();
  }

  @Test
  void unchangedTreeCostsOneRequestAndADeepChangeItsDepth() throws Exception {
    PrunedTree full = await(PrunedWalker.walk(store, path -> null));
    assertEquals(1110, full.entries().size(), "1,000 files and 110 folders");
    assertEquals(1 + 10 + 100, full.requests(), "every folder once, the root's Depth 1 answering its own ETag too");
    Map<String, String> base = folderEtags(full);

    server.requests().reset();
    PrunedTree unchanged = await(PrunedWalker.walk(store, base::get));
    assertEquals(1, server.requests().count(), server.requests().dump(5));
    assertEquals(1, unchanged.requests());
    assertTrue(unchanged.unchanged());
    assertTrue(unchanged.entries().isEmpty());
    assertTrue(unchanged.insidePrunedFolder("d3/s4/f5.txt"));

    Path source = Files.writeString(tmp.resolve("n"), "new");
    await(store.upload("d3/s4/new.txt", source, Optional.empty(), true));
    server.requests().reset();
    PrunedTree changed = await(PrunedWalker.walk(store, base::get));

    int depth = RemotePaths.depth("d3/s4/new.txt");
    assertEquals(depth, server.requests().count(), "library + d3 + d3/s4:\n" + server.requests().dump(10));
    assertTrue(changed.entries().containsKey("d3/s4/new.txt"));
    assertEquals(Set.of("d0", "d1", "d2", "d4", "d5", "d6", "d7", "d8", "d9", "d3/s0", "d3/s1", "d3/s2", "d3/s3",
        "d3/s5", "d3/s6", "d3/s7", "d3/s8", "d3/s9"), changed.prunedFolders());
    assertFalse(changed.insidePrunedFolder("d3/s4/f1.txt"));
    assertTrue(changed.insidePrunedFolder("d7/s1/f1.txt"));

    // The caller's view after merging: base ETags updated along the changed path only.
    Map<String, String> next = new HashMap<>(base);
    next.putAll(folderEtags(changed));
    server.requests().reset();
    assertTrue(await(PrunedWalker.walk(store, next::get)).unchanged());
    assertEquals(1, server.requests().count());
  }

  @Test
  void aWalkTowardsTheFoldersAFeedNamesListsThemStraightAway() throws Exception {
    Map<String, String> base = folderEtags(await(PrunedWalker.walk(store, path -> null)));
    Path source = Files.writeString(tmp.resolve("t"), "towards");
    await(store.upload("d5/s6/towards.txt", source, Optional.empty(), true));

    server.requests().reset();
    Listing root = await(store.list(""));
    PrunedTree tree = await(PrunedWalker.walkTowards(store, root, base::get, Set.of("d5/s6"), 4));
    assertEquals(2, server.requests().count(), "the root and d5/s6, not d5:\n" + server.requests().dump(10));
    assertEquals(1, tree.requests());
    assertEquals(Set.of("d5/s6"), tree.seedFolders());
    assertEquals(Set.of("d5"), tree.jumpedFolders());
    assertTrue(tree.entries().containsKey("d5/s6/towards.txt"));
    assertEquals(ETags.normalize(server.etag("library/d5/s6")), tree.entries().get("d5/s6").etag(),
        "the seed's own entry is what its listing said");
    assertTrue(tree.takenFromBase("d5"), "a jumped folder keeps its base entry (ETag included)");
    assertTrue(tree.takenFromBase("d5/s7/f1.txt"), "beside the seed, the base stands");
    assertFalse(tree.takenFromBase("d5/s6/f1.txt"), "inside the seed, the listing decides (absent = deleted)");
    assertTrue(tree.takenFromBase("d2/s0/f0.txt"), "an unchanged folder is pruned as usual");

    // A hint below an unchanged folder is stale (already synced): it costs nothing.
    Map<String, String> after = new HashMap<>(base);
    after.putAll(folderEtags(await(PrunedWalker.walk(store, base::get))));
    server.requests().reset();
    PrunedTree stale = await(PrunedWalker.walkTowards(store, await(store.list("")), after::get, Set.of("d1/s1"), 4));
    assertTrue(stale.unchanged());
    assertEquals(1, server.requests().count(), server.requests().dump(5));
  }

  @Test
  void aFolderTheFeedNamesThatIsGoneFailsTheGuidedWalk() throws Exception {
    Map<String, String> base = folderEtags(await(PrunedWalker.walk(store, path -> null)));
    await(store.upload("d8/s8/x.txt", Files.writeString(tmp.resolve("x"), "x"), Optional.empty(), true));
    Listing root = await(store.list(""));
    TestSupport.assertError(DavError.NOT_FOUND, PrunedWalker.walkTowards(store, root, base::get, Set.of("d8/gone"), 4));
  }

  private static Map<String, String> folderEtags(PrunedTree tree) {
    Map<String, String> etags = new HashMap<>();
    etags.put("", tree.root().etag());
    tree.entries().values().stream().filter(DavEntry::collection).forEach(e -> etags.put(e.path(), e.etag()));
    return etags;
  }
}
