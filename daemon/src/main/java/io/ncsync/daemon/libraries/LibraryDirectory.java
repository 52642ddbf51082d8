package io.ncsync.daemon.libraries;

import akka.Done;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.pattern.StatusReply;
import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.persistence.tenant.LibraryRef;
import io.ncsync.persistence.tenant.Tenant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configurations of a tenant's libraries, read from the tenant's read model ({@link LibraryRef#config()}), so a
 * list, a new library's clash check or a connection's users cost one ask however many libraries there are, and wake
 * none of them (issue 12). A registration from before the read model is completed by asking its library once.
 */
public final class LibraryDirectory {
  private static final Logger log = LoggerFactory.getLogger(LibraryDirectory.class);

  private final ClusterSharding sharding;
  private final Duration askTimeout;

  public LibraryDirectory(ClusterSharding sharding, Duration askTimeout) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
  }

  /**
   * Every registered library's configuration, oldest first. One whose entity does not answer with its config (its
   * creation did not complete) is left out and logged, so one broken library does not hide the others.
   */
  public CompletionStage<List<LibraryConfig>> configs(String tenantId) {
    return tenant(tenantId).<Tenant.Libraries>ask(Tenant.ListLibraries::new, askTimeout).thenCompose(all -> {
      List<CompletableFuture<Optional<LibraryConfig>>> lookups = new ArrayList<>();
      for (LibraryRef ref : all.libraries()) {
        lookups.add(ref.config() != null
            ? CompletableFuture.completedFuture(Optional.of(ref.config()))
            : askAndRecord(tenantId, ref).toCompletableFuture());
      }
      return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
          .thenApply(done -> lookups.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList());
    });
  }

  /** Records {@code config} as its library now holds it; harmless for a library no longer registered. */
  public CompletionStage<Done> record(LibraryConfig config) {
    return tenant(config.tenantId()).ask(replyTo -> new Tenant.RecordLibraryConfig(config, replyTo), askTimeout);
  }

  /** A registration without a configuration (journaled before the read model kept it): the library tells, once. */
  private CompletionStage<Optional<LibraryConfig>> askAndRecord(String tenantId, LibraryRef ref) {
    return sharding.entityRefFor(Library.ENTITY_KEY, Library.entityId(tenantId, ref.libraryId()))
        .<LibraryConfig>askWithStatus(Library.Get::new, askTimeout)
        .handle((config, error) -> {
          if (error == null) return Optional.of(config);
          Throwable cause = error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error;
          if (cause instanceof StatusReply.ErrorMessage) {
            log.warn("library {} '{}' is registered but has no configuration: {}", ref.libraryId(), ref.name(),
                cause.getMessage());
            return Optional.<LibraryConfig>empty();
          }
          throw error instanceof CompletionException c ? c : new CompletionException(error);
        })
        .thenCompose(found -> found.isEmpty()
            ? CompletableFuture.completedFuture(found)
            : record(found.get()).thenApply(recorded -> found));
  }

  private akka.cluster.sharding.typed.javadsl.EntityRef<Tenant.Command> tenant(String tenantId) {
    return sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId);
  }
}
