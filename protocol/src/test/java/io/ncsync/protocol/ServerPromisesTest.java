package io.ncsync.protocol;

import static io.ncsync.protocol.TestSupport.assertError;
import static io.ncsync.protocol.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import io.ncsync.protocol.nextcloud.NextcloudFeatures;
import io.ncsync.protocol.testing.nextcloud.NextcloudTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise probe against the Nextcloud test server, honest and in each broken mode, and the store that keeps on
 * this side the promises a server breaks.
 */
class ServerPromisesTest {
  private static ActorSystem<Void> system;
  private static NextcloudTestServer server;
  private static AkkaHttpRemoteStore root;

  @TempDir Path tmp;
  private final List<Throwable> cleanupFailures = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "server-promises-test");
    server = NextcloudTestServer.start();
    root = AkkaHttpRemoteStore.create(system, new DavEndpoint(server.filesRoot(), server.loginName(),
            server.appPassword()), AkkaHttpRemoteStore.Settings.defaults())
        .withFeatures(NextcloudFeatures.allOn(server.baseUrl(), server.userId()));
  }

  @AfterAll
  static void stop() {
    if (system != null) system.terminate();
    if (server != null) server.close();
  }

  @AfterEach
  void clearFaults() {
    server.faults().clear();
  }

  private ServerPromises probe() throws Exception {
    ServerPromises promises = await(ServerPromises.probe(root, tmp, cleanupFailures::add));
    assertEquals(List.of(), cleanupFailures);
    try (Stream<Path> left = Files.list(server.filesDir())) {
      assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(ServerPromises.SCRATCH_PREFIX))
          .toList(), "the scratch folder is gone");
    }
    return promises;
  }

  @Test
  void anHonestServerKeepsEveryPromiseAndTheProbeTouchesNothingElse() throws Exception {
    await(root.mkdirs("untouched"));
    await(root.upload("untouched/keep.txt", write("keep", "mine"), Optional.empty(), false));
    String rootEtag = await(root.stat("untouched")).etag();

    assertEquals(ServerPromises.ALL_KEPT, probe());

    assertEquals("mine", Files.readString(server.filesDir().resolve("untouched/keep.txt")));
    assertEquals(rootEtag, await(root.stat("untouched")).etag());
  }

  @Test
  void aServerIgnoringIfNoneMatchIsFound() throws Exception {
    server.faults().ignoreIfNoneMatch(true);
    assertEquals(new ServerPromises(false, true, true), probe());
  }

  @Test
  void aServerIgnoringAStaleIfMatchIsFound() throws Exception {
    server.faults().ignoreIfMatch(true);
    assertEquals(new ServerPromises(true, false, true), probe());
  }

  @Test
  void aServerIgnoringOverwriteFIsFound() throws Exception {
    server.faults().ignoreOverwriteF(true);
    assertEquals(new ServerPromises(true, true, true, false), probe());
  }

  @Test
  void aServerWhoseMovesLeaveFolderEtagsAloneIsFound() throws Exception {
    server.faults().moveKeepsFolderEtags(true);
    assertEquals(new ServerPromises(true, true, false), probe());
  }

  @Test
  void theScratchFolderIsRemovedWhenTheProbeFails() throws Exception {
    server.faults().serverErrorOn("/from/probe.txt");
    assertError(DavError.SERVER_ERROR, ServerPromises.probe(root, tmp, cleanupFailures::add));
    server.faults().clear();
    assertEquals(List.of(), cleanupFailures);
    try (Stream<Path> left = Files.list(server.filesDir())) {
      assertFalse(left.anyMatch(p -> p.getFileName().toString().startsWith(ServerPromises.SCRATCH_PREFIX)));
    }
  }

  // ---- The store that keeps them -----------------------------------------------------------------------------------

  @Test
  void anUploadThatMustNotOverwriteIsRefusedOnAServerThatWouldOverwrite() throws Exception {
    server.faults().ignoreIfNoneMatch(true);
    RemoteStore library = root.scoped("refuse-overwrite");
    await(root.mkdirs("refuse-overwrite"));
    await(library.upload("moved-here.txt", write("theirs", "moved onto this name on the server"), Optional.empty(), true));
    Path mine = write("mine", "a new local file");
    RemoteStore kept = PromiseKeepingRemoteStore.keeping(root, probe()).scoped("refuse-overwrite");

    DavException refused = assertError(DavError.PRECONDITION_FAILED, kept.upload("moved-here.txt", mine, Optional.empty(), true));

    assertEquals(412, refused.status());
    assertEquals("moved onto this name on the server",
        Files.readString(server.filesDir().resolve("refuse-overwrite/moved-here.txt")));
    // The server alone would have overwritten it: the check is what saved it.
    await(library.upload("moved-here.txt", mine, Optional.empty(), true));
    assertEquals("a new local file", Files.readString(server.filesDir().resolve("refuse-overwrite/moved-here.txt")));
    // A new name still uploads.
    await(kept.upload("new.txt", mine, UploadOptions.createOnly()));
    assertTrue(Files.exists(server.filesDir().resolve("refuse-overwrite/new.txt")));
  }

  @Test
  void aMoveThatMustNotReplaceIsRefusedOnAServerIgnoringOverwriteF() throws Exception {
    server.faults().ignoreOverwriteF(true);
    RemoteStore library = root.scoped("refuse-move-over");
    await(root.mkdirs("refuse-move-over"));
    await(library.upload("theirs.txt", write("theirs", "their file"), Optional.empty(), true));
    await(library.upload("mine.txt", write("mine", "my file, renamed"), Optional.empty(), true));
    RemoteStore kept = PromiseKeepingRemoteStore.keeping(root, probe()).scoped("refuse-move-over");

    DavException refused = assertError(DavError.PRECONDITION_FAILED, kept.move("mine.txt", "theirs.txt", false));

    assertEquals(412, refused.status());
    assertEquals("their file", Files.readString(server.filesDir().resolve("refuse-move-over/theirs.txt")));
    // The server alone would have replaced it: the check is what saved it.
    await(library.move("mine.txt", "theirs.txt", false));
    assertEquals("my file, renamed", Files.readString(server.filesDir().resolve("refuse-move-over/theirs.txt")));
  }

  @Test
  void aBatchOfNewFilesSkipsTheOnesThatExistOnAServerThatWouldOverwrite() throws Exception {
    server.faults().ignoreIfNoneMatch(true);
    await(root.mkdirs("batch"));
    await(root.upload("batch/there.txt", write("there", "theirs"), Optional.empty(), false));
    RemoteStore kept = PromiseKeepingRemoteStore.keeping(root, probe()).scoped("batch");

    List<BatchUploadResult> results = await(kept.uploadBatch(List.of(
        new BatchUpload("there.txt", write("a", "mine")), new BatchUpload("fresh.txt", write("b", "new")))));

    assertEquals(List.of("there.txt", "fresh.txt"), results.stream().map(BatchUploadResult::path).toList());
    assertFalse(results.get(0).ok());
    assertEquals(DavError.PRECONDITION_FAILED, ((DavException) results.get(0).error()).error());
    assertTrue(results.get(1).ok(), String.valueOf(results.get(1).error()));
    assertEquals("theirs", Files.readString(server.filesDir().resolve("batch/there.txt")));
    assertEquals("new", Files.readString(server.filesDir().resolve("batch/fresh.txt")));
  }

  @Test
  void aDeleteWithAStaleIfMatchIsRefusedOnAServerThatWouldDelete() throws Exception {
    server.faults().ignoreIfMatch(true);
    await(root.mkdirs("stale"));
    UploadResult first = await(root.upload("stale/doc.txt", write("v1", "first"), Optional.empty(), false));
    await(root.upload("stale/doc.txt", write("v2", "changed on the server"), Optional.empty(), false));
    RemoteStore kept = PromiseKeepingRemoteStore.keeping(root, probe()).scoped("stale");

    assertError(DavError.PRECONDITION_FAILED, kept.delete("doc.txt", Optional.of(first.etag())));
    assertError(DavError.PRECONDITION_FAILED,
        kept.upload("doc.txt", write("v3", "mine"), Optional.of(first.etag()), false));

    assertEquals("changed on the server", Files.readString(server.filesDir().resolve("stale/doc.txt")));
    String current = await(kept.stat("doc.txt")).etag();
    await(kept.delete("doc.txt", Optional.of(current)));
    assertFalse(Files.exists(server.filesDir().resolve("stale/doc.txt")), "a current If-Match still deletes");
  }

  @Test
  void movesThatLeaveFolderEtagsAloneTurnPruningOff() throws Exception {
    server.faults().moveKeepsFolderEtags(true);
    ServerPromises promises = probe();
    RemoteStore kept = PromiseKeepingRemoteStore.keeping(root, promises);

    assertTrue(root.etagsPropagate());
    assertFalse(kept.etagsPropagate());
    assertFalse(kept.scoped("any/library").etagsPropagate());
    assertSame(root, PromiseKeepingRemoteStore.keeping(root, ServerPromises.ALL_KEPT), "honest servers are not wrapped");
  }

  private Path write(String name, String content) throws Exception {
    return Files.writeString(tmp.resolve(name + "-" + System.nanoTime()), content);
  }
}
