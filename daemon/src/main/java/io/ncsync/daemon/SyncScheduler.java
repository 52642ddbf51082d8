package io.ncsync.daemon;

import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.pattern.StatusReply;
import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.persistence.tenant.LibraryRef;
import io.ncsync.persistence.tenant.Tenant;
import io.ncsync.persistence.tenant.TenantDirectory;
import io.ncsync.persistence.tenant.TenantRecord;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.time.Duration;
import java.util.List;

/**
 * Keeps every library of every tenant going (the tenants are listed again each round, so new ones join). At start it wakes each library once with a harmless
 * {@link Library.Get} (so a library interrupted by a crash or restart recovers, closes its interrupted run and resumes
 * its own schedule) and waits for every answer: when all tenants' libraries have answered, the {@link RecoveryGate}
 * opens (readiness turns 200); a library that does not answer after {@link #RECOVERY_ATTEMPTS} asks, or a tenant
 * whose libraries cannot be listed after {@link #LISTING_ATTEMPTS} tries, fails the gate, which ends the start. Then,
 * every {@link #tick}, it sends {@link Library.PeriodicSync} with the daemon's {@link Library.Schedule} to each: the
 * library itself decides what is due by its own intervals (or those defaults) and the times it keeps in its journal:
 * its cleanup, a full sync, an incremental run. This actor only keeps the libraries ticking.
 *
 * <p>Listing a tenant's libraries can fail while the journal or sharding is still starting: the wake-up is retried
 * with back-off; a failed periodic round is only logged, the next round retries.
 */
public final class SyncScheduler extends AbstractBehavior<SyncScheduler.Command> {

  /** Only private messages: the scheduler acts on its own. */
  public sealed interface Command {}

  private record ListTenants(Purpose purpose, int attempt) implements Command {}

  private record TenantsListed(Purpose purpose, int attempt, List<String> tenantIds) implements Command {}

  private record TenantsListingFailed(Purpose purpose, int attempt, Throwable cause) implements Command {}

  private record WakeUp(String tenantId, int attempt) implements Command {}

  private record SyncAll() implements Command {}

  private record Listed(String tenantId, Purpose purpose, int attempt, List<LibraryRef> libraries) implements Command {}

  private record ListingFailed(String tenantId, Purpose purpose, int attempt, Throwable cause) implements Command {}

  private record LibraryAnswered(String tenantId, String libraryId) implements Command {}

  private record LibrarySilent(String tenantId, String libraryId, int attempt, Throwable cause) implements Command {}

  private enum Purpose {
    WAKE,
    SYNC
  }

  static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(1);
  /** Asks a library gets to recover (each waiting {@code recoveryTimeout}) before the start is declared failed. */
  static final int RECOVERY_ATTEMPTS = 3;
  /** Tries to list a tenant's libraries at start (about two minutes with the back-off) before the start fails. */
  static final int LISTING_ATTEMPTS = 7;

  /** Where the tenants come from: the {@link TenantDirectory}, asked again each round so new tenants are seen. */
  @FunctionalInterface
  public interface TenantIds {
    CompletionStage<List<String>> list();

    static TenantIds of(List<String> tenantIds) {
      List<String> copy = List.copyOf(tenantIds);
      return () -> CompletableFuture.completedFuture(copy);
    }

    static TenantIds fromDirectory(ClusterSharding sharding, Duration askTimeout) {
      return () -> TenantDirectory.ref(sharding)
          .<TenantDirectory.Tenants>ask(TenantDirectory.ListTenants::new, askTimeout)
          .thenApply(all -> all.tenants().stream().map(TenantRecord::id).toList());
    }
  }

  private final ClusterSharding sharding;
  private final TenantIds tenantIds;
  /** The daemon's intervals; each library may have its own. */
  private final Library.Schedule schedule;
  private final Duration askTimeout;
  private final TimerScheduler<Command> timers;
  private final RecoveryGate gate;
  private final Duration recoveryTimeout;
  /** Tenants whose libraries are still to be listed at start; null until the tenants themselves are known. */
  private java.util.Set<String> tenantsToList;
  private final java.util.Set<LibraryKey> recovering = new java.util.HashSet<>();
  private int recovered;

  /**
   * @param tenantIds whose libraries to keep going
   * @param interval  between periodic sync rounds; zero for wake-up only (no full syncs, no cleanups either)
   */
  public static Behavior<Command> create(ClusterSharding sharding, List<String> tenantIds, Duration interval,
      Duration askTimeout, Duration recoveryTimeout, RecoveryGate gate) {
    return create(sharding, TenantIds.of(tenantIds), new Library.PeriodicSync(interval).defaults(), askTimeout,
        recoveryTimeout, gate);
  }

