package io.ncsync.persistence.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.AskPattern;
import akka.pattern.StatusReply;
import akka.persistence.testkit.PersistenceTestKitPlugin;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import com.typesafe.config.ConfigFactory;
import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.persistence.library.LibraryStatus;
import io.ncsync.persistence.library.RunSummary;
import io.ncsync.persistence.library.SettingsPatch;
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.persistence.sync.InMemoryWorkspace;
import io.ncsync.persistence.sync.LibraryPorts;
import io.ncsync.persistence.sync.PortSyncEngine;
import io.ncsync.persistence.sync.SyncMode;
import io.ncsync.persistence.sync.Workspace;
import io.ncsync.protocol.RemoteStore;
import io.ncsync.protocol.testing.InMemoryRemoteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * The whole engine — Library entity, document workers, Reconciler, Propagator, RemoteDiscovery — over its two ports
 * held in memory: an {@link InMemoryWorkspace} and an {@link InMemoryRemoteStore}. No disk, no HTTP. Tests change either
 * side, run a sync and compare both trees (Nextcloud desktop's FakeFolder style). The library's remote folder is
 * {@code lib}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EngineHarness {
  private ActorTestKit testKit;
  private final ExecutorService blocking = Executors.newFixedThreadPool(4);

  protected InMemoryRemoteStore remote;
  protected InMemoryWorkspace local;
  protected ActorRef<Library.Command> library;
  /** What the library told its observer: "raised <id>", "resolved <id>", "started <run>", "finished <run>". */
  protected final java.util.List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final io.ncsync.persistence.library.LibraryObserver observer = new io.ncsync.persistence.library.LibraryObserver() {
    @Override
    public void runStarted(String tenantId, String libraryId, RunSummary run) {
      told.add("started " + run.runId());
    }

    @Override
    public void runFinished(String tenantId, String libraryId, RunSummary run) {
      told.add("finished " + run.runId());
    }

    @Override
    public void conflictRaised(String tenantId, String libraryId, io.ncsync.persistence.sync.ConflictRecord conflict) {
      told.add("raised " + conflict.id());
    }

    @Override
    public void conflictResolved(String tenantId, String libraryId, io.ncsync.persistence.sync.ConflictRecord conflict) {
      told.add("resolved " + conflict.id());
    }
  };

  protected final io.ncsync.persistence.library.InMemoryDocumentHistory history =
      new io.ncsync.persistence.library.InMemoryDocumentHistory();
  private String libraryId;

  @BeforeAll
  void startTestKit() {
    testKit = ActorTestKit.create(PersistenceTestKitPlugin.config()
        .withFallback(PersistenceTestKitSnapshotPlugin.config()).withFallback(ConfigFactory.load()));
  }

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
    blocking.shutdownNow();
  }

  @BeforeEach
  void setUpEngine() {
    remote = new InMemoryRemoteStore();
    remote.mkdirs("lib").toCompletableFuture().join();
    local = new InMemoryWorkspace();
    local.create();
    startLibrary(SyncMode.BIDIRECTIONAL);
  }

  protected void startLibrary(SyncMode mode) {
    libraryId = UUID.randomUUID().toString();
    spawnLibrary();
    LibraryConfig config = new LibraryConfig("t", libraryId, "lib", "c", "/workspaces/tenants/t/lib", "lib", mode, Instant.now());
    StatusReply<LibraryConfig> created = ask(replyTo -> new Library.Create(config, replyTo));
    assertTrue(created.isSuccess(), () -> "created: " + created);
  }

  /** Stops the library where it stands (its workers with it, as a crash would) and starts it again from its journal. */
  protected void restartLibrary() {
    testKit.stop(library, Duration.ofSeconds(10));
    spawnLibrary();
  }

  private void spawnLibrary() {
    LibraryPorts ports = new LibraryPorts() {
      @Override
      public Workspace workspace(LibraryConfig config) {
        return local;
      }

      @Override
      public CompletionStage<RemoteStore> connection(LibraryConfig config) {
        return CompletableFuture.completedFuture(remote);
      }
    };
    library = testKit.spawn(Library.create(Library.entityId("t", libraryId), new PortSyncEngine(ports, blocking),
        new Library.Settings(4, 50, Path.of("/workspaces")), (tenantId, id) -> {}, history, observer));
  }

  protected void assertTreesEqual() {
    assertEquals(new TreeMap<>(remote.files("lib")), local.files());
  }

  protected RunSummary syncOk() {
    RunSummary run = sync();
    assertEquals(RunSummary.SUCCEEDED, run.outcome(), () -> "run failed: " + run.reason() + "; failures: "
        + this.<StatusReply<LibraryStatus>>ask(Library.GetStatus::new).getValue().failures());
    return run;
  }

  protected RunSummary sync() {
    StatusReply<Library.SyncAccepted> accepted = ask(Library.Sync::new);
    String runId = accepted.getValue().runId();
    AtomicReference<RunSummary> finished = new AtomicReference<>();
    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(20), () -> {
      LibraryStatus status = this.<StatusReply<LibraryStatus>>ask(Library.GetStatus::new).getValue();
      RunSummary last = status.lastRun();
      assertTrue(status.activeRun() == null && last != null && last.runId().equals(runId), "run " + runId + " finished");
      finished.set(last);
      return null;
    });
    return finished.get();
  }

  /** Applies a settings change the way the API does; fails the test when it is refused. */
  protected LibraryConfig changeSettings(SettingsPatch patch) {
    StatusReply<Library.SettingsOutcome> reply = ask(replyTo -> new Library.ChangeSettings(patch, replyTo));
    if (reply.getValue() instanceof Library.SettingsChanged changed) return changed.config();
    throw new AssertionError("settings refused: " + reply.getValue());
  }

  protected akka.actor.testkit.typed.javadsl.TestProbe<Object> testKitProbe() {
    return testKit.createTestProbe();
  }

  protected LibraryStatus status() {
    return this.<StatusReply<LibraryStatus>>ask(Library.GetStatus::new).getValue();
  }

  /** Retries the assertion until it holds (10 s at most). */
  protected void eventually(Runnable assertion) {
    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(10), Duration.ofMillis(10), () -> {
      assertion.run();
      return null;
    });
  }

  protected List<ConflictRecord> conflicts() {
    StatusReply<Library.Conflicts> reply = ask(Library.GetConflicts::new);
    return reply.getValue().conflicts();
  }

  /** Asks the library to end conflict {@code id} with {@code strategy}, as the API does. */
  protected Library.ResolveOutcome resolve(String id, io.ncsync.persistence.sync.ConflictStrategy strategy) {
    StatusReply<Library.ResolveOutcome> reply = ask(replyTo -> new Library.ResolveConflict(id, strategy, "operator", replyTo));
    return reply.getValue();
  }

  /** The library's document at {@code path} now, or null. */
  protected io.ncsync.persistence.library.DocumentView document(String path) {
    StatusReply<Library.DocumentPage> page = ask(replyTo -> new Library.GetDocuments(path, null, 0, 1000, replyTo));
    return page.getValue().documents().stream().filter(d -> d.path().equals(path)).findFirst().orElse(null);
  }

  /** The library's document of that id now, or null. */
  protected io.ncsync.persistence.library.DocumentView documentById(String id) {
    StatusReply<Library.DocumentPage> page = ask(replyTo -> new Library.GetDocument(id, replyTo));
    return page.getValue().documents().isEmpty() ? null : page.getValue().documents().get(0);
  }

  /** A document's transitions, newest first. */
  protected List<io.ncsync.persistence.library.DocumentTransition> historyOf(String documentId) {
    return history.of("t", libraryId, documentId, 50).toCompletableFuture().join();
  }

  protected <T> T ask(akka.japi.function.Function<ActorRef<T>, Library.Command> message) {
    return AskPattern.<Library.Command, T>ask(library, message::apply, Duration.ofSeconds(10), testKit.system().scheduler())
        .toCompletableFuture().join();
  }
}
