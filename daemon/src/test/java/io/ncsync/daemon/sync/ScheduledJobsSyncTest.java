package io.ncsync.daemon.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.pattern.StatusReply;
import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.library.LibraryStatus;
import io.ncsync.persistence.library.RunSummary;
import io.ncsync.protocol.testing.InMemoryRemoteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A library's own scheduled jobs through the whole engine: the full sync finds what the cheap runs cannot see (a local
 * edit that kept size and mtime, a server change its folders' ETags do not show), and the cleanup purges trash past
 * its retention.
 */
class ScheduledJobsSyncTest extends EngineTestBase {
  /** Every tick makes a full sync due; no incremental runs, no cleanup. */
  private static final Library.Schedule FULL_SYNC_DUE =
      new Library.Schedule(Duration.ZERO, Duration.ofMillis(1), Duration.ofDays(365), Duration.ofDays(30));

  @Override
  protected void configure(InMemoryRemoteStore remote) {
    remote.propagate = true; // folder ETags let ordinary runs prune: what they miss, only the full sync finds
  }

  @Test
  void aFullSyncFindsALocalEditThatKeptSizeAndModificationTime() throws Exception {
    writeLocal("a.txt", "hello");
    writeLocal("b.txt", "world");
    syncOk();
    Path a = workspace.resolve("a.txt");
    FileTime mtime = Files.getLastModifiedTime(a);
    Files.writeString(a, "HELLO"); // same size, and the time put back: a tool that preserves it, or a disk fault
    Files.setLastModifiedTime(a, mtime);
    RunSummary cheap = syncOk();
    assertEquals(0, cheap.uploaded(), "an ordinary run trusts size and mtime");
    assertEquals("hello", remote.read("lib/a.txt"));

    RunSummary full = fullSync();
    assertEquals(1, full.uploaded(), full.toString());
    assertEquals("HELLO", remote.read("lib/a.txt"));
    assertEquals("world", remote.read("lib/b.txt"), "an unchanged file is left alone");
    assertTreesEqual();
  }

  @Test
  void aFullSyncListsEveryFolderWhateverTheirEtagsSay() throws Exception {
    remote.put("lib/deep/er/doc.txt", "v1");
    syncOk();
    syncOk(); // records the ETags the first run's writes gave the folders
    remote.replaceBehindTheServersBack("lib/deep/er/doc.txt", "v2");
    remote.resetCounts();
    syncOk();
    assertEquals(Map.of("lib", 1), remote.listings(), "the root's ETag says nothing changed");
    assertEquals("v1", Files.readString(workspace.resolve("deep/er/doc.txt")));

    RunSummary full = fullSync();
    assertEquals(1, full.downloaded(), full.toString());
    assertEquals("v2", Files.readString(workspace.resolve("deep/er/doc.txt")));
    assertTreesEqual();
  }

  @Test
  void theCleanupPurgesTrashPastItsRetentionAndSaysWhatItDid() throws Exception {
    writeLocal("gone.txt", "bye");
    writeLocal("stays.txt", "here");
    syncOk();
    remote.remove("lib/gone.txt");
    syncOk();
    assertFalse(Files.exists(workspace.resolve("gone.txt")));
    assertEquals(1, regularFiles(trash), "the deletion on the server moved the local copy to the trash");

    StatusReply<Library.CleanupReport> reply = ask(replyTo -> new Library.CleanUp(Duration.ZERO, replyTo));
    Library.CleanupReport report = reply.getValue();
    assertEquals(1, report.trashPurged(), report.describe());
    assertEquals(0, report.locksReleased());
    assertEquals(0, regularFiles(trash), "purged for good");
    StatusReply<LibraryStatus> status = ask(Library.GetStatus::new);
    assertEquals(report.at(), status.getValue().jobs().lastCleanup());
    StatusReply<Library.TrashPage> log = ask(replyTo -> new Library.GetTrash(0, 10, replyTo));
    assertTrue(log.getValue().entries().stream().anyMatch(e -> e.action().wireName().equals("purged")),
        log.getValue().toString());
  }

  private RunSummary fullSync() {
    library.tell(new Library.PeriodicSync(FULL_SYNC_DUE));
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      StatusReply<LibraryStatus> status = ask(Library.GetStatus::new);
      RunSummary last = status.getValue().lastRun();
      if (status.getValue().activeRun() == null && last != null && RunSummary.FULL_SYNC.equals(last.trigger())) {
        assertEquals(RunSummary.SUCCEEDED, last.outcome(), last.reason());
        assertNotNull(status.getValue().jobs().lastFullSync());
        return last;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("no full sync ran");
  }

  private static long regularFiles(Path root) throws Exception {
    if (!Files.exists(root)) return 0;
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).count();
    }
  }
}
