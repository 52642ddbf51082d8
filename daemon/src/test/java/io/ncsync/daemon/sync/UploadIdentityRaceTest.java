package io.ncsync.daemon.sync;

import io.ncsync.protocol.testing.InMemoryRemoteStore;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A server that answers a PUT without an ETag (mod_dav) makes the engine look the ETag up afterwards. Another writer
 * can change the file in between: the ETag then listed is theirs, and recording it as ours would hide their change
 * for ever (found by the journal crash test: a 200,000-byte remote file and a 0-byte local one, both "synced").
 * A listed size other than the one sent means the listing shows someone else's write: the base keeps no ETag, so
 * the next run compares and takes the newer remote version.
 */
class UploadIdentityRaceTest extends EngineTestBase {

  @Override
  protected void configure(InMemoryRemoteStore remote) {
    remote.identityOnWrite = false;
  }

  private void anotherWriterRightAfterOurUploadOf(String path, String content) {
    AtomicBoolean once = new AtomicBoolean();
    remote.afterUpload = p -> {
      if (p.equals(path) && once.compareAndSet(false, true)) remote.put(path, content);
    };
  }

  @Test
  void anEditOnTheServerRightAfterOurUploadIsNotTakenForOurs() throws Exception {
    writeLocal("f.txt", "v1");
    syncOk();
    writeLocal("f.txt", "");
    anotherWriterRightAfterOurUploadOf("lib/f.txt", "a collaborator's much longer version");
    syncOk();

    syncOk();
    assertEquals(Map.of("f.txt", "a collaborator's much longer version"), localFiles());
    assertTreesEqual();
  }

  @Test
  void aNewFileRewrittenOnTheServerRightAfterOurBatchUploadIsNotTakenForOurs() throws Exception {
    writeLocal("new.txt", "ours");
    anotherWriterRightAfterOurUploadOf("lib/new.txt", "theirs, written a moment later");
    syncOk();

    syncOk();
    assertEquals(Map.of("new.txt", "theirs, written a moment later"), localFiles());
    assertTreesEqual();
  }
}
