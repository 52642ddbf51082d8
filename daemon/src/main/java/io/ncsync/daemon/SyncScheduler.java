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
import java.time.Duration;
import java.util.List;

/**
 * Keeps every library of the given tenants going. At start it wakes each library once with a harmless
 * {@link Library.Get} (so a library interrupted by a crash or restart recovers, closes its interrupted run and resumes
 * its own schedule); then, every {@code interval}, it sends {@link Library.Sync} to each (a library already running
 * answers with its active run, which is fine; replies are ignored). An interval of zero means wake-up only.
 *
 * <p>Listing a tenant's libraries can fail while the journal or sharding is still starting: the wake-up is retried
 * with back-off; a failed periodic round is only logged, the next round retries.
 */
public final class SyncScheduler extends AbstractBehavior<SyncScheduler.Command> {

  /** Only private messages: the scheduler acts on its own. */
  public sealed interface Command {}

  private record WakeUp(String tenantId, int attempt) implements Command {}

  private record SyncAll() implements Command {}

  private record Listed(String tenantId, Purpose purpose, int attempt, List<LibraryRef> libraries) implements Command {}

  private record ListingFailed(String tenantId, Purpose purpose, int attempt, Throwable cause) implements Command {}

  private enum Purpose {
    WAKE,
    SYNC
  }

  static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(1);

  private final ClusterSharding sharding;
  private final List<String> tenantIds;
  private final Duration askTimeout;
  private final TimerScheduler<Command> timers;
  private final ActorRef<StatusReply<LibraryConfig>> ignoreConfig;
  private final ActorRef<StatusReply<Library.SyncAccepted>> ignoreSync;

  /**
   * @param tenantIds whose libraries to keep going
   * @param interval  between periodic sync rounds; zero for wake-up only
   */
  public static Behavior<Command> create(
      ClusterSharding sharding, List<String> tenantIds, Duration interval, Duration askTimeout) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      for (String tenantId : tenantIds) context.getSelf().tell(new WakeUp(tenantId, 0));
      if (!interval.isZero()) timers.startTimerWithFixedDelay("sync-all", new SyncAll(), interval);
      return new SyncScheduler(context, sharding, tenantIds, askTimeout, timers);
    }));
  }

  private SyncScheduler(
      ActorContext<Command> context,
      ClusterSharding sharding,
      List<String> tenantIds,
      Duration askTimeout,
      TimerScheduler<Command> timers) {
    super(context);
    this.sharding = sharding;
    this.tenantIds = List.copyOf(tenantIds);
    this.askTimeout = askTimeout;
    this.timers = timers;
    this.ignoreConfig = context.getSystem().ignoreRef();
    this.ignoreSync = context.getSystem().ignoreRef();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(WakeUp.class, this::onWakeUp)
        .onMessage(SyncAll.class, this::onSyncAll)
        .onMessage(Listed.class, this::onListed)
        .onMessage(ListingFailed.class, this::onListingFailed)
        .build();
  }

  private Behavior<Command> onWakeUp(WakeUp command) {
    list(command.tenantId(), Purpose.WAKE, command.attempt());
    return this;
  }

  private Behavior<Command> onSyncAll(SyncAll command) {
    for (String tenantId : tenantIds) list(tenantId, Purpose.SYNC, 0);
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
    for (LibraryRef ref : listed.libraries()) {
      var library = sharding.entityRefFor(Library.ENTITY_KEY, Library.entityId(listed.tenantId(), ref.libraryId()));
      if (listed.purpose() == Purpose.WAKE) {
        library.tell(new Library.Get(ignoreConfig));
      } else {
        library.tell(new Library.Sync(ignoreSync));
      }
    }
    if (listed.purpose() == Purpose.WAKE) {
      getContext().getLog().info("woke {} libraries of tenant '{}'", listed.libraries().size(), listed.tenantId());
    } else {
      getContext().getLog().debug("periodic sync requested for {} libraries of tenant '{}'",
          listed.libraries().size(), listed.tenantId());
    }
    return this;
  }

  private Behavior<Command> onListingFailed(ListingFailed failed) {
    if (CoordinatedShutdown.get(getContext().getSystem()).getShutdownReason().isPresent()) {
      return this; // shard regions are stopping; nothing to retry
    }
    if (failed.purpose() == Purpose.WAKE) {
      Duration delay = retryDelay(failed.attempt());
      getContext().getLog().warn("could not list the libraries of tenant '{}' ({}); retrying in {} s",
          failed.tenantId(), failed.cause().toString(), delay.toSeconds());
      timers.startSingleTimer("wake-" + failed.tenantId(), new WakeUp(failed.tenantId(), failed.attempt() + 1), delay);
    } else {
      getContext().getLog().warn("periodic sync skipped for tenant '{}': could not list its libraries ({})",
          failed.tenantId(), failed.cause().toString());
    }
    return this;
  }

  /** 1 s, 2 s, 4 s … capped at one minute. */
  static Duration retryDelay(int attempt) {
    long seconds = 1L << Math.min(attempt, 6);
    return seconds >= MAX_RETRY_DELAY.toSeconds() ? MAX_RETRY_DELAY : Duration.ofSeconds(seconds);
  }
}