  /** @param schedule the daemon's intervals for libraries without their own */
  public static Behavior<Command> create(ClusterSharding sharding, TenantIds tenantIds, Library.Schedule schedule,
      Duration askTimeout, Duration recoveryTimeout, RecoveryGate gate) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      context.getSelf().tell(new ListTenants(Purpose.WAKE, 0));
      timers.startTimerWithFixedDelay("sync-all", new SyncAll(), tick(schedule.syncInterval()));
      return new SyncScheduler(context, sharding, tenantIds, schedule, askTimeout, timers, recoveryTimeout, gate);
    }));
  }

  private SyncScheduler(
      ActorContext<Command> context,
      ClusterSharding sharding,
      TenantIds tenantIds,
      Library.Schedule schedule,
      Duration askTimeout,
      TimerScheduler<Command> timers,
      Duration recoveryTimeout,
      RecoveryGate gate) {
    super(context);
    this.sharding = sharding;
    this.tenantIds = tenantIds;
    this.schedule = schedule;
    this.askTimeout = askTimeout;
    this.timers = timers;
    this.recoveryTimeout = recoveryTimeout;
    this.gate = gate;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ListTenants.class, this::onListTenants)
        .onMessage(TenantsListed.class, this::onTenantsListed)
        .onMessage(TenantsListingFailed.class, this::onTenantsListingFailed)
        .onMessage(WakeUp.class, this::onWakeUp)
        .onMessage(SyncAll.class, this::onSyncAll)
        .onMessage(Listed.class, this::onListed)
        .onMessage(ListingFailed.class, this::onListingFailed)
        .onMessage(LibraryAnswered.class, this::onLibraryAnswered)
        .onMessage(LibrarySilent.class, this::onLibrarySilent)
        .build();
  }

  /**
   * How often libraries are asked whether their interval has passed: often enough for a library whose own interval is
   * shorter than the daemon's (at least every {@link #MAX_TICK}).
   */
  static Duration tick(Duration interval) {
    return interval.isZero() || interval.compareTo(MAX_TICK) > 0 ? MAX_TICK : interval;
  }

  private static final Duration MAX_TICK = Duration.ofSeconds(10);

  private Behavior<Command> onWakeUp(WakeUp command) {
    list(command.tenantId(), Purpose.WAKE, command.attempt());
    return this;
  }

  private Behavior<Command> onSyncAll(SyncAll command) {
    if (tenantsToList != null) listTenants(Purpose.SYNC, 0);
    return this;
  }

  private Behavior<Command> onListTenants(ListTenants command) {
    listTenants(command.purpose(), command.attempt());
    return this;
  }

  private void listTenants(Purpose purpose, int attempt) {
    getContext().pipeToSelf(tenantIds.list(), (ids, error) -> error == null
        ? new TenantsListed(purpose, attempt, ids)
        : new TenantsListingFailed(purpose, attempt, error));
  }

  private Behavior<Command> onTenantsListed(TenantsListed listed) {
    if (listed.purpose() != Purpose.WAKE) {
      for (String tenantId : listed.tenantIds()) list(tenantId, listed.purpose(), 0);
      return this;
    }
    if (tenantsToList != null) return this;
    tenantsToList = new java.util.HashSet<>(listed.tenantIds());
    for (String tenantId : listed.tenantIds()) getContext().getSelf().tell(new WakeUp(tenantId, 0));
    reportRecovery();
    return this;
  }

  private Behavior<Command> onTenantsListingFailed(TenantsListingFailed failed) {
    if (CoordinatedShutdown.get(getContext().getSystem()).getShutdownReason().isPresent()) return this;
    if (failed.purpose() != Purpose.WAKE) {
      getContext().getLog().warn("periodic round skipped: could not list the tenants ({})", failed.cause().toString());
    } else if (failed.attempt() + 1 >= LISTING_ATTEMPTS) {
      gate.fail("the tenants could not be listed after " + LISTING_ATTEMPTS + " tries (" + failed.cause() + ")");
    } else {
      Duration delay = retryDelay(failed.attempt());
      getContext().getLog().warn("could not list the tenants ({}); retrying in {} s", failed.cause().toString(),
          delay.toSeconds());
      timers.startSingleTimer("list-tenants", new ListTenants(Purpose.WAKE, failed.attempt() + 1), delay);
    }
    return this;
  }

  private void list(String tenantId, Purpose purpose, int attempt) {
    getContext().pipeToSelf(
        sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId).ask(Tenant.ListLibraries::new, askTimeout),
        (libraries, error) -> error == null
            ? new Listed(tenantId, purpose, attempt, libraries.libraries())
            : new ListingFailed(tenantId, purpose, attempt, error));
  }

  private Behavior<Command> onListed(Listed listed) {
    if (listed.purpose() == Purpose.WAKE) {
      if (tenantsToList == null || !tenantsToList.remove(listed.tenantId())) return this;
      for (LibraryRef ref : listed.libraries()) {
        recovering.add(key(listed.tenantId(), ref.libraryId()));
        wake(listed.tenantId(), ref.libraryId(), 0);
      }
      getContext().getLog().info("waking {} libraries of tenant '{}'", listed.libraries().size(), listed.tenantId());
      reportRecovery();
      return this;
    }
    for (LibraryRef ref : listed.libraries()) {
      sharding.entityRefFor(Library.ENTITY_KEY, Library.entityId(listed.tenantId(), ref.libraryId()))
          .tell(new Library.PeriodicSync(schedule));
    }
    getContext().getLog().debug("periodic sync requested for {} libraries of tenant '{}'",
        listed.libraries().size(), listed.tenantId());
    return this;
  }

  private Behavior<Command> onListingFailed(ListingFailed failed) {
    if (CoordinatedShutdown.get(getContext().getSystem()).getShutdownReason().isPresent()) {
      return this; // shard regions are stopping; nothing to retry
    }
    if (failed.purpose() == Purpose.WAKE && failed.attempt() + 1 >= LISTING_ATTEMPTS) {
      gate.fail("the libraries of tenant '" + failed.tenantId() + "' could not be listed after " + LISTING_ATTEMPTS
          + " tries (" + failed.cause() + ")");
    } else if (failed.purpose() == Purpose.WAKE) {
      Duration delay = retryDelay(failed.attempt());
      getContext().getLog().warn("could not list the libraries of tenant '{}' ({}); retrying in {} s",
          failed.tenantId(), failed.cause().toString(), delay.toSeconds());
      timers.startSingleTimer("wake-" + failed.tenantId(), new WakeUp(failed.tenantId(), failed.attempt() + 1), delay);
    } else {
      getContext().getLog().warn("periodic round skipped for tenant '{}': could not list its libraries ({})",
          failed.tenantId(), failed.cause().toString());
    }
    return this;
  }

  /** Asks a library for its configuration, which it can answer only once it has recovered. */
  private void wake(String tenantId, String libraryId, int attempt) {
    getContext().pipeToSelf(
        sharding.entityRefFor(Library.ENTITY_KEY, Library.entityId(tenantId, libraryId))
            .<StatusReply<LibraryConfig>>ask(Library.Get::new, recoveryTimeout),
        (reply, error) -> error == null
            ? new LibraryAnswered(tenantId, libraryId)
            : new LibrarySilent(tenantId, libraryId, attempt, error));
  }

  private Behavior<Command> onLibraryAnswered(LibraryAnswered answered) {
    if (recovering.remove(key(answered.tenantId(), answered.libraryId()))) {
      recovered++;
      reportRecovery();
    }
    return this;
  }

  private Behavior<Command> onLibrarySilent(LibrarySilent silent) {
    if (CoordinatedShutdown.get(getContext().getSystem()).getShutdownReason().isPresent()) return this;
    if (silent.attempt() + 1 >= RECOVERY_ATTEMPTS) {
      gate.fail("library " + silent.libraryId() + " of tenant '" + silent.tenantId() + "' did not recover within "
          + RECOVERY_ATTEMPTS + " × " + recoveryTimeout.toSeconds() + " s (" + silent.cause() + "); its journal "
          + "entries may be unreadable: the log above says why");
    } else {
      getContext().getLog().warn("library {} of tenant '{}' has not recovered yet ({}); asking again",
          silent.libraryId(), silent.tenantId(), silent.cause().toString());
      wake(silent.tenantId(), silent.libraryId(), silent.attempt() + 1);
    }
    return this;
  }

  private void reportRecovery() {
    if (tenantsToList == null) return;
    int known = recovered + recovering.size();
    if (tenantsToList.isEmpty() && recovering.isEmpty()) {
      if (!gate.isRecovered()) getContext().getLog().info("all {} libraries recovered", recovered);
      gate.recovered(recovered);
    } else {
      gate.progress(recovered, tenantsToList.isEmpty() ? known : -1);
    }
  }

  private record LibraryKey(String tenantId, String libraryId) {}

  private static LibraryKey key(String tenantId, String libraryId) {
    return new LibraryKey(tenantId, libraryId);
  }

  /** 1 s, 2 s, 4 s … capped at one minute. */
  static Duration retryDelay(int attempt) {
    long seconds = 1L << Math.min(attempt, 6);
    return seconds >= MAX_RETRY_DELAY.toSeconds() ? MAX_RETRY_DELAY : Duration.ofSeconds(seconds);
  }
}
