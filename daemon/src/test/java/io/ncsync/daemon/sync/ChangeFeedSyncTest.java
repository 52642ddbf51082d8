package io.ncsync.daemon.sync;

import io.ncsync.protocol.testing.ManualClock;

import io.ncsync.persistence.sync.LibraryPorts;
import io.ncsync.persistence.sync.PortSyncEngine;
import io.ncsync.persistence.sync.RemoteDiscovery;
import io.ncsync.protocol.testing.InMemoryRemoteStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.persistence.library.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine on a Nextcloud-like remote with a change feed (the activity stream): the feed tells where remote changes
 * are, so a change deep down costs one listing instead of one per level; changes the feed never reports are still
 * found (at once where no reported change hides them, else by the next full walk); and whatever the feed gets wrong
 * ends in a full walk, never in a wrong deletion.
 */
class ChangeFeedSyncTest extends EngineTestBase {
  private static final Duration FULL_WALK = Duration.ofHours(1);
  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T10:00:00Z"));

  @Override
  protected void configure(InMemoryRemoteStore remote) {
    remote.propagate = true;
    remote.feedEnabled = true;
  }

  @Override
  protected PortSyncEngine engine(LibraryPorts ports, ExecutorService blocking) {
    return new PortSyncEngine(ports, blocking, new RemoteDiscovery.Settings(true, FULL_WALK, 1000), clock);
  }

  @BeforeEach
  void aSettledTree() throws Exception {
    remote.put("lib/a/b/c/d/deep.txt", "deep v1");
    remote.put("lib/a/x/side.txt", "side");
    remote.put("lib/p/q/r.txt", "r");
    remote.put("lib/top.txt", "top");
    writeLocal("local/l.txt", "local");
    syncOk();
    RunSummary settling = syncOk();
    assertEquals(0, settling.uploaded() + settling.downloaded());
    remote.resetCounts();
    RunSummary settled = syncOk();
    assertEquals(Map.of("lib", 1), remote.listings(), "a settled tree costs the root's listing alone");
    assertEquals(0, remote.feedReads(), "an unchanged root needs no feed");
    assertEquals(0, settled.downloaded());
    remote.resetCounts();
  }

  @Test
  void aDeepChangeCostsTheRootAndItsOwnFolder() throws Exception {
    remote.put("lib/a/b/c/d/deep.txt", "deep v2");
    RunSummary run = syncOk();
    assertEquals(1, run.downloaded());
    assertEquals(Map.of("lib", 1, "lib/a/b/c/d", 1), remote.listings(),
        "the feed sends the walk straight to the changed folder (a pruned walk would list every level)");
    assertEquals(1, remote.feedReads());
    assertTreesEqual();

    remote.resetCounts();
    syncOk();
    assertEquals(Map.of("lib", 1), remote.listings(), "settled again");
  }

  @Test
  void theFeedIsFollowedAcrossARestartOfTheLibrary() throws Exception {
    restartLibrary();
    remote.put("lib/p/q/r.txt", "r v2");
    RunSummary run = syncOk();
    assertEquals(1, run.downloaded());
    assertEquals(Map.of("lib", 1, "lib/p/q", 1), remote.listings(), "the cursor is part of the library's state");
    assertTreesEqual();
  }

  @Test
  void aChangeTheFeedNeverReportedIsWalkedAtOnceWhenNothingElseExplainsIt() throws Exception {
    remote.recordActivities = false; // like occ files:scan picking up a file written on the server's disk
    remote.put("lib/p/q/scanned.txt", "scanned");
    remote.recordActivities = true;
    RunSummary run = syncOk();
    assertEquals(1, run.downloaded());
    assertEquals(Map.of("lib", 1, "lib/p", 1, "lib/p/q", 1), remote.listings(),
        "p changed and the feed says nothing about it: walked as without a feed");
    assertTreesEqual();
  }

