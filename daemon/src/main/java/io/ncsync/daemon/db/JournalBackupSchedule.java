package io.ncsync.daemon.db;

import akka.actor.Cancellable;
import akka.actor.typed.ActorSystem;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link JournalBackups#backup} every {@code interval} on the blocking executor, the first one when the newest
 * existing backup is an interval old (at once on a data dir without backups), so restarts do not pile up backups.
 * A failed backup is logged as an error and tried again at the next tick; the daemon goes on.
 */
public final class JournalBackupSchedule {
  private static final Logger log = LoggerFactory.getLogger(JournalBackupSchedule.class);

  private JournalBackupSchedule() {}

  public static Cancellable start(ActorSystem<?> system, JournalBackups backups, Duration interval) {
    scala.concurrent.ExecutionContextExecutor blocking = system.dispatchers()
        .lookup(akka.actor.typed.DispatcherSelector.fromConfig("ncsync.blocking-io-dispatcher"));
    Duration first;
    try {
      first = backups.newest()
          .map(newest -> Duration.between(Instant.now(), newest.plus(interval)))
          .filter(wait -> !wait.isNegative())
          .orElse(Duration.ofSeconds(30));
    } catch (java.io.IOException e) {
      first = Duration.ofSeconds(30);
    }
    log.info("journal backups every {} into {}, the next in {} s", interval, backups.dir(), first.toSeconds());
    return system.scheduler().scheduleWithFixedDelay(first, interval, () -> {
      try {
        backups.backup("daily");
      } catch (Exception e) {
        log.error("journal backup into {} failed: {}; trying again in {}", backups.dir(), e.toString(), interval);
      }
    }, blocking);
  }
}
