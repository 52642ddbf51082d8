package io.ncsync.persistence.sync;

/**
 * A watch on a library's workspace: it tells its {@link Listener} when something in the tree changed, so a run starts
 * within seconds instead of at the next scheduled one. Closing it stops the telling.
 */
public interface LocalWatch extends AutoCloseable {

  /** Told from the watcher's own thread; must not block. */
  @FunctionalInterface
  interface Listener {
    /** Something in the workspace changed, or so many things that the watcher lost count (a full scan is due). */
    void changed();
  }

  /** Null while it watches (or is still setting up); else why the workspace is not watched. */
  String unavailable();

  @Override
  void close();

  /** A watch that never was: the schedule keeps the library in sync. */
  static LocalWatch unavailable(String reason) {
    return new LocalWatch() {
      @Override
      public String unavailable() {
        return reason;
      }

      @Override
      public void close() {}
    };
  }
}
