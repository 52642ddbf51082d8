package io.ncsync.persistence.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.pattern.StatusReply;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.ConfigFactory;
import io.ncsync.persistence.sync.ActionResult;
import io.ncsync.persistence.sync.FailureClass;
import io.ncsync.persistence.sync.FailureCode;
import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.ChangeFeedPosition;
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.persistence.sync.ConflictState;
import io.ncsync.persistence.sync.ConflictType;
import io.ncsync.persistence.sync.Discovery;
import io.ncsync.persistence.sync.DocumentChange;
import io.ncsync.persistence.sync.DiscoveryInput;
import io.ncsync.persistence.sync.LocalEntry;
import io.ncsync.persistence.sync.SideInfo;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.persistence.sync.SyncMode;
import io.ncsync.persistence.sync.Transfer;
import io.ncsync.protocol.DavEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import io.ncsync.persistence.sync.ConflictStrategy;
import io.ncsync.persistence.sync.LocalDeletions;
import io.ncsync.persistence.sync.RemoteDeletionPolicy;
import io.ncsync.persistence.sync.SyncFilters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LibraryTest {
  private static final ActorTestKit testKit = ActorTestKit.create(
      EventSourcedBehaviorTestKit.config().withFallback(PersistenceTestKitSnapshotPlugin.config()).withFallback(ConfigFactory.load()));

  /** The workspaces root every library here must stay in; {@link #OUTSIDE} is a folder beside it. */
  private static final Path WORKSPACES = temporaryFolder("ws");
  private static final Path OUTSIDE = temporaryFolder("outside");

  private static final LibraryConfig CONFIG =
      new LibraryConfig("default", "lib1", "Library one", "c1", WORKSPACES.resolve("lib1").toString(), "lib1", SyncMode.BIDIRECTIONAL, Instant.parse("2026-11-22T00:00:00Z"));

  private ScriptedSyncEngine io;
  /** The libraries the entity told its tenant to stop listing. */
  private final java.util.concurrent.ConcurrentLinkedQueue<String> removed = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private EventSourcedBehaviorTestKit<Library.Command, Library.Event, LibraryState> kit;

  @AfterAll
  static void shutdown() throws IOException {
    testKit.shutdownTestKit();
    for (Path root : List.of(WORKSPACES, OUTSIDE)) {
      try (var paths = Files.walk(root)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static Path temporaryFolder(String prefix) {
    try {
      return Files.createTempDirectory("library-test-" + prefix).toRealPath();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @BeforeEach
  void setUp() {
    io = new ScriptedSyncEngine();
    // No batching here: each document gets a worker of its own (batches have a test of their own).
    removed.clear();
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Library.create("default:lib1", io,
        new Library.Settings(3, 5, 1, 1 << 20, WORKSPACES), (tenant, library) -> removed.add(tenant + ":" + library)));
    kit.clear();
  }

  @Test
  void createIsIdempotentAndGetAnswersTheConfig() {
    var created = kit.<StatusReply<LibraryConfig>>runCommand(replyTo -> new Library.Create(CONFIG, replyTo));
    assertEquals(CONFIG, created.reply().getValue());
    assertEquals(new Library.LibraryCreated(CONFIG), created.event());
    var again = kit.<StatusReply<LibraryConfig>>runCommand(replyTo -> new Library.Create(CONFIG, replyTo));
    assertTrue(again.reply().isSuccess());
    assertTrue(again.events().isEmpty());
    LibraryConfig other = new LibraryConfig("default", "lib1", "Other", "c1", "/x", "y", SyncMode.BIDIRECTIONAL, CONFIG.createdAt());
    assertTrue(kit.<StatusReply<LibraryConfig>>runCommand(replyTo -> new Library.Create(other, replyTo)).reply().isError());
    assertEquals(CONFIG, kit.<StatusReply<LibraryConfig>>runCommand(Library.Get::new).reply().getValue());
  }

  @Test
  void aLocalRootOutsideTheWorkspacesRootIsRefusedAndNothingPersisted() {
    assertCreateRefused(OUTSIDE.resolve("lib1").toString(), "is not inside the workspaces root " + WORKSPACES);
    assertCreateRefused(WORKSPACES.toString(), "is not inside the workspaces root");
    assertCreateRefused("relative/lib1", "is not an absolute path");
  }

  @Test
  void aLocalRootWithDotDotIsRefused() {
    assertCreateRefused(WORKSPACES + "/lib1/../../" + OUTSIDE.getFileName() + "/lib1", "contains '..'");
    assertCreateRefused(WORKSPACES + "/lib1/../lib2", "contains '..'");
  }

  @Test
  void aLocalRootLeadingOutThroughASymlinkIsRefused() throws IOException {
    Path link = Files.createSymbolicLink(WORKSPACES.resolve("escape"), OUTSIDE);
    try {
      assertCreateRefused(link.toString(), "through a symbolic link");
      assertCreateRefused(link.resolve("lib1").toString(), "through a symbolic link");
    } finally {
      Files.delete(link);
    }
  }

  @Test
  void aLocalRootThroughADanglingSymlinkIsRefused() throws IOException {
    Path link = Files.createSymbolicLink(WORKSPACES.resolve("dangling"), OUTSIDE.resolve("not-yet"));
    try {
      assertCreateRefused(link.resolve("lib1").toString(), "cannot be resolved");
    } finally {
      Files.delete(link);
    }
  }

  @Test
  void aLibraryWhoseRootWasSwappedForASymlinkOutRefusesToSync() throws IOException {
    Path root = Files.createDirectories(WORKSPACES.resolve("swapped"));
    LibraryConfig config = new LibraryConfig("default", "lib1", "Swapped", "c1", root.toString(), "lib1", SyncMode.BIDIRECTIONAL,
        CONFIG.createdAt());
    assertTrue(kit.<StatusReply<LibraryConfig>>runCommand(replyTo -> new Library.Create(config, replyTo)).reply().isSuccess());
    Files.delete(root);
    Files.createSymbolicLink(root, OUTSIDE);
    try {
      var refused = kit.<StatusReply<Library.SyncAccepted>>runCommand(Library.Sync::new);
      assertTrue(refused.reply().getError().getMessage().contains("through a symbolic link"), refused.reply().getError().getMessage());
      assertTrue(refused.events().isEmpty());
    } finally {
      Files.delete(root);
    }
  }

  private void assertCreateRefused(String localRoot, String reason) {
    LibraryConfig config = new LibraryConfig("default", "lib1", "Library one", "c1", localRoot, "lib1", SyncMode.BIDIRECTIONAL,
        CONFIG.createdAt());
    var result = kit.<StatusReply<LibraryConfig>>runCommand(replyTo -> new Library.Create(config, replyTo));
    assertTrue(result.reply().isError(), localRoot + " must be refused");
    assertTrue(result.reply().getError().getMessage().contains(reason), result.reply().getError().getMessage());
    assertTrue(result.events().isEmpty(), "nothing persisted for " + localRoot);
    assertFalse(kit.getState().created());
  }

  @Test
  void aLibraryOfTheDefaultTenantMayNotUseTheOtherTenantsFolder() {
    assertCreateRefused(WORKSPACES.resolve("tenants/acme/lib1").toString(), "holds other tenants' folders");
  }

  @Test
  void aLibraryOfAnotherTenantStaysInThatTenantsFolder() {
    var acme = EventSourcedBehaviorTestKit.<Library.Command, Library.Event, LibraryState>create(testKit.system(),
        Library.create("acme:lib1", io, new Library.Settings(3, 5, 1, 1 << 20, WORKSPACES)));
    LibraryConfig inDefaultFolder = new LibraryConfig("acme", "lib1", "n", "c1", WORKSPACES.resolve("lib1").toString(),
        "lib1", SyncMode.BIDIRECTIONAL, CONFIG.createdAt());
    var refused = acme.<StatusReply<LibraryConfig>>runCommand(replyTo -> new Library.Create(inDefaultFolder, replyTo));
    assertTrue(refused.reply().getError().getMessage().contains("is not inside the workspaces root "
        + WORKSPACES.resolve("tenants/acme")), refused.reply().getError().getMessage());
    LibraryConfig inItsFolder = new LibraryConfig("acme", "lib1", "n", "c1",
        WORKSPACES.resolve("tenants/acme/lib1").toString(), "lib1", SyncMode.BIDIRECTIONAL, CONFIG.createdAt());
    assertTrue(acme.<StatusReply<LibraryConfig>>runCommand(replyTo -> new Library.Create(inItsFolder, replyTo)).reply().isSuccess());
  }

  @Test
  void commandsOnAnUnknownLibraryAreRefused() {
    assertEquals("unknown library", kit.<StatusReply<Library.SyncAccepted>>runCommand(Library.Sync::new).reply().getError().getMessage());
    assertTrue(kit.<StatusReply<LibraryStatus>>runCommand(Library.GetStatus::new).reply().isError());
  }

  @Test
  void aRunExecutesThePlanAndPersistsEveryOutcome() {
    create();
    io.nextDiscovery.complete(discovery(Map.of("a.txt", localFile("a.txt")), Map.of("b.txt", remoteFile("b.txt", "eb"))));
    String runId = sync().runId();
    LibraryStatus status = awaitStatus(s -> s.activeRun() == null);
    assertEquals(runId, status.lastRun().runId());
    assertEquals(RunSummary.SUCCEEDED, status.lastRun().outcome());
    assertEquals(1, status.lastRun().uploaded());
    assertEquals(1, status.lastRun().downloaded());
    assertEquals(2, status.counts().synced());
    assertEquals("idle", status.state());
    assertEquals(Map.of("a.txt", "etag-a.txt", "b.txt", "eb"),
        Map.of("a.txt", kit.getState().bases().get("a.txt").etag(), "b.txt", kit.getState().bases().get("b.txt").etag()));
  }

  @Test
  void settingsChangeAsAnEventAndSurviveARestart() {
    create();
    SettingsPatch patch = new SettingsPatch(SyncMode.REMOTE_TO_LOCAL, ConflictStrategy.KEEP_LOCAL, RemoteDeletionPolicy.ORPHAN,
        LocalDeletions.IGNORE, new SyncFilters(List.of("*.pdf"), List.of("tmp"), List.of(), null, null, 1000L), null, 20,
        Duration.ofMinutes(15), null);
    var result = kit.<StatusReply<Library.SettingsOutcome>>runCommand(replyTo -> new Library.ChangeSettings(patch, replyTo));
    LibraryConfig changed = ((Library.SettingsChanged) result.reply().getValue()).config();
    assertEquals(SyncMode.REMOTE_TO_LOCAL, changed.mode());
    assertEquals(ConflictStrategy.KEEP_LOCAL, changed.settings().conflictStrategy());
    assertEquals(20, changed.settings().deletionGuardPercent());
    assertEquals(RemoteDeletionPolicy.ORPHAN, changed.settings().remoteDeletionPolicy());
    assertTrue(changed.settings().isEnabled(), "untouched fields keep their value");
    assertTrue(result.event() instanceof Library.LibrarySettingsChanged);
    kit.restart();
    assertEquals(changed, kit.<StatusReply<LibraryConfig>>runCommand(Library.Get::new).reply().getValue());
  }

  @Test
  void anInvalidSettingIsRefusedNamingItAndNothingIsPersisted() {
    create();
    SettingsPatch archiveWithoutFolder =
        new SettingsPatch(null, null, RemoteDeletionPolicy.ARCHIVE, null, null, null, null, null, null);
    var result = kit.<StatusReply<Library.SettingsOutcome>>runCommand(
        replyTo -> new Library.ChangeSettings(archiveWithoutFolder, replyTo));
    Library.SettingsRefused refused = (Library.SettingsRefused) result.reply().getValue();
    assertTrue(refused.reason().contains("archiveFolder"), refused.reason());
    assertTrue(result.events().isEmpty());
    assertEquals(CONFIG, kit.getState().config());
  }

  @Test
  void aDisabledLibraryRefusesToSyncAndSaysSo() {
    create();
    kit.<StatusReply<Library.SettingsOutcome>>runCommand(replyTo -> new Library.ChangeSettings(
        new SettingsPatch(null, null, null, null, null, false, null, null, null), replyTo));
    var refused = kit.<StatusReply<Library.SyncAccepted>>runCommand(Library.Sync::new).reply();
    assertTrue(refused.isError());
    assertTrue(refused.getError().getMessage().contains("disabled"), refused.getError().getMessage());
    kit.runCommand(new Library.PeriodicSync(Duration.ofSeconds(1)));
    assertNull(status().activeRun(), "no scheduled run either");
    assertNull(io.lastInput, "nothing was looked at");
    assertEquals("disabled", status().state());
  }

  @Test
  void aPeriodicTickStartsARunOnlyOnceTheIntervalHasPassed() {
    create();
    kit.runCommand(new Library.PeriodicSync(Duration.ZERO));
    assertNull(status().activeRun(), "zero: no periodic runs");
    kit.runCommand(new Library.PeriodicSync(Duration.ofHours(1)));
    assertEquals(RunSummary.SCHEDULE, status().activeRun().trigger(), "never ran: runs now");
    io.nextDiscovery.complete(discovery(Map.of(), Map.of()));
    String first = awaitStatus(s -> s.activeRun() == null).lastRun().runId();
    io.nextDiscovery = new CompletableFuture<>();
    kit.runCommand(new Library.PeriodicSync(Duration.ofHours(1)));
    assertNull(status().activeRun(), "ran a moment ago");
    kit.<StatusReply<Library.SettingsOutcome>>runCommand(replyTo -> new Library.ChangeSettings(
        new SettingsPatch(null, null, null, null, null, null, null, Duration.ofMillis(1), null), replyTo));
    kit.runCommand(new Library.PeriodicSync(Duration.ofHours(1)));
    assertNotEquals(first, status().activeRun().runId(), "the library's own interval wins over the daemon's");
    io.nextDiscovery.complete(discovery(Map.of(), Map.of()));
    awaitStatus(s -> s.activeRun() == null); // no run may outlive the test and write into the next one's journal
  }

  @Test
  void detachKeepRemovesAtOnceForGoodAndTellsTheTenantAgainAfterARestart() {
    create();
    var result = kit.<StatusReply<Library.DetachAccepted>>runCommand(replyTo -> new Library.Detach(Removal.Detach.KEEP, replyTo));
    assertTrue(result.reply().getValue().removed());
    assertTrue(result.event() instanceof Library.LibraryRemoved);
    assertEquals(List.of("default:lib1"), List.copyOf(removed));
    assertTrue(kit.<StatusReply<Library.SyncAccepted>>runCommand(Library.Sync::new).reply().isError(), "a removed library never syncs");
    kit.runCommand(new Library.PeriodicSync(Duration.ofSeconds(1)));
    assertNull(status().activeRun(), "no scheduled run either");
    assertTrue(kit.<StatusReply<LibraryConfig>>runCommand(replyTo -> new Library.Create(CONFIG, replyTo)).events().isEmpty(),
        "its id is not reused");
    kit.restart();
    assertEquals("removed", status().state(), "the journal keeps it, marked removed");
    assertEquals(List.of("default:lib1", "default:lib1"), List.copyOf(removed), "recovery tells the tenant again");
  }

  @Test
  void detachDownloadRunsRemoteToLocalAndRemovesOnlyWhenItSucceeded() {
    create();
    io.nextDiscovery.complete(discovery(Map.of(), Map.of("b.txt", remoteFile("b.txt", "eb"))));
    io.actions = action -> java.util.concurrent.CompletableFuture.completedFuture(
        ActionResult.failed(action.path(), FailureCode.SERVER_ERROR, "the server is down"));
    var accepted = kit.<StatusReply<Library.DetachAccepted>>runCommand(replyTo -> new Library.Detach(Removal.Detach.DOWNLOAD, replyTo));
    assertFalse(accepted.reply().getValue().removed());
    LibraryStatus failed = awaitStatus(s -> s.activeRun() == null);
    assertEquals(RunSummary.FAILED, failed.lastRun().outcome());
    assertEquals("detaching", failed.state(), "a failed download keeps the library, still detaching");
    assertTrue(removed.isEmpty());

    io.nextDiscovery = java.util.concurrent.CompletableFuture.completedFuture(
        discovery(Map.of(), Map.of("b.txt", remoteFile("b.txt", "eb"))));
    io.actions = action -> java.util.concurrent.CompletableFuture.completedFuture(ScriptedSyncEngine.succeed(action));
    assertTrue(kit.runCommand(new Library.PeriodicSync(Duration.ZERO)).events().isEmpty(),
        "the periodic tick backs off after a failed reverse sync");
    var retried = kit.<StatusReply<Library.DetachAccepted>>runCommand(replyTo -> new Library.Detach(Removal.Detach.DOWNLOAD, replyTo));
    assertTrue(retried.events().stream().anyMatch(e -> e instanceof Library.RunStarted), "asking again retries at once");
    awaitState(LibraryState::isRemoved);
    assertEquals(List.of("default:lib1"), List.copyOf(removed));
    assertTrue(io.lastConfig.mode() == SyncMode.REMOTE_TO_LOCAL, "the reverse sync runs remote to local");
  }

  @Test
  void aSecondSyncWhileRunningAnswersTheActiveRun() {
    create();
    String first = sync().runId();
    Library.SyncAccepted second = kit.<StatusReply<Library.SyncAccepted>>runCommand(Library.Sync::new).reply().getValue();
    assertFalse(second.started());
    assertEquals(first, second.activeRunId());
    assertNotEquals(first, second.runId(), "a run is queued to follow the active one");
    assertEquals("scanning", status().state(), "discovery has not answered yet");
    Library.SyncAccepted third = kit.<StatusReply<Library.SyncAccepted>>runCommand(Library.Sync::new).reply().getValue();
    assertEquals(second.runId(), third.runId(), "triggers during a run collapse into one queued run");

    io.nextDiscovery.complete(discovery(Map.of(), Map.of()));

    awaitState(s -> s.history().size() == 2 && s.activeRun() == null);
    assertEquals(List.of(first, second.runId()), kit.getState().history().stream().map(RunSummary::runId).toList());
  }

  @Test
  void anEmptyRemoteListingForALibraryWithFilesDeletesNothing() {
    create();
    io.nextDiscovery.complete(discovery(Map.of("a.txt", localFile("a.txt")), Map.of()));
    sync();
    awaitStatus(s -> s.activeRun() == null);
    io.executed.clear();
    io.nextDiscovery = CompletableFuture.completedFuture(discovery(Map.of("a.txt", localFile("a.txt")), Map.of()));
    sync();
    LibraryStatus status = awaitStatus(s -> s.activeRun() == null && s.lastRun().outcome().equals(RunSummary.FAILED));
    assertTrue(status.lastRun().reason().contains("listed empty"), status.lastRun().reason());
    assertTrue(io.executed.isEmpty(), "nothing may be executed: " + io.executedPaths());
    assertEquals("guarded", status.state(), "the deletions wait for the operator");
    assertEquals(1, status.guard().files());
    assertEquals(1, status.counts().synced());
  }

  @Test
  void aFailedDiscoveryChangesNothingAndSaysWhy() {
    create();
    io.nextDiscovery.completeExceptionally(new IllegalStateException("PROPFIND lib1: 503"));
    sync();
    LibraryStatus status = awaitStatus(s -> s.activeRun() == null);
    assertEquals(RunSummary.FAILED, status.lastRun().outcome());
    assertTrue(status.lastRun().reason().contains("PROPFIND lib1: 503"));
  }

  @Test
  void failuresAndConflictsAreRecordedAndCounted() {
    create();
    ConflictRecord conflict = ConflictRecord.open("c.txt", ConflictType.BOTH_ADDED,
        new SideInfo(1, 1, null, "x"), new SideInfo(2, 2, "e", "y"), Instant.now(), "r");
    io.actions = a -> CompletableFuture.completedFuture(a.path().equals("c.txt")
        ? ActionResult.conflict("c.txt", conflict)
        : ActionResult.failed(a.path(), FailureCode.FORBIDDEN, "403 no permission"));
    io.nextDiscovery.complete(discovery(Map.of("c.txt", localFile("c.txt"), "f.txt", localFile("f.txt")),
        Map.of("c.txt", remoteFile("c.txt", "e"))));
    sync();
    LibraryStatus status = awaitStatus(s -> s.activeRun() == null);
    assertEquals(RunSummary.FAILED, status.lastRun().outcome());
    assertEquals(1, status.lastRun().conflicts());
    assertEquals(1, status.lastRun().failed());
    assertEquals(1, status.counts().conflict());
    assertEquals(1, status.counts().failed());
    assertEquals(List.of("f.txt"), status.failures().stream().map(FailureRecord::path).toList());
    assertEquals("403 no permission", status.failures().get(0).reason());
    assertEquals(FailureCode.FORBIDDEN, status.failures().get(0).code());
    assertTrue(status.lastRun().reason().contains("f.txt: 403 no permission"), status.lastRun().reason());
    List<ConflictRecord> conflicts = kit.<StatusReply<Library.Conflicts>>runCommand(Library.GetConflicts::new).reply().getValue().conflicts();
    assertEquals(List.of(conflict), conflicts);
  }

  @Test
  void aConflictResolvedOnRequestIsCarriedOutByTheNextRunAndEveryStepSurvivesSerialization() {
    create();
    LocalEntry edited = localFile("c.txt");
    ConflictRecord open = ConflictRecord.open("c.txt", ConflictType.DELETED_REMOTELY, ConflictRecord.sideOf(edited, "sha"),
        null, Instant.parse("2026-12-01T10:00:00Z"), "r1");
    io.actions = a -> CompletableFuture.completedFuture(ActionResult.conflict("c.txt", open));
    io.nextDiscovery.complete(discovery(Map.of("c.txt", edited), Map.of()));
    sync();
    assertEquals(1, awaitStatus(s -> s.activeRun() == null).counts().conflict());
    assertEquals(open, kit.getState().conflicts().get("c.txt"));

    var requested = kit.<StatusReply<Library.ResolveOutcome>>runCommand(
        replyTo -> new Library.ResolveConflict(open.id(), ConflictStrategy.KEEP_LOCAL, "operator", replyTo));
    var accepted = (Library.ResolutionAccepted) requested.reply().getValue();
    assertEquals(ConflictState.RESOLVING, accepted.conflict().state());
    var event = (Library.ConflictResolutionRequested) requested.event();
    assertEquals(List.of(open.id(), ConflictStrategy.KEEP_LOCAL, "operator"), List.of(event.conflictId(), event.strategy(), event.by()));
    assertEquals(0, status().counts().conflict(), "no longer open");
    var twice = kit.<StatusReply<Library.ResolveOutcome>>runCommand(
        replyTo -> new Library.ResolveConflict(open.id(), ConflictStrategy.KEEP_BOTH, "operator", replyTo));
    assertEquals(Library.Refusal.ALREADY_RESOLVED, ((Library.ResolutionRefused) twice.reply().getValue()).refusal());
    assertTrue(twice.events().isEmpty());

    // The next run plans the operator's choice for the unchanged sides; its result ends the conflict.
    io.nextDiscovery = new CompletableFuture<>();
    io.actions = a -> CompletableFuture.completedFuture(ActionResult.of("c.txt", new DocumentChange.BaseRecorded(
        new BaseEntry("c.txt", false, "id", "e9", 4, 1000, "sha"), Transfer.UPLOADED)).withConflict(
            ((SyncAction.SettleConflict) a).record().resolved(ConflictStrategy.KEEP_LOCAL, "operator", Instant.now())));
    io.nextDiscovery.complete(discovery(Map.of("c.txt", edited), Map.of()));
    io.executed.clear();
    sync();
    awaitStatus(s -> s.activeRun() == null);
    SyncAction.SettleConflict carried = (SyncAction.SettleConflict) io.executed.peek();
    assertEquals(ConflictStrategy.KEEP_LOCAL, carried.strategy());
    assertTrue(kit.getState().conflicts().isEmpty());
    ConflictRecord resolved = kit.getState().resolvedConflicts().get(0);
    assertEquals(List.of(open.id(), ConflictState.RESOLVED, "operator"), List.of(resolved.id(), resolved.state(), resolved.resolvedBy()));
    assertEquals(0, status().lastRun().conflicts(), "ending a conflict on record is not a new one");

    kit.restart();
    assertEquals(List.of(resolved), kit.getState().resolvedConflicts(), "recovered from the journal");
  }

  @Test
  void aConflictRecordFromAnOlderJournalGetsAStableIdAndKeepBothCountsAsResolved() {
    ConflictRecord keptBoth = new ConflictRecord("c.txt", ConflictType.BOTH_MODIFIED, "c (conflicted copy).txt",
        new SideInfo(1, 1, null, "x"), new SideInfo(2, 2, "e", "y"), Instant.parse("2026-01-01T00:00:00Z"), "r");
    assertEquals(keptBoth.id(), new ConflictRecord("c.txt", ConflictType.BOTH_MODIFIED, "c (conflicted copy).txt",
        new SideInfo(1, 1, null, "x"), new SideInfo(2, 2, "e", "y"), Instant.parse("2026-01-01T00:00:00Z"), "r").id());
    assertEquals(ConflictState.RESOLVED, keptBoth.state());
    assertEquals(ConflictStrategy.KEEP_BOTH, keptBoth.strategy());
    ConflictRecord oneWay = new ConflictRecord("d.txt", ConflictType.BOTH_MODIFIED, null,
        new SideInfo(1, 1, null, "x"), new SideInfo(2, 2, "e", "y"), Instant.parse("2026-01-01T00:00:00Z"), "r");
    assertEquals(ConflictState.OPEN, oneWay.state());
    assertEquals(ConflictStrategy.MANUAL, oneWay.strategy());

    create();
    LibraryState replayed = kit.getState().conflictRaised(keptBoth).conflictRaised(oneWay);
    assertEquals(List.of(keptBoth), replayed.resolvedConflicts());
    assertEquals(Map.of("d.txt", oneWay), replayed.conflicts());
  }

  @Test
  void aWorkerThatThrowsBecomesADocumentFailureNotAStuckRun() {
    create();
    io.actions = a -> { throw new IllegalStateException("boom"); };
    io.nextDiscovery.complete(discovery(Map.of("a.txt", localFile("a.txt")), Map.of()));
    sync();
    LibraryStatus status = awaitStatus(s -> s.activeRun() == null);
    assertEquals(1, status.lastRun().failed());
    assertTrue(kit.getState().failures().get("a.txt").reason().contains("boom"));
  }

  @Test
  void foldersAreCreatedBeforeFilesAreTransferred() {
    create();
    Map<String, LocalEntry> local = new HashMap<>();
    local.put("d", LocalEntry.folder("d"));
    local.put("d/e", LocalEntry.folder("d/e"));
    local.put("d/e/x.txt", localFile("d/e/x.txt"));
    local.put("d/y.txt", localFile("d/y.txt"));
    io.nextDiscovery.complete(discovery(local, Map.of()));
    sync();
    awaitStatus(s -> s.activeRun() == null);
    List<String> order = io.executedPaths();
    assertEquals(List.of("d", "d/e"), order.subList(0, 2));
    assertEquals(4, order.size());
  }

  @Test
  void recoversItsStateFromTheJournalAndSnapshots() {
    create();
    Map<String, LocalEntry> local = new HashMap<>();
    for (int i = 0; i < 12; i++) local.put("f" + i, localFile("f" + i)); // > snapshotEvery events
    io.nextDiscovery.complete(discovery(local, Map.of()));
    sync();
    awaitStatus(s -> s.activeRun() == null);
    LibraryState before = kit.getState();
    kit.restart();
    LibraryState after = kit.getState();
    assertEquals(before.bases(), after.bases());
    assertEquals(before.history(), after.history());
    assertEquals(12, status().counts().synced());
  }

  @Test
  void aMoveIsOneEventThatReKeysTheBaseAndSurvivesRecovery() {
    create();
    io.nextDiscovery.complete(discovery(Map.of("a.txt", localFile("a.txt")), Map.of()));
    sync();
    awaitStatus(s -> s.activeRun() == null);
    BaseEntry uploaded = kit.getState().bases().get("a.txt");
    // The server renamed the file: its file id is listed under the new name, with the same ETag.
    io.nextDiscovery = new CompletableFuture<>();
    io.nextDiscovery.complete(discovery(Map.of("a.txt", localFile("a.txt")),
        Map.of("b.txt", new DavEntry("b.txt", false, uploaded.etag(), 4, null, uploaded.fileId(), null, null))));
    sync();
    awaitStatus(s -> s.activeRun() == null && RunSummary.SUCCEEDED.equals(s.lastRun().outcome()));

    assertTrue(io.executed.stream().anyMatch(a -> a.equals(new SyncAction.MoveLocal("a.txt", "b.txt", "a.txt", false))),
        () -> "executed: " + io.executed);
    assertEquals(uploaded.at("b.txt"), kit.getState().bases().get("b.txt"));
    assertFalse(kit.getState().bases().containsKey("a.txt"));
    assertEquals(1, kit.getState().fileCount());
    LibraryState before = kit.getState();
    kit.restart();
    assertEquals(before.bases(), kit.getState().bases());
  }

  @Test
  void aRunInterruptedByACrashIsClosedAfterRecoveryAndANewRunCanStart() {
    create();
    String crashed = sync().runId(); // discovery never completes: the "daemon dies" mid-run
    kit.restart();
    LibraryStatus status = awaitStatus(s -> s.activeRun() == null && s.lastRun() != null);
    assertEquals(crashed, status.lastRun().runId());
    assertEquals(RunSummary.INTERRUPTED, status.lastRun().outcome());
    io.nextDiscovery = CompletableFuture.completedFuture(discovery(Map.of(), Map.of()));
    Library.SyncAccepted next = sync();
    assertTrue(next.started());
    assertEquals(RunSummary.SUCCEEDED, awaitStatus(s -> s.activeRun() == null && s.lastRun().runId().equals(next.runId())).lastRun().outcome());
  }

  @Test
  void withRunsUnaskedANewLibraryRunsAtOnceAndARunCutShortResumesAfterRecovery() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Library.create("default:lib1", io,
        new Library.Settings(3, 5, 1, 1 << 20, WORKSPACES).withRunsUnasked(true), (tenant, library) -> {}));
    kit.clear();
    create(); // discovery never completes: the "daemon dies" during the first run
    LibraryStatus first = awaitStatus(s -> s.activeRun() != null);
    assertEquals(RunSummary.CREATED, first.activeRun().trigger());

    io.nextDiscovery = CompletableFuture.completedFuture(discovery(Map.of(), Map.of()));
    kit.restart();
    LibraryStatus resumed = awaitStatus(s -> s.activeRun() == null && s.lastRun() != null
        && !s.lastRun().runId().equals(first.activeRun().runId()));
    assertEquals(RunSummary.RESUMED, resumed.lastRun().trigger());
    assertEquals(RunSummary.SUCCEEDED, resumed.lastRun().outcome());
    assertTrue(kit.getState().history().stream().anyMatch(r -> r.runId().equals(first.activeRun().runId())
        && RunSummary.INTERRUPTED.equals(r.outcome())), "the cut run is closed as interrupted");
  }

  @Test
  void withRunsUnaskedARunAShutdownClosedAsInterruptedResumesAfterRecovery() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Library.create("default:lib1", io,
        new Library.Settings(3, 5, 1, 1 << 20, WORKSPACES).withRunsUnasked(true), (tenant, library) -> {}));
    kit.clear();
    CompletableFuture<ActionResult> held = new CompletableFuture<>();
    io.actions = a -> held;
    io.nextDiscovery.complete(discovery(Map.of("a.txt", localFile("a.txt")), Map.of()));
    create();
    String cut = awaitStatus(s -> s.activeRun() != null && io.executed.size() == 1).activeRun().runId();
    kit.runCommand(new Library.Stop());
    io.actions = a -> CompletableFuture.completedFuture(ScriptedSyncEngine.succeed(a));
    held.complete(ActionResult.skipped("a.txt"));

    kit.restart();
    LibraryStatus resumed = awaitStatus(s -> s.activeRun() == null && s.lastRun() != null
        && !s.lastRun().runId().equals(cut));
    assertEquals(RunSummary.RESUMED, resumed.lastRun().trigger());
    assertTrue(kit.getState().history().stream().anyMatch(r -> r.runId().equals(cut)
        && RunSummary.INTERRUPTED.equals(r.outcome())), "the shutdown closed it as interrupted");
  }

  @Test
  void localChangesSeenByTheWatchStartOneRunAndTheWatchFollowsTheSettings() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Library.create("default:lib1", io,
        new Library.Settings(3, 5, 1, 1 << 20, WORKSPACES).withRunsUnasked(true), (tenant, library) -> {}));
    kit.clear();
    io.nextDiscovery = CompletableFuture.completedFuture(discovery(Map.of(), Map.of()));
    create();
    String created = awaitStatus(s -> s.activeRun() == null && s.lastRun() != null).lastRun().runId();
    assertEquals("watching", status().localWatch());
    assertNotNull(io.watchListener, "the workspace is watched");

    for (int i = 0; i < 5; i++) io.watchListener.changed(); // one save touching several files
    LibraryStatus afterChange = awaitStatus(s -> s.activeRun() == null && !s.lastRun().runId().equals(created));
    assertEquals(RunSummary.LOCAL_CHANGE, afterChange.lastRun().trigger());
    assertEquals(2, kit.getState().history().size(), "five changes, one run: " + kit.getState().history());

    SettingsPatch toRemoteOnly = new SettingsPatch(SyncMode.REMOTE_TO_LOCAL, null, null, null, null, null, null, null, null);
    kit.<StatusReply<Library.SettingsOutcome>>runCommand(r -> new Library.ChangeSettings(toRemoteOnly, r));
    assertEquals("off", status().localWatch(), "a remote-to-local library does not watch its local side");
    assertEquals(1, io.watchesClosed.get());
    SettingsPatch back = new SettingsPatch(SyncMode.BIDIRECTIONAL, null, null, null, null, null, null, null, null);
    kit.<StatusReply<Library.SettingsOutcome>>runCommand(r -> new Library.ChangeSettings(back, r));
    assertEquals("watching", status().localWatch());
  }

  private StatusReply<DocumentLock> lock(String documentId, String owner, Duration ttl) {
    return kit.<StatusReply<DocumentLock>>runCommand(r -> new Library.LockDocument(documentId, owner, ttl, r)).reply();
  }

  private StatusReply<DocumentLock> unlock(String documentId) {
    return kit.<StatusReply<DocumentLock>>runCommand(r -> new Library.UnlockDocument(documentId, r)).reply();
  }

  /** A lock taken through the pipe to the server answers after the command: await the reply. */
  private StatusReply<DocumentLock> lockAwaited(String documentId, String owner, Duration ttl) {
    TestProbe<StatusReply<DocumentLock>> probe = testKit.createTestProbe();
    kit.runCommand(new Library.LockDocument(documentId, owner, ttl, probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(5));
  }

  @Test
  void aLockedDocumentIsLeftAloneOnBothSidesUntilItsLockEnds() {
    create();
    io.nextDiscovery.complete(discovery(Map.of("a.txt", localFile("a.txt"), "b.txt", localFile("b.txt")), Map.of()));
    sync();
    awaitStatus(s -> s.activeRun() == null && s.counts().synced() == 2);
    String a = kit.getState().bases().get("a.txt").documentIdOrDerived();
    io.serverLocks = path -> CompletableFuture.completedFuture(true); // a server with files_lock

    DocumentLock held = lockAwaited(a, "erp-user-7", Duration.ofMinutes(5)).getValue();
    assertEquals("a.txt", held.path());
    assertTrue(held.onServer());
    assertEquals(List.of("lock a.txt"), List.copyOf(io.serverLockCalls));
    assertTrue(lock(a, "someone-else", Duration.ofMinutes(5)).getError().getMessage().startsWith("locked by erp-user-7"));
    DocumentLock renewed = lock(a, "erp-user-7", Duration.ofMinutes(10)).getValue();
    assertTrue(renewed.expiresAt().isAfter(held.expiresAt()), "the same owner renews it");
    assertEquals(1, io.serverLockCalls.size(), "a renewal does not ask the server again");
    assertEquals("unknown document: nope", lockAwaitedError("nope"));

    // Both files changed locally: only the unlocked one moves.
    Map<String, io.ncsync.persistence.sync.LocalEntry> changed = Map.of(
        "a.txt", new io.ncsync.persistence.sync.LocalEntry("a.txt", false, 9, 2000, "sha-a2"),
        "b.txt", new io.ncsync.persistence.sync.LocalEntry("b.txt", false, 9, 2000, "sha-b2"));
    Map<String, DavEntry> remote = Map.of("a.txt", remoteFile("a.txt", "etag-a.txt"), "b.txt", remoteFile("b.txt", "etag-b.txt"));
    io.executed.clear();
    io.nextDiscovery = CompletableFuture.completedFuture(discovery(changed, remote));
    sync();
    awaitStatus(s -> s.activeRun() == null && io.executed.size() == 1);
    assertEquals(List.of("b.txt"), io.executed.stream().map(SyncAction::path).toList());
    var documents = kit.<StatusReply<Library.DocumentPage>>runCommand(r -> new Library.GetDocument(a, r)).reply().getValue();
    assertEquals(DocumentStatus.LOCKED, documents.documents().get(0).status());
    assertTrue(documents.documents().get(0).reason().contains("erp-user-7"), documents.toString());

    assertEquals("erp-user-7", unlock(a).getValue().owner());
    assertTrue(io.serverLockCalls.contains("unlock a.txt"), "the server's lock goes with it");
    assertEquals("not locked: " + a, unlock(a).getError().getMessage());
    io.executed.clear();
    sync();
    awaitStatus(s -> s.activeRun() == null && io.executed.size() == 1);
    assertEquals(List.of("a.txt"), io.executed.stream().map(SyncAction::path).toList(), "its change went once free");
  }

  private String lockAwaitedError(String documentId) {
    return lock(documentId, "x", Duration.ofMinutes(1)).getError().getMessage();
  }

  @Test
  void aFileLockedOnTheServerBySomeoneElseIsNotLockedHere() {
    create();
    io.nextDiscovery.complete(discovery(Map.of("a.txt", localFile("a.txt")), Map.of()));
    sync();
    awaitStatus(s -> s.activeRun() == null && s.counts().synced() == 1);
    String a = kit.getState().bases().get("a.txt").documentIdOrDerived();
    io.serverLocks = path -> CompletableFuture.failedFuture(new RuntimeException("File is locked by bob"));
    StatusReply<DocumentLock> refused = lockAwaited(a, "erp", Duration.ofMinutes(1));
    assertTrue(refused.getError().getMessage().contains("locked on the server: File is locked by bob"),
        refused.getError().getMessage());
    assertTrue(kit.getState().locks().isEmpty());
  }

  @Test
  void anExpiredLockIsReleasedByTheLibraryAndSurvivesNoRestart() {
    create();
    io.nextDiscovery.complete(discovery(Map.of("a.txt", localFile("a.txt")), Map.of()));
    sync();
    awaitStatus(s -> s.activeRun() == null && s.counts().synced() == 1);
    String a = kit.getState().bases().get("a.txt").documentIdOrDerived();
    io.serverLocks = path -> CompletableFuture.completedFuture(true);
    assertTrue(lockAwaited(a, "erp", Duration.ofMinutes(5)).isSuccess());
    kit.restart();
    assertEquals("erp", kit.getState().locks().get(a).owner(), "a lock survives a restart");

    assertTrue(lock(a, "erp", Duration.ofMillis(300)).isSuccess()); // renewed to end at once
    awaitState(s -> s.locks().isEmpty());
    assertTrue(io.serverLockCalls.contains("unlock a.txt"), "the server's lock is released with it");
  }

  @Test
  void changesSeenOnTheServerStartARunAndOnlySourceSidesAreWatched() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Library.create("default:lib1", io,
        new Library.Settings(3, 5, 1, 1 << 20, WORKSPACES).withRunsUnasked(true), (tenant, library) -> {}));
    kit.clear();
    io.nextDiscovery = CompletableFuture.completedFuture(discovery(Map.of(), Map.of()));
    create();
    String created = awaitStatus(s -> s.activeRun() == null && s.lastRun() != null).lastRun().runId();
    assertEquals("notify_push", status().remoteWatch());

    io.remoteListener.changed();
    LibraryStatus after = awaitStatus(s -> s.activeRun() == null && !s.lastRun().runId().equals(created));
    assertEquals(RunSummary.REMOTE_CHANGE, after.lastRun().trigger());

    SettingsPatch upOnly = new SettingsPatch(SyncMode.LOCAL_TO_REMOTE, null, null, null, null, null, null, null, null);
    kit.<StatusReply<Library.SettingsOutcome>>runCommand(r -> new Library.ChangeSettings(upOnly, r));
    assertEquals("off", status().remoteWatch(), "a local-to-remote library does not watch the server");
    assertEquals("watching", status().localWatch());
    assertNull(io.remoteListener);
  }

  @Test
  void withRunsUnaskedADisabledLibraryOnlyClosesTheRunARestartCutShort() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Library.create("default:lib1", io,
        new Library.Settings(3, 5, 1, 1 << 20, WORKSPACES).withRunsUnasked(true), (tenant, library) -> {}));
    kit.clear();
    create();
    String cut = awaitStatus(s -> s.activeRun() != null).activeRun().runId();
    SettingsPatch disable = new SettingsPatch(null, null, null, null, null, false, null, null, null);
    assertTrue(kit.<StatusReply<Library.SettingsOutcome>>runCommand(r -> new Library.ChangeSettings(disable, r))
        .reply().getValue() instanceof Library.SettingsChanged);
    io.nextDiscovery = CompletableFuture.completedFuture(discovery(Map.of(), Map.of()));
    kit.restart();
    LibraryStatus closed = awaitStatus(s -> s.activeRun() == null && s.lastRun() != null);
    assertEquals(cut, closed.lastRun().runId());
    assertEquals(RunSummary.INTERRUPTED, closed.lastRun().outcome());
    assertEquals(closed, status(), "and no run starts");
  }

  @Test
  void stopLetsDocumentsInFlightFinishThenClosesTheRunAsInterrupted() {
    create();
    CompletableFuture<ActionResult> held = new CompletableFuture<>();
    io.actions = a -> held;
    io.nextDiscovery.complete(discovery(Map.of("a.txt", localFile("a.txt"), "b.txt", localFile("b.txt")), Map.of()));
    sync();
    awaitStatus(s -> s.counts().pending() > 0 && io.executed.size() == 2);
    TestProbe<Object> watcher = testKit.createTestProbe();
    kit.runCommand(new Library.Stop());
    held.complete(ActionResult.skipped("a.txt"));
    // The entity stops; a restart recovers the closed run.
    kit.restart();
    LibraryStatus status = awaitStatus(s -> s.activeRun() == null && s.lastRun() != null);
    assertEquals(RunSummary.INTERRUPTED, status.lastRun().outcome());
    assertNotNull(watcher);
  }

  @Test
  void aChunkedUploadInterruptedByACrashResumesWithItsSession() {
    create();
    io.ncsync.protocol.UploadSession session = new io.ncsync.protocol.UploadSession(
        "ncsync-abc", "http://server/remote.php/dav/files/alice/lib1/big.bin", 30_000_000, 1000, 10_000_000, 2, Instant.parse("2026-11-22T08:00:00Z"));
    io.actions = a -> {
      io.sessionListener.saved(a.path(), session);
      return new CompletableFuture<>(); // the "daemon dies" mid-upload
    };
    io.nextDiscovery.complete(discovery(Map.of("big.bin", localFile("big.bin")), Map.of()));
    sync();
    awaitState(s -> session.equals(s.uploadSessions().get("big.bin")));
    kit.restart();
    assertEquals(session, kit.getState().uploadSessions().get("big.bin"), "the session survives the crash");

    io.executed.clear();
    io.actions = a -> CompletableFuture.completedFuture(ScriptedSyncEngine.succeed(a));
    io.nextDiscovery = CompletableFuture.completedFuture(discovery(Map.of("big.bin", localFile("big.bin")), Map.of()));
    Library.SyncAccepted next = sync();
    awaitStatus(s -> s.activeRun() == null && s.lastRun().runId().equals(next.runId()));
    SyncAction.Upload resumed = (SyncAction.Upload) io.executed.peek();
    assertEquals(session, resumed.resume(), "the upload is handed its session to resume");
    assertNull(kit.getState().uploadSessions().get("big.bin"), "a synced document drops its session");
  }

  @Test
  void newSmallFilesGoToOneBatchWorkerAndEveryResultIsPersisted() {
    java.util.concurrent.atomic.AtomicInteger batches = new java.util.concurrent.atomic.AtomicInteger();
    ScriptedSyncEngine batching = new ScriptedSyncEngine() {
      @Override
      public java.util.concurrent.CompletionStage<List<ActionResult>> executeBatch(
          LibraryConfig config, String runId, SyncAction.UploadBatch batch, UploadSessionListener sessions) {
        batches.incrementAndGet();
        return CompletableFuture.completedFuture(batch.uploads().stream()
            .map(u -> u.path().equals("f3") ? ActionResult.failed("f3", FailureCode.FORBIDDEN, "no permission") : ScriptedSyncEngine.succeed(u)).toList());
      }
    };
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Library.create("default:lib1", batching, new Library.Settings(3, 5, 10, 1 << 20, WORKSPACES)));
    kit.clear();
    create();
    Map<String, LocalEntry> local = new HashMap<>();
    for (int i = 0; i < 5; i++) local.put("f" + i, localFile("f" + i));
    batching.nextDiscovery.complete(discovery(local, Map.of()));
    String runId = kit.<StatusReply<Library.SyncAccepted>>runCommand(Library.Sync::new).reply().getValue().runId();
    LibraryStatus status = awaitStatus(s -> s.activeRun() == null && s.lastRun().runId().equals(runId));
    assertEquals(1, batches.get(), "five new small files, one batch");
    assertEquals(4, status.lastRun().uploaded());
    assertEquals(1, status.lastRun().failed());
    assertEquals(4, status.counts().synced());
  }

  // --- helpers ----------------------------------------------------------------------------------------------

  @Test
  void folderEtagsAreRecordedLastAndOnlyAboveSettledPaths() {
    create();
    ChangeFeedPosition feed = new ChangeFeedPosition("42", Instant.parse("2026-12-01T10:00:00Z"), false);
    io.actions = a -> CompletableFuture.completedFuture(a.path().equals("bad/b.txt")
        ? ActionResult.failed(a.path(), FailureCode.NETWORK, "connection reset")
        : ScriptedSyncEngine.succeed(a));
    io.nextDiscovery.complete(new Discovery(Map.of(),
        Map.of("ok", remoteFolder("ok", "e-ok"), "ok/a.txt", remoteFile("ok/a.txt", "ea"),
            "bad", remoteFolder("bad", "e-bad"), "bad/b.txt", remoteFile("bad/b.txt", "eb")),
        Map.of(), remoteFolder("", "e-root"), feed));
    String runId = sync().runId();
    awaitStatus(s -> s.activeRun() == null);

    LibraryState state = kit.getState();
    assertEquals("e-ok", state.bases().get("ok").etag(), "a folder whose contents all synced gets its listed ETag");
    assertNull(state.bases().get("bad").etag(), "a folder above a failed download keeps no ETag: the next run lists it");
    assertNull(state.bases().get(""), "nor does the root above it");
    assertEquals(feed, state.changeFeed(), "the feed position is kept once the plan ran, failures or not");
    assertEquals(RunSummary.FAILED, state.lastRun().outcome());
    assertEquals(runId, state.lastRun().runId());

    kit.restart();
    assertEquals("e-ok", kit.getState().bases().get("ok").etag());
    assertEquals(feed, kit.getState().changeFeed());
  }

  @Test
  void discoveryGetsTheFeedPositionAndTheFailuresWorthRetrying() {
    create();
    ChangeFeedPosition feed = new ChangeFeedPosition("7", Instant.parse("2026-12-01T10:00:00Z"), true);
    io.actions = a -> CompletableFuture.completedFuture(switch (a.path()) {
      case "flaky.txt" -> ActionResult.failed(a.path(), FailureCode.NETWORK, "connection reset");
      case "forbidden.txt" -> ActionResult.failed(a.path(), FailureCode.FORBIDDEN, "no W permission");
      default -> ScriptedSyncEngine.succeed(a);
    });
    io.nextDiscovery.complete(new Discovery(Map.of(),
        Map.of("flaky.txt", remoteFile("flaky.txt", "e1"), "forbidden.txt", remoteFile("forbidden.txt", "e2")),
        Map.of(), remoteFolder("", "e-root"), feed));
    sync();
    awaitStatus(s -> s.activeRun() == null);
    io.nextDiscovery = new CompletableFuture<>();
    sync();
    DiscoveryInput input = io.lastInput;
    assertEquals(feed, input.feed());
    assertEquals(java.util.Set.of("flaky.txt", "forbidden.txt"), input.failedPaths(),
        "every failed path is listed again: a change to one that waits for its back-off lets it through");
  }

  @Test
  void aDocumentFailureWaitsForItsBackOffUnlessTheDocumentChanges() {
    useSettings(3, new DocumentRetry(Duration.ofHours(1), Duration.ofHours(6), 8));
    create();
    io.actions = a -> CompletableFuture.completedFuture(a.path().equals("no.txt")
        ? ActionResult.failed(a.path(), FailureCode.FORBIDDEN, "403 no permission") : ScriptedSyncEngine.succeed(a));
    io.nextDiscovery = CompletableFuture.completedFuture(discovery(Map.of(), Map.of("no.txt", remoteFile("no.txt", "e1"))));
    runToTheEnd();
    FailureRecord first = status().failures().get(0);
    assertEquals(FailureCode.FORBIDDEN, first.code());
    assertEquals(FailureClass.DOCUMENT, first.failureClass());
    assertEquals(1, first.attempts());
    assertTrue(first.retryAt().isAfter(Instant.now().plus(Duration.ofMinutes(59))), "an hour's back-off: " + first);
    assertFalse(first.parked());

    io.executed.clear();
    runToTheEnd();
    assertTrue(io.executed.isEmpty(), "unchanged and waiting: not tried again yet, " + io.executedPaths());
    assertEquals(1, status().failures().get(0).attempts());

    io.nextDiscovery = CompletableFuture.completedFuture(discovery(Map.of(), Map.of("no.txt", remoteFile("no.txt", "e2"))));
    runToTheEnd();
    assertEquals(List.of("no.txt"), io.executedPaths(), "a new version on the server is tried at once");
    assertEquals(2, status().failures().get(0).attempts());
    assertEquals(2, kit.getState().failures().get("no.txt").attempts());
    kit.restart();
    assertEquals(status().failures().get(0), kit.getState().failures().get("no.txt"));
  }

  @Test
  void aWaitingDocumentIsTriedAgainByARunOfItsOwnWhenItsBackOffEnds() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Library.create("default:lib1", io,
        new Library.Settings(3, 5, 1, 1 << 20, WORKSPACES, new DocumentRetry(Duration.ofMillis(500), Duration.ofHours(1), 8))
            .withRunsUnasked(true), (tenant, library) -> {}));
    kit.clear();
    java.util.concurrent.atomic.AtomicInteger tries = new java.util.concurrent.atomic.AtomicInteger();
    io.actions = a -> CompletableFuture.completedFuture(tries.incrementAndGet() == 1
        ? ActionResult.failed(a.path(), FailureCode.FORBIDDEN, "403 not yet") : ScriptedSyncEngine.succeed(a));
    io.nextDiscovery = CompletableFuture.completedFuture(discovery(Map.of(), Map.of("later.txt", remoteFile("later.txt", "e1"))));
    create(); // its first run fails the document, which then waits 500 ms

    LibraryStatus retried = awaitStatus(s -> s.activeRun() == null && s.lastRun() != null
        && RunSummary.RETRY.equals(s.lastRun().trigger()));
    assertEquals(1, retried.lastRun().downloaded(), "the retry run brought it down: " + retried.lastRun());
    assertTrue(retried.failures().isEmpty(), retried.failures().toString());
  }

  @Test
  void aRunWithoutProgressForItsLeaseIsGivenUpAndTheLibrarySyncsAgain() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Library.create("default:lib1", io,
        new Library.Settings(3, 5, 1, 1 << 20, WORKSPACES).withStaleRunAfter(Duration.ofMillis(400)),
        (tenant, library) -> {}));
    kit.clear();
    create();
    String hung = sync().runId(); // its discovery never answers
    LibraryStatus given = awaitStatus(s -> s.activeRun() == null && s.lastRun() != null);
    assertEquals(hung, given.lastRun().runId());
    assertEquals(RunSummary.FAILED, given.lastRun().outcome());
    assertTrue(given.lastRun().reason().startsWith("stale: no progress"), given.lastRun().reason());

    io.nextDiscovery.complete(discovery(Map.of(), Map.of())); // too late for the given-up run: ignored
    io.nextDiscovery = CompletableFuture.completedFuture(discovery(Map.of("a.txt", localFile("a.txt")), Map.of()));
    Library.SyncAccepted next = sync();
    assertTrue(next.started(), "the library is free again");
    assertEquals(RunSummary.SUCCEEDED,
        awaitStatus(s -> s.activeRun() == null && s.lastRun().runId().equals(next.runId())).lastRun().outcome());
  }

  @Test
  void aDocumentInFlightHoldsTheLeaseLongerButNotForEver() throws Exception {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Library.create("default:lib1", io,
        new Library.Settings(3, 5, 1, 1 << 20, WORKSPACES).withStaleRunAfter(Duration.ofMillis(300)),
        (tenant, library) -> {}));
    kit.clear();
    create();
    io.actions = a -> new CompletableFuture<>(); // a download that takes its time, silently
    io.nextDiscovery.complete(discovery(Map.of(), Map.of("big.bin", remoteFile("big.bin", "e1"))));
    String runId = sync().runId();
    awaitStatus(s -> s.activeRun() != null && io.executed.size() == 1);
    Thread.sleep(900); // three times the limit: a run without a document in flight would be given up by now
    assertEquals(runId, status().activeRun().runId(), "a document in flight holds the lease longer");
    LibraryStatus given = awaitStatus(s -> s.activeRun() == null && s.lastRun() != null);
    assertTrue(given.lastRun().reason().startsWith("stale"), given.lastRun().reason());
  }

  @Test
  void aDocumentThatKeepsFailingIsParkedUntilAnOperatorRetriesIt() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Library.create("default:lib1", io,
        new Library.Settings(3, 5, 1, 1 << 20, WORKSPACES, new DocumentRetry(Duration.ofMillis(1), Duration.ofMillis(1), 2))
            .withRunsUnasked(true), (tenant, library) -> {}));
    kit.clear();
    io.actions = a -> CompletableFuture.completedFuture(
        ActionResult.failed(a.path(), FailureCode.INTEGRITY, "GET no.txt: 3 bytes arrived of 4 listed"));
    io.nextDiscovery = CompletableFuture.completedFuture(discovery(Map.of(), Map.of("no.txt", remoteFile("no.txt", "e1"))));
    create(); // the first run fails it, the retry run fails it again: parked
    awaitState(s -> s.activeRun() == null && s.history().size() == 2);
    FailureRecord parked = status().failures().get(0);
    assertEquals(2, parked.attempts());
    assertTrue(parked.parked(), parked.toString());
    assertEquals(2, io.executed.size());
    assertEquals(RunSummary.RETRY, kit.getState().history().get(1).trigger());

    io.executed.clear();
    io.watchListener.changed(); // a run nobody asked for
    awaitState(s -> s.activeRun() == null && s.history().size() == 3);
    assertTrue(io.executed.isEmpty(), "parked: a run nobody asked for leaves it alone while it does not change");
    assertTrue(status().failures().get(0).parked());

    runToTheEnd();
    assertEquals(List.of("no.txt"), io.executedPaths(), "a sync someone asked for tries it again");
    // Released, it failed again: it waits its back-off, gets one retry run, and is parked again.
    awaitState(s -> s.activeRun() == null && s.failures().get("no.txt").parked());
    int runs = kit.getState().history().size();
    io.executed.clear();

    assertEquals(0, kit.<StatusReply<Integer>>runCommand(
        replyTo -> new Library.RetryFailures(java.util.Set.of("other.txt"), replyTo)).reply().getValue());
    assertEquals(1, kit.<StatusReply<Integer>>runCommand(
        replyTo -> new Library.RetryFailures(java.util.Set.of(), replyTo)).reply().getValue());
    assertFalse(status().failures().get(0).parked());
    io.watchListener.changed();
    awaitState(s -> s.activeRun() == null && s.history().size() > runs && !io.executed.isEmpty());
    assertEquals("no.txt", io.executedPaths().get(0), "released by the operator: tried by the next run, asked or not");
  }

  @Test
  void aFatalFailureStopsTheRunAndTheStatusNamesItsCode() {
    useSettings(1, DocumentRetry.DEFAULT);
    create();
    io.actions = a -> CompletableFuture.completedFuture(
        ActionResult.failed(a.path(), FailureCode.UNAUTHORIZED, "GET " + a.path() + ": 401 Unauthorized"));
    io.nextDiscovery = CompletableFuture.completedFuture(discovery(Map.of(),
        Map.of("a.txt", remoteFile("a.txt", "ea"), "b.txt", remoteFile("b.txt", "eb"), "c.txt", remoteFile("c.txt", "ec"))));
    LibraryStatus status = runToTheEnd();
    assertEquals(1, io.executed.size(), "nothing starts after a fatal failure: " + io.executedPaths());
    assertEquals(RunSummary.FAILED, status.lastRun().outcome());
    assertEquals(FailureCode.UNAUTHORIZED, status.lastRun().code());
    assertTrue(status.lastRun().reason().startsWith("stopped: GET "), status.lastRun().reason());
    assertEquals("failed", status.state());
  }

  private void useSettings(int parallelTransfers, DocumentRetry retry) {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Library.create("default:lib1", io,
        new Library.Settings(parallelTransfers, 5, 1, 1 << 20, WORKSPACES, retry), (tenant, library) -> removed.add(tenant + ":" + library)));
    kit.clear();
  }

  private LibraryStatus runToTheEnd() {
    String runId = sync().runId();
    return awaitStatus(s -> s.activeRun() == null && s.lastRun() != null && s.lastRun().runId().equals(runId));
  }

  @Test
  void siblingFoldersAreCreatedTogetherAndAFolderOnlyAfterItsParent() {
    create();
    Map<String, CompletableFuture<ActionResult>> held = new java.util.concurrent.ConcurrentHashMap<>();
    io.actions = a -> held.computeIfAbsent(a.path(), p -> new CompletableFuture<>());
    io.nextDiscovery.complete(discovery(Map.of("a", LocalEntry.folder("a"), "c", LocalEntry.folder("c"),
        "d", LocalEntry.folder("d"), "a/b", LocalEntry.folder("a/b")), Map.of()));
    sync();
    awaitExecuted(3);
    assertEquals(java.util.Set.of("a", "c", "d"), java.util.Set.copyOf(io.executedPaths()),
        "the three top-level folders at once (3 parallel transfers)");
    held.get("a").complete(folderCreated("a"));
    held.get("c").complete(folderCreated("c"));
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    assertFalse(io.executedPaths().contains("a/b"), "a/b waits until its level is done: " + io.executedPaths());
    held.get("d").complete(folderCreated("d"));
    awaitExecuted(4);
    assertEquals("a/b", io.executedPaths().get(3));
    held.get("a/b").complete(folderCreated("a/b"));
    assertEquals(RunSummary.SUCCEEDED, awaitStatus(s -> s.activeRun() == null).lastRun().outcome());
  }

  private static ActionResult folderCreated(String path) {
    return ActionResult.of(path, new DocumentChange.BaseRecorded(BaseEntry.folder(path, null, null), Transfer.NONE));
  }

  private void awaitExecuted(int count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (io.executed.size() < count) {
      if (System.nanoTime() > deadline) throw new AssertionError("executed only " + io.executedPaths());
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private static DavEntry remoteFolder(String path, String etag) {
    return new DavEntry(path, true, etag, -1, null, "id-" + path, null, null);
  }

  private void awaitState(Predicate<LibraryState> condition) {
    LibraryKits.awaitState(kit, condition);
  }

  private void create() {
    kit.<StatusReply<LibraryConfig>>runCommand(replyTo -> new Library.Create(CONFIG, replyTo));
  }

  private Library.SyncAccepted sync() {
    return kit.<StatusReply<Library.SyncAccepted>>runCommand(Library.Sync::new).reply().getValue();
  }

  private LibraryStatus status() {
    return LibraryKits.status(kit);
  }

  private LibraryStatus awaitStatus(Predicate<LibraryStatus> condition) {
    return LibraryKits.awaitStatus(kit, condition);
  }

  private static Discovery discovery(Map<String, LocalEntry> local, Map<String, DavEntry> remote) {
    return new Discovery(local, remote, Map.of());
  }

  private static LocalEntry localFile(String path) {
    return new LocalEntry(path, false, 4, 1000, "sha-" + path);
  }

  private static DavEntry remoteFile(String path, String etag) {
    return new DavEntry(path, false, etag, 4, null, "id-" + path, null, null);
  }
}
