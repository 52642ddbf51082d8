package io.ncsync.persistence.sync;

/**
 * A watch on one side of a library (its workspace, or its server folder): it tells its {@link Listener} when
 * something there changed, so a run starts within seconds instead of at the next scheduled one. Closing it stops the
 * telling.
 */
public interface ChangeWatch extends AutoCloseable {

  /** Told from the watcher's own thread; must not block. */
  @FunctionalInterface
  interface Listener {
    /** Something changed, or so many things that the watcher lost count (a full look is due). */
    void changed();
  }

  /** Null while it watches (or is still setting up); else why the side is not watched. */
  String unavailable();

  /** How it watches, for the status ("inotify", "push", "polling every 30 s"); null when it does not say. */
  default String how() {
    return null;
  }

  @Override
  void close();

  /** A watch that never was: the schedule keeps the library in sync. */
  static ChangeWatch unavailable(String reason) {
    return new ChangeWatch() {
      @Override
      public String unavailable() {
        return reason;
      }

      @Override
      public void close() {}
    };
  }
}