  @Test
  void aChangeHiddenBehindAReportedOneIsFoundByTheNextFullWalk() throws Exception {
    remote.recordActivities = false;
    remote.put("lib/a/x/scanned.txt", "scanned");
    remote.recordActivities = true;
    remote.put("lib/a/b/c/d/deep.txt", "deep v2");
    RunSummary run = syncOk();
    assertEquals(1, run.downloaded(), "the reported change");
    assertFalse(localFiles().containsKey("a/x/scanned.txt"), "a/ was jumped over on the feed's word");

    clock.advance(FULL_WALK.minusMinutes(1));
    assertFalse(localFiles().containsKey("a/x/scanned.txt"));
    syncOk();
    assertFalse(localFiles().containsKey("a/x/scanned.txt"), "no full walk before it is due");

    clock.advance(Duration.ofMinutes(2));
    remote.resetCounts();
    RunSummary full = syncOk();
    assertEquals(1, full.downloaded(), "the full walk finds it: " + full);
    assertTrue(remote.listings().containsKey("lib/a"), "the full walk lists what the feed run jumped over");
    assertTreesEqual();

    remote.resetCounts();
    syncOk();
    assertEquals(Map.of("lib", 1), remote.listings(), "settled after the full walk");
  }

  @Test
  void whenTheFeedGoesAwayTheWalkItOwedIsMadeAtOnce() throws Exception {
    remote.recordActivities = false;
    remote.put("lib/a/x/scanned.txt", "scanned");
    remote.recordActivities = true;
    remote.put("lib/a/b/c/d/deep.txt", "deep v2");
    syncOk();
    assertFalse(localFiles().containsKey("a/x/scanned.txt"));

    remote.feedEnabled = false; // e.g. the activity app was switched off
    RunSummary run = syncOk();
    assertEquals(1, run.downloaded(), "the jumped-over folders are walked although the root did not change: " + run);
    assertTreesEqual();
  }

  @Test
  void aRenameOnTheServerIsOneRunWithBothFoldersListed() throws Exception {
    Object inode = Files.readAttributes(workspace.resolve("a/b/c/d/deep.txt"), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    remote.rename("lib/a/b/c/d/deep.txt", "lib/p/q/moved.txt");
    RunSummary run = syncOk();
    assertEquals(0, run.downloaded(), "a move found by its file id is a local rename, not a download");
    assertEquals(0, run.deletedLocal());
    assertEquals(Map.of("lib", 1, "lib/a/b/c/d", 1, "lib/p/q", 1), remote.listings(),
        "the new folder from the feed's path, the old one from the file id the base holds");
    assertTreesEqual();
    assertEquals(inode, Files.readAttributes(workspace.resolve("p/q/moved.txt"), java.nio.file.attribute.BasicFileAttributes.class).fileKey(),
        "the same file, renamed");
  }

  @Test
  void anUnusableFeedFallsBackToTheFullWalk() throws Exception {
    remote.feedFault = "the activity stream no longer knows the cursor (old activities expired)";
    remote.put("lib/a/b/c/d/deep.txt", "deep v2");
    RunSummary run = syncOk();
    assertEquals(1, run.downloaded());
    assertEquals(Map.of("lib", 1, "lib/a", 1, "lib/a/b", 1, "lib/a/b/c", 1, "lib/a/b/c/d", 1), remote.listings(),
        "the full walk starts from the root listing the run made before it read the feed");
    assertTreesEqual();
  }

  @Test
  void aFolderTheFeedNamesThatIsGoneFallsBackToTheFullWalk() throws Exception {
    remote.put("lib/a/b/c/d/deep.txt", "deep v2");
    remote.recordActivities = false;
    remote.remove("lib/a/b/c");
    remote.recordActivities = true;
    RunSummary run = syncOk();
    assertEquals(1, run.deletedLocal(), "the deletion the full walk saw: " + run);
    assertFalse(Files.exists(workspace.resolve("a/b/c")));
    assertEquals("side", localFiles().get("a/x/side.txt"), "nothing else was touched");
    assertTreesEqual();
  }

  @Test
  void aFailedPathIsListedAgainWhateverTheFeedSays() throws Exception {
    remote.put("lib/a/b/c/d/deep.txt", "deep v2");
    remote.failNextDownloadOf("lib/a/b/c/d/deep.txt");
    assertEquals(RunSummary.FAILED, sync().outcome());
    remote.resetCounts();
    RunSummary retried = syncOk();
    assertEquals(1, retried.downloaded());
    assertEquals(Map.of("lib", 1, "lib/a/b/c/d", 1), remote.listings(), "the failed path's folder, straight away");
    assertTreesEqual();
  }

}
