package io.ncsync.persistence.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import io.ncsync.persistence.sync.ActionResult;
import io.ncsync.persistence.sync.FailureCode;
import io.ncsync.persistence.sync.LocalEntry;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.persistence.sync.SyncMode;
import io.ncsync.protocol.UploadSession;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class DocumentTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final LibraryConfig CONFIG =
      new LibraryConfig("t", "l", "n", "c", "/tmp/ws", "r", SyncMode.BIDIRECTIONAL, Instant.EPOCH);
  private static final SyncAction.Upload UPLOAD =
      new SyncAction.Upload("a.txt", new LocalEntry("a.txt", false, 1, 1, "s"), null);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void answersExactlyOnceWithTheResultAndStops() {
    ScriptedSyncEngine io = new ScriptedSyncEngine();
    UploadSession session = new UploadSession("ncsync-1", "http://x/a.txt", 1, 1, 1, 0, Instant.EPOCH);
    io.actions = action -> {
      io.sessionListener.saved(action.path(), session);
      return CompletableFuture.completedFuture(ScriptedSyncEngine.succeed(action));
    };
    TestProbe<Document.Finished> finished = testKit.createTestProbe();
    TestProbe<Document.UploadProgress> progress = testKit.createTestProbe();
    ActorRef<Document.Command> document = testKit.spawn(Document.create(io));

    document.tell(new Document.Execute(CONFIG, "run-1", UPLOAD, finished.getRef(), progress.getRef()));

    assertEquals(new Document.UploadProgress("run-1", "a.txt", session), progress.receiveMessage());
    Document.Finished done = finished.receiveMessage();
    assertEquals("run-1", done.runId());
    assertEquals(1, done.results().size());
    assertNull(done.results().get(0).failure());
    finished.expectTerminated(document);
    finished.expectNoMessage();
  }

  @Test
  void anIoThatThrowsBecomesAFailureResultForEveryDocumentOfTheAction() {
    ScriptedSyncEngine io = new ScriptedSyncEngine();
    io.actions = action -> { throw new IllegalStateException("disk gone"); };
    TestProbe<Document.Finished> finished = testKit.createTestProbe();
    ActorRef<Document.Command> document = testKit.spawn(Document.create(io));
    SyncAction.UploadBatch batch = new SyncAction.UploadBatch(List.of(UPLOAD,
        new SyncAction.Upload("b.txt", new LocalEntry("b.txt", false, 1, 1, "s"), null)));
    ScriptedSyncEngine throwingBatches = new ScriptedSyncEngine() {
      @Override
      public java.util.concurrent.CompletionStage<List<ActionResult>> executeBatch(
          LibraryConfig config, String runId, SyncAction.UploadBatch b, UploadSessionListener sessions) {
        throw new IllegalStateException("disk gone");
      }
    };

    document.tell(new Document.Execute(CONFIG, "run-2", UPLOAD, finished.getRef(), testKit.<Document.UploadProgress>createTestProbe().getRef()));
    ActionResult single = finished.receiveMessage().results().get(0);
    assertTrue(single.failure().message().contains("disk gone"), single.failure().message());
    assertEquals(FailureCode.INTERNAL, single.failure().code(), "a fault of ours, not the network's");

    ActorRef<Document.Command> batchWorker = testKit.spawn(Document.create(throwingBatches));
    batchWorker.tell(new Document.Execute(CONFIG, "run-2", batch, finished.getRef(), testKit.<Document.UploadProgress>createTestProbe().getRef()));
    List<ActionResult> results = finished.receiveMessage().results();
    assertEquals(List.of("a.txt", "b.txt"), results.stream().map(ActionResult::path).toList());
    results.forEach(r -> assertTrue(r.failure().message().contains("disk gone")));
  }
}
