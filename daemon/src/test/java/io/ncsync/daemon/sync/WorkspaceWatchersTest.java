package io.ncsync.daemon.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ncsync.persistence.sync.ChangeWatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real inotify (through the JDK's WatchService) on a real folder tree. */
class WorkspaceWatchersTest {
  @TempDir Path temp;
  private WorkspaceWatchers watchers;
  private final LinkedBlockingQueue<String> heard = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() {
    watchers = WorkspaceWatchers.start();
  }

  @AfterEach
  void stop() {
    watchers.close();
  }

  private ChangeWatch watch(Path root) throws Exception {
    ChangeWatch watch = watchers.watch(root, () -> heard.add("changed"));
    Thread.sleep(300); // registration runs on its own thread; the test waits for it, the daemon does not need to
    heard.clear();
    return watch;
  }

  private void assertHeard(String what) throws InterruptedException {
    assertEquals("changed", heard.poll(2, TimeUnit.SECONDS), what + " is heard within 2 s");
    Thread.sleep(100);
    heard.clear();
  }

  @Test
  void changesAnywhereInTheTreeAreHeardIncludingInFoldersMadeLater() throws Exception {
    Path root = Files.createDirectories(temp.resolve("ws"));
    Files.createDirectories(root.resolve("deep/er"));
    ChangeWatch watch = watch(root);
    assertNull(watch.unavailable());

    Files.writeString(root.resolve("a.txt"), "a");
    assertHeard("a new file at the top");
    Files.writeString(root.resolve("deep/er/b.txt"), "b");
    assertHeard("a new file two folders down");
    Files.createDirectories(root.resolve("later"));
    assertHeard("a new folder");
    Thread.sleep(300);
    heard.clear();
    Files.writeString(root.resolve("later/c.txt"), "c");
    assertHeard("a file in a folder made after the watch started");
    Files.delete(root.resolve("a.txt"));
    assertHeard("a deletion");

    watch.close();
    Files.writeString(root.resolve("d.txt"), "d");
    assertNull(heard.poll(1, TimeUnit.SECONDS), "nothing is heard after close");
  }

  @Test
  void aLinkOutOfTheTreeIsNotFollowed() throws Exception {
    Path root = Files.createDirectories(temp.resolve("ws"));
    Path outside = Files.createDirectories(temp.resolve("outside"));
    Files.createSymbolicLink(root.resolve("link"), outside);
    watch(root);
    Files.writeString(outside.resolve("x.txt"), "x");
    assertNull(heard.poll(1, TimeUnit.SECONDS), "a change outside the workspace is not heard through a link");
    Files.writeString(root.resolve("y.txt"), "y");
    assertHeard("a change inside");
  }
}
