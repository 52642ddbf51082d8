package io.ncsync.daemon.sync;

import io.ncsync.persistence.sync.ChangeWatch;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches workspaces for changes with the JDK's {@link WatchService} (inotify on Linux): every folder of a workspace is
 * registered (the service is not recursive), folders made later are registered as they appear, and an overflow
 * counts as a change (the run that follows scans everything anyway). One service and one thread for every library of
 * the daemon; registering a large tree runs on a thread of its own, never on the library's. When the system's limit
 * of watches is reached, that workspace is not watched and says why; the schedule keeps it in sync.
 */
public final class WorkspaceWatchers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkspaceWatchers.class);

  private final WatchService service;
  private final Map<WatchKey, Watch> watches = new ConcurrentHashMap<>();
  private final ExecutorService registrar = Executors.newSingleThreadExecutor(r -> daemonThread(r, "ncsync-watch-register"));
  private final Thread poller;

  private WorkspaceWatchers(WatchService service) {
    this.service = service;
    this.poller = daemonThread(this::poll, "ncsync-watch");
    poller.start();
  }

  /** Watchers on the default file system; null when it offers none (then no workspace is watched). */
  public static WorkspaceWatchers start() {
    try {
      return new WorkspaceWatchers(FileSystems.getDefault().newWatchService());
    } catch (IOException | UnsupportedOperationException e) {
      log.warn("file system notifications are unavailable ({}): libraries sync on their schedule", e.toString());
      return null;
    }
  }

  /** Starts watching {@code root} and everything below it; the listener hears of every change from now on. */
  public ChangeWatch watch(Path root, ChangeWatch.Listener listener) {
    Watch watch = new Watch(root, listener);
    registrar.execute(() -> watch.registerTree(root));
    return watch;
  }

  @Override
  public void close() {
    registrar.shutdownNow();
    try {
      service.close();
    } catch (IOException e) {
      log.debug("closing the watch service: {}", e.toString());
    }
  }

  private void poll() {
    while (true) {
      WatchKey key;
      try {
        key = service.take();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
      Watch watch = watches.get(key);
      for (WatchEvent<?> event : key.pollEvents()) {
        if (watch == null || watch.closed) continue;
        if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE && key.watchable() instanceof Path folder
            && event.context() instanceof Path name) {
          Path created = folder.resolve(name);
          if (Files.isDirectory(created, LinkOption.NOFOLLOW_LINKS)) registrar.execute(() -> watch.registerTree(created));
        }
        watch.listener.changed();
      }
      if (!key.reset()) {
        watches.remove(key);
        if (watch != null) watch.keys.remove(key);
      }
    }
  }

  private static Thread daemonThread(Runnable body, String name) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    return thread;
  }

  /** One workspace's watch: its folders' keys, and why it stopped watching if it did. */
  private final class Watch implements ChangeWatch {
    final Path root;
    final ChangeWatch.Listener listener;
    final Set<WatchKey> keys = ConcurrentHashMap.newKeySet();
    volatile boolean closed;
    volatile String unavailable;

    Watch(Path root, ChangeWatch.Listener listener) {
      this.root = root;
      this.listener = listener;
    }

    /** Registers {@code top} and every folder below it, without following links out of the tree. */
    void registerTree(Path top) {
      if (closed) return;
      try {
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
            if (closed) return FileVisitResult.TERMINATE;
            WatchKey key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
            keys.add(key);
            watches.put(key, Watch.this);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE; // vanished or unreadable: the run reports what matters
          }
        });
      } catch (IOException e) {
        if (closed) return;
        // Typically the inotify limit (fs.inotify.max_user_watches): the schedule takes over for this workspace.
        unavailable = "the workspace is not watched (" + e.getMessage() + "): it syncs on its schedule; raise "
            + "fs.inotify.max_user_watches to have local changes sync within seconds";
        log.warn("workspace {}: {}", root, unavailable);
        cancelKeys();
        return;
      } catch (ClosedWatchServiceException e) {
        return;
      }
      if (closed) cancelKeys();
      // Something may have been made before the folder was registered: one run looks.
      if (!top.equals(root)) listener.changed();
    }

    @Override
    public String unavailable() {
      return unavailable;
    }

    @Override
    public void close() {
      closed = true;
      cancelKeys();
    }

    private void cancelKeys() {
      for (WatchKey key : keys) {
        key.cancel();
        watches.remove(key);
      }
      keys.clear();
    }
  }
}
