package io.ncsync.persistence.library;

import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import java.time.Duration;
import java.util.function.Predicate;

/** What the library tests ask of a library under test: its status, and waiting for its asynchronous steps. */
final class LibraryKits {
  private LibraryKits() {}

  static LibraryStatus status(EventSourcedBehaviorTestKit<Library.Command, Library.Event, LibraryState> kit) {
    return kit.<StatusReply<LibraryStatus>>runCommand(Library.GetStatus::new).reply().getValue();
  }

  /** Polls the status until it matches (at most 10 s): a run's discovery and documents finish off the actor. */
  static LibraryStatus awaitStatus(EventSourcedBehaviorTestKit<Library.Command, Library.Event, LibraryState> kit,
      Predicate<LibraryStatus> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    LibraryStatus status = status(kit);
    while (!condition.test(status)) {
      if (System.nanoTime() > deadline) throw new AssertionError("status never matched: " + status);
      pause();
      status = status(kit);
    }
    return status;
  }

  /** Polls the state until it matches (at most 10 s). */
  static LibraryState awaitState(EventSourcedBehaviorTestKit<Library.Command, Library.Event, LibraryState> kit,
      Predicate<LibraryState> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.test(kit.getState())) {
      if (System.nanoTime() > deadline) throw new AssertionError("state never matched: " + kit.getState());
      pause();
    }
    return kit.getState();
  }

  private static void pause() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
