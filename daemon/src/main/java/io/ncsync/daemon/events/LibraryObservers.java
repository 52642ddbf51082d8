package io.ncsync.daemon.events;

import io.ncsync.persistence.library.LibraryObserver;
import io.ncsync.persistence.library.RunProgress;
import io.ncsync.persistence.library.RunSummary;
import io.ncsync.persistence.sync.ConflictRecord;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Several observers as one; one that throws is logged and never stops the others or the library. */
public final class LibraryObservers implements LibraryObserver {
  private static final Logger log = LoggerFactory.getLogger(LibraryObservers.class);
  private final List<LibraryObserver> observers;

  public LibraryObservers(List<LibraryObserver> observers) {
    this.observers = List.copyOf(observers);
  }

  private interface Call {
    void on(LibraryObserver observer);
  }

  private void each(String what, Call call) {
    for (LibraryObserver observer : observers) {
      try {
        call.on(observer);
      } catch (RuntimeException e) {
        log.warn("{} could not be told {}: {}", observer.getClass().getSimpleName(), what, e.toString());
      }
    }
  }

  @Override
  public void runStarted(String tenantId, String libraryId, RunSummary run) {
    each("a run started", o -> o.runStarted(tenantId, libraryId, run));
  }

  @Override
  public void runFinished(String tenantId, String libraryId, RunSummary run) {
    each("a run finished", o -> o.runFinished(tenantId, libraryId, run));
  }

  @Override
  public void progress(String tenantId, String libraryId, RunProgress progress) {
    each("a run's progress", o -> o.progress(tenantId, libraryId, progress));
  }

  @Override
  public void conflictRaised(String tenantId, String libraryId, ConflictRecord conflict) {
    each("a conflict", o -> o.conflictRaised(tenantId, libraryId, conflict));
  }

  @Override
  public void conflictResolved(String tenantId, String libraryId, ConflictRecord conflict) {
    each("a resolution", o -> o.conflictResolved(tenantId, libraryId, conflict));
  }
}
