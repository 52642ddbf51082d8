package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;
import java.time.Duration;
import java.time.Instant;

/**
 * When a library's own scheduled jobs last ran, kept in its state so the schedule follows the library to whichever
 * node runs it and survives restarts. Null: never (a journal from before the job existed).
 *
 * @param lastFullSync when the last full sync started
 * @param lastCleanup  when the last cleanup ran
 */
public record ScheduledJobs(Instant lastFullSync, Instant lastCleanup) implements CborSerializable {
  public static final ScheduledJobs NONE = new ScheduledJobs(null, null);

  ScheduledJobs fullSyncStarted(Instant at) {
    return new ScheduledJobs(at, lastCleanup);
  }

  ScheduledJobs cleanedUp(Instant at) {
    return new ScheduledJobs(lastFullSync, at);
  }

  /**
   * When a job done last at {@code last} (null: never) with {@code interval} between runs is due next (zero or null
   * interval: never, null). A job never done counts from {@code since} (the library's creation): a library's first
   * full sync comes one interval after it was made, not with its first run, which walks everything anyway.
   */
  static Instant due(Instant last, Instant since, Duration interval) {
    if (interval == null || interval.isZero()) return null;
    Instant from = last != null ? last : since;
    return from == null ? Instant.EPOCH : from.plus(interval);
  }
}
