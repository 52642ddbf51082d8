package io.ncsync.daemon.sync;

import io.ncsync.protocol.testing.InMemoryRemoteStore;
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
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.persistence.sync.LibraryPorts;
import io.ncsync.persistence.sync.PortSyncEngine;
import io.ncsync.persistence.sync.SyncMode;
import io.ncsync.protocol.RemoteStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole engine — Library entity, Document workers, Reconciler, PortSyncEngine, the disk workspace — against an in-memory
 * remote ({@link InMemoryRemoteStore}), with helpers that run a sync and compare both trees afterwards (Nextcloud
 * desktop's FakeFolder style). The library's folder is {@code lib} on the remote.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EngineTestBase {
  private ActorTestKit testKit;
  private final ExecutorService blocking = Executors.newFixedThreadPool(4);

  @TempDir Path temp;
  protected InMemoryRemoteStore remote;
  protected Path workspace;
  protected Path trash;
  protected ActorRef<Library.Command> library;
  private String libraryId;
  private SyncMode mode;

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
  void setUpEngine() throws Exception {
    remote = new InMemoryRemoteStore();
    configure(remote);
    remote.mkdirs("lib").toCompletableFuture().join();
    workspace = Files.createDirectories(workspacesRoot().resolve("ws"));
    trash = temp.resolve("trash");
    startLibrary(SyncMode.BIDIRECTIONAL);
  }

  /** Below it lie the library's folder ({@link #workspace}) and the daemon's staging folder. */
  protected Path workspacesRoot() {
    return temp.resolve("workspaces");
  }

  /** The daemon's staging folder of this library. */
  protected Path stagingFolder() {
    return workspacesRoot().resolve(".ncsync-staging").resolve("default").resolve(libraryId);
  }

  /** Sets the remote up before the library's folder is created. */
  protected void configure(InMemoryRemoteStore remote) {}

  /** The I/O the library gets; tests may tune discovery. */
  protected PortSyncEngine engine(LibraryPorts ports, ExecutorService blocking) {
    return new PortSyncEngine(ports, blocking);
  }

  protected void startLibrary(SyncMode mode) {
    this.mode = mode;
    libraryId = UUID.randomUUID().toString();
    spawnLibrary();
    LibraryConfig config = new LibraryConfig("default", libraryId, "lib", "c", workspace.toString(), "lib", mode, Instant.now());
    StatusReply<LibraryConfig> created = ask(replyTo -> new Library.Create(config, replyTo));
    assertTrue(created.isSuccess());
  }

  /** Stops the library where it stands (its workers with it, as a crash would) and starts it again from its journal. */
  protected void restartLibrary() {
    testKit.stop(library, Duration.ofSeconds(10));
    spawnLibrary();
  }

  private void spawnLibrary() {
    RemoteStores stores = (tenant, connection) -> CompletableFuture.<RemoteStore>completedFuture(remote);
    library = testKit.spawn(Library.create(Library.entityId("default", libraryId),
        engine(new DiskDavPorts(stores, workspacesRoot(), trash), blocking),
        new Library.Settings(4, 50, temp)));
  }

  protected SyncMode mode() {
    return mode;
  }

  protected void writeLocal(String path, String content) throws IOException {
    Path file = workspace.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }

  protected Map<String, String> localFiles() throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(workspace)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        files.put(workspace.relativize(p).toString().replace('\\', '/'), Files.readString(p));
      }
    }
    return files;
  }

  protected void assertTreesEqual() throws IOException {
    assertEquals(new TreeMap<>(remote.files("lib")), localFiles());
  }

  protected RunSummary syncOk() {
    RunSummary run = sync();
    assertEquals(RunSummary.SUCCEEDED, run.outcome(), "run failed: " + run.reason());
    return run;
  }

  protected RunSummary sync() {
    return awaitRun(startSync());
  }

  protected String startSync() {
    StatusReply<Library.SyncAccepted> accepted = ask(Library.Sync::new);
    return accepted.getValue().runId();
  }

  protected RunSummary awaitRun(String runId) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      StatusReply<LibraryStatus> status = ask(Library.GetStatus::new);
      RunSummary last = status.getValue().lastRun();
      if (status.getValue().activeRun() == null && last != null && last.runId().equals(runId)) return last;
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("run " + runId + " did not finish");
  }

  protected List<ConflictRecord> conflicts() {
    StatusReply<Library.Conflicts> reply = ask(Library.GetConflicts::new);
    return reply.getValue().conflicts();
  }

  protected <T> T ask(akka.japi.function.Function<ActorRef<T>, Library.Command> message) {
    return AskPattern.<Library.Command, T>ask(library, message::apply, Duration.ofSeconds(10), testKit.system().scheduler())
        .toCompletableFuture().join();
  }
}
