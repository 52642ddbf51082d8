package io.ncsync.persistence.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.pattern.StatusReply;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.ConfigFactory;
import io.ncsync.persistence.sync.Discovery;
import io.ncsync.persistence.sync.LocalEntry;
import io.ncsync.persistence.sync.SyncMode;
import io.ncsync.protocol.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The library's schedule, leases and lock expiry on a manual clock: hours pass in a statement, and each decision is
 * taken by the library's own clock, not by waiting.
 */
class LibraryScheduleTest {
  private static final ActorTestKit testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
      .withFallback(PersistenceTestKitSnapshotPlugin.config()).withFallback(ConfigFactory.load()));
  private static final Path WORKSPACES = temporaryFolder();
  private static final Instant CREATED = Instant.parse("2026-11-22T00:00:00Z");
  private static final LibraryConfig CONFIG = new LibraryConfig("default", "sched", "Scheduled", "c1",
      WORKSPACES.resolve("sched").toString(), "sched", SyncMode.BIDIRECTIONAL, CREATED);
  /** The daemon's defaults: incremental every 5 minutes, full hourly, cleanup daily. */
  private static final Library.Schedule DEFAULTS = new Library.Schedule(Duration.ofMinutes(5), Duration.ofHours(1),
      Duration.ofDays(1), Duration.ofDays(30));

  private ManualClock clock;
  private ScriptedSyncEngine io;
  private EventSourcedBehaviorTestKit<Library.Command, Library.Event, LibraryState> kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static Path temporaryFolder() {
    try {
      return Files.createTempDirectory("library-schedule-test").toRealPath();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @BeforeEach
  void setUp() {
    clock = new ManualClock(CREATED.plusSeconds(60));
    io = new ScriptedSyncEngine();
    io.nextDiscovery = CompletableFuture.completedFuture(new Discovery(Map.of(), Map.of(), Map.of()));
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Library.create("default:sched", io,
        new Library.Settings(3, 5, 1, 1 << 20, WORKSPACES).withClock(clock), (tenant, library) -> {}));
    kit.clear();
    kit.<StatusReply<LibraryConfig>>runCommand(replyTo -> new Library.Create(CONFIG, replyTo));
  }

  @Test
  void eachTickDoesWhatIsDueByTheLibrarysClock() {
    assertEquals(RunSummary.SCHEDULE, tick(), "never ran: an incremental run now");
    assertNull(tick(), "ran a moment ago");
    clock.advance(Duration.ofMinutes(4));
    assertNull(tick(), "4 of 5 minutes");
    clock.advance(Duration.ofMinutes(1));
    assertEquals(RunSummary.SCHEDULE, tick());
    assertFalse(io.lastInput.full());

    clock.advance(Duration.ofMinutes(55)); // an hour after the library was made
    assertEquals(RunSummary.FULL_SYNC, tick());
    assertTrue(io.lastInput.full(), "the full sync's discovery lists everything and checks local content");
    assertEquals(clock.instant(), kit.getState().jobs().lastFullSync());
    clock.advance(Duration.ofMinutes(5));
    assertEquals(RunSummary.SCHEDULE, tick(), "the next full sync is an hour after this one");
    assertFalse(io.lastInput.full());

    kit.restart();
    assertEquals(clock.instant().minus(Duration.ofMinutes(5)), kit.getState().jobs().lastFullSync(),
        "the schedule's times are in the journal: a restart does not make a full sync due");
    clock.advance(Duration.ofMinutes(55));
    assertEquals(RunSummary.FULL_SYNC, tick());
  }

  @Test
  void aLibrarysOwnIntervalsWinOverTheDaemons() {
    SettingsPatch own = new SettingsPatch(null, null, null, null, null, null, null, Duration.ofMinutes(30), null, null,
        Duration.ZERO, Duration.ofHours(6), Duration.ofMinutes(15));
    var changed = kit.<StatusReply<Library.SettingsOutcome>>runCommand(r -> new Library.ChangeSettings(own, r));
    LibrarySettings settings = ((Library.SettingsChanged) changed.reply().getValue()).config().settings();
    assertEquals(Duration.ofHours(6), settings.cleanupInterval());
    assertEquals(Duration.ofMinutes(15), settings.retryInterval());

    assertEquals(RunSummary.SCHEDULE, tick());
    clock.advance(Duration.ofMinutes(10));
    assertNull(tick(), "its own 30 minutes, not the daemon's 5");
    clock.advance(Duration.ofHours(2));
    assertEquals(RunSummary.SCHEDULE, tick(), "full sync off for this library: an hour later it is incremental");

    clock.advance(Duration.ofHours(4)); // six hours after creation: its own cleanup is due, not the daemon's daily one
    tick();
    awaitState(s -> s.jobs().lastCleanup() != null);
    assertEquals(clock.instant(), kit.getState().jobs().lastCleanup());
  }

  @Test
  void aLibrarysRetryIntervalIsItsFailedDocumentsFirstWait() {
    DocumentRetry daemon = new DocumentRetry(Duration.ofMinutes(1), Duration.ofHours(6), 8);
    Library.Settings settings = new Library.Settings(3, 5, 1, 1 << 20, WORKSPACES, daemon);
    LibrarySettings own = new SettingsPatch(null, null, null, null, null, null, null, null, null, null, null, null,
        Duration.ofMinutes(15)).applyTo(CONFIG).settings();
    assertEquals(Duration.ofMinutes(1), settings.documentRetry(LibrarySettings.DEFAULTS).first());
    assertEquals(Duration.ofMinutes(15), settings.documentRetry(own).first());
    assertEquals(Duration.ofMinutes(30), settings.documentRetry(own).wait(2), "doubling from there");
    assertEquals(8, settings.documentRetry(own).attempts());
  }

  @Test
  void theCleanupReleasesExpiredLocksGivesUpAStaleRunAndRemovesAbandonedUploads() {
    io.nextDiscovery = CompletableFuture.completedFuture(new Discovery(
        Map.of("a.txt", new LocalEntry("a.txt", false, 4, 1000, "sha-a")), Map.of(), Map.of()));
    assertEquals(RunSummary.SCHEDULE, tick());
    awaitState(s -> s.bases().containsKey("a.txt") && s.activeRun() == null);
    String a = kit.getState().bases().get("a.txt").documentIdOrDerived();
    TestProbe<StatusReply<DocumentLock>> locked = testKit.createTestProbe();
    kit.runCommand(new Library.LockDocument(a, "erp", Duration.ofMinutes(5), locked.ref()));
    assertTrue(locked.receiveMessage().isSuccess());

    io.nextDiscovery = new CompletableFuture<>(); // the next run's discovery never answers
    String hung = kit.<StatusReply<Library.SyncAccepted>>runCommand(Library.Sync::new).reply().getValue().runId();
    io.abandonedUploads = 2;
    clock.advance(Duration.ofMinutes(10));
    assertTrue(kit.getState().lockOf(a, clock.instant()).isEmpty(), "expired, though not yet released");
    assertFalse(kit.getState().locks().isEmpty());
    clock.advance(Duration.ofHours(1)); // the hung run has made no progress for its whole lease

    TestProbe<StatusReply<Library.CleanupReport>> probe = testKit.createTestProbe();
    kit.runCommand(new Library.CleanUp(Duration.ofDays(30), probe.ref()));
    Library.CleanupReport report = probe.receiveMessage().getValue();
    assertEquals(hung, report.staleRun());
    assertEquals(1, report.locksReleased());
    assertEquals(2, report.uploadFoldersRemoved());
    assertEquals(0, report.trashPurged());
    assertTrue(report.describe().contains("1 expired lock(s) released"), report.describe());
    assertTrue(kit.getState().locks().isEmpty());
    LibraryState state = awaitState(s -> s.activeRun() == null);
    assertEquals(hung, state.lastRun().runId());
    assertEquals(RunSummary.FAILED, state.lastRun().outcome());
    assertTrue(state.lastRun().reason().startsWith("stale"), state.lastRun().reason());
    assertEquals(clock.instant(), state.jobs().lastCleanup());
    assertEquals(1, io.uploadCleanups.size());

    kit.runCommand(new Library.CleanUp(Duration.ofDays(30), probe.ref()));
    assertEquals(new Library.CleanupReport(clock.instant(), null, 0, 0, 0, 0), probe.receiveMessage().getValue(),
        "a second cleanup finds nothing left");
  }

  @Test
  void aScheduledRunThatFindsNothingToDoLeavesNoTraceInTheJournal() {
    int created = journal().size();
    assertEquals(RunSummary.SCHEDULE, tick());
    clock.advance(Duration.ofMinutes(5));
    assertEquals(RunSummary.SCHEDULE, tick());
    assertEquals(created, journal().size(), "two idle sweeps, nothing journaled: " + journal());
    LibraryStatus status = status();
    assertEquals(RunSummary.SUCCEEDED, status.lastRun().outcome(), "the status still shows the last sweep");
    assertEquals(clock.instant(), status.lastRun().startedAt());
    assertEquals("idle", status.state());
    clock.advance(Duration.ofMinutes(4));
    assertNull(tick(), "the schedule counts from the unjournaled sweep");

    clock.advance(Duration.ofMinutes(1));
    io.nextDiscovery = CompletableFuture.completedFuture(new Discovery(
        Map.of("new.txt", new LocalEntry("new.txt", false, 4, 1000, "sha-new")), Map.of(), Map.of()));
    assertEquals(RunSummary.SCHEDULE, tick());
    List<Object> events = journal().subList(created, journal().size());
    assertTrue(events.get(0) instanceof Library.RunStarted, "a sweep with work is journaled first: " + events);
    assertTrue(events.stream().anyMatch(e -> e instanceof Library.DocumentSynced), events.toString());
    assertTrue(events.get(events.size() - 1) instanceof Library.RunFinished, events.toString());
    assertEquals(1, kit.getState().history().size());

    io.nextDiscovery = new CompletableFuture<>(); // a sweep that hangs, then fails: journaled like any failed run
    clock.advance(Duration.ofMinutes(5));
    kit.runCommand(new Library.PeriodicSync(DEFAULTS));
    io.nextDiscovery.completeExceptionally(new RuntimeException("server down"));
    LibraryState failed = awaitState(s -> s.history().size() == 2);
    assertEquals(RunSummary.FAILED, failed.lastRun().outcome());
    assertTrue(failed.lastRun().reason().contains("server down"), failed.lastRun().reason());
  }

  private List<Object> journal() {
    return kit.persistenceTestKit().persistedInStorage("Library|default:sched");
  }

  /** Sends the daemon's tick; returns the trigger of the run it started (once that run ended), or null for none. */
  private String tick() {
    int before = io.discoveries.get();
    kit.runCommand(new Library.PeriodicSync(DEFAULTS));
    if (io.discoveries.get() == before) return null;
    return awaitStatus(s -> s.activeRun() == null).lastRun().trigger();
  }

  private LibraryStatus status() {
    return LibraryKits.status(kit);
  }

  private LibraryStatus awaitStatus(Predicate<LibraryStatus> condition) {
    return LibraryKits.awaitStatus(kit, condition);
  }

  /** The state the library's own asynchronous steps (discovery, cleanup) lead to; no time is waited for. */
  private LibraryState awaitState(Predicate<LibraryState> condition) {
    return LibraryKits.awaitState(kit, condition);
  }
}
