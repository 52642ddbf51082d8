package io.ncsync.daemon.sync;

import io.ncsync.protocol.testing.InMemoryRemoteStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.persistence.library.RunSummary;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine on a remote whose folder ETags propagate (as on Nextcloud), where a run lists only changed folders and an
 * unchanged root ends discovery at one request. A folder's ETag in the base promises that everything below it is
 * synced, so a remote change whose run failed or crashed must still be found by the next run.
 */
class PrunedWalkSyncTest extends EngineTestBase {

  @Override
  protected void configure(InMemoryRemoteStore remote) {
    remote.propagate = true;
  }

  @Test
  void aSettledTreeCostsOneListing() throws Exception {
    remote.put("lib/a/b/doc.txt", "v1");
    writeLocal("local.txt", "l");
    syncOk();
    syncOk(); // records the ETags our upload gave the root
    remote.resetCounts();
    RunSummary quiet = syncOk();
    assertEquals(0, quiet.uploaded() + quiet.downloaded());
    assertEquals(Map.of("lib", 1), remote.listings());
  }

  @Test
  void aRemoteChangeWhoseDownloadFailedIsDownloadedByTheNextRun() throws Exception {
    remote.put("lib/a/b/doc.txt", "v1");
    remote.put("lib/other.txt", "o");
    syncOk();
    remote.put("lib/a/b/doc.txt", "v2");
    remote.failNextDownloadOf("lib/a/b/doc.txt");
    RunSummary failed = sync();
    assertEquals(RunSummary.FAILED, failed.outcome());
    assertEquals("v1", localFiles().get("a/b/doc.txt"));

    RunSummary retried = syncOk();
    assertEquals(1, retried.downloaded(), "the next run finds the change the failed run left: " + retried);
    assertTreesEqual();
  }

  @Test
  void remoteChangesACrashedRunLeftAreDownloadedAfterTheRestart() throws Exception {
    remote.put("lib/a/b/doc.txt", "v1");
    remote.put("lib/c/keep.txt", "k");
    syncOk();
    remote.put("lib/a/b/doc.txt", "v2");
    remote.put("lib/c/new/fresh.txt", "fresh");
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch crashed = new CountDownLatch(1);
    remote.beforeDownload = path -> {
      if (!path.equals("lib/a/b/doc.txt")) return;
      entered.countDown();
      try {
        crashed.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // The process that asked for it is gone: nothing of this download may land.
      throw new DavException(DavError.TRANSPORT, 0, "GET lib/a/b/doc.txt: the daemon died");
    };
    startSync();
    assertTrue(entered.await(10, TimeUnit.SECONDS), "the download started");
    restartLibrary();
    remote.beforeDownload = p -> {};
    crashed.countDown();

    syncOk();
    assertTreesEqual();
    assertEquals("v2", localFiles().get("a/b/doc.txt"));
    assertEquals("fresh", localFiles().get("c/new/fresh.txt"));
  }
}
