package io.ncsync.daemon.connections;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.PromiseKeepingRemoteStore;
import io.ncsync.protocol.RemoteStore;
import io.ncsync.protocol.ServerPromises;
import io.ncsync.protocol.http.HttpTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Probes each connection's server once, before the engine first gets its store, and hands the engine a store that
 * makes up for the promises the server breaks ({@link PromiseKeepingRemoteStore}). The results are kept in memory for
 * the admin API, one per connection; a restarted daemon probes again. A probe that fails for a reason that may pass
 * (no answer, 5xx, 429) fails the store's opening, so the next use probes again; one the server refuses for good
 * (e.g. 403: the account's root is read-only) leaves the connection trusting nothing: every guarded write is checked
 * and every walk is full.
 */
public final class ServerPromisesBook implements Extension {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServerPromisesBook.class);

  /** The one book of an ActorSystem. */
  public static final class Id extends ExtensionId<ServerPromisesBook> {
    private static final Id INSTANCE = new Id();

    @Override
    public ServerPromisesBook createExtension(ActorSystem<?> system) {
      return new ServerPromisesBook();
    }
  }

  private final ConcurrentHashMap<String, ServerPromisesStatus> statuses = new ConcurrentHashMap<>();

  ServerPromisesBook() {}

  public static ServerPromisesBook get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** What the connection's server was found to keep; empty until its store was first opened. */
  public Optional<ServerPromisesStatus> status(String tenantId, String connectionId) {
    return Optional.ofNullable(statuses.get(key(tenantId, connectionId)));
  }

  /** Drops what was found about a deleted connection. */
  public void forget(String tenantId, String connectionId) {
    statuses.remove(key(tenantId, connectionId));
  }

  /**
   * Probes {@code root} (the connection's root store) in a scratch folder and answers it wrapped according to what
   * the server keeps; records the result under the connection.
   *
   * @param tempDir where the probe's small local file is written
   */
  public CompletionStage<RemoteStore> keepPromises(
      String tenantId, String connectionId, RemoteStore root, Path tempDir) {
    String connection = key(tenantId, connectionId);
    return probe(root, tempDir, connection).handle((promises, error) -> {
      if (error == null) return record(connection, root, promises, null);
      Throwable cause = HttpTransport.unwrap(error);
      if (cause instanceof DavException dav && !dav.error().retryable()) {
        LOG.warn("connection {}: cannot check whether the server keeps its promises ({}); trusting none of them",
            connection, dav.getMessage());
        return record(connection, root, ServerPromises.NONE_TRUSTED, "the probe failed: " + dav.getMessage());
      }
      throw new java.util.concurrent.CompletionException(cause);
    });
  }

  /** Probes, creating {@code tempDir} (the daemon's own folder for the probe's local file) when it is missing. */
  static CompletionStage<ServerPromises> probe(RemoteStore root, Path tempDir, String connection) {
    Path folder;
    try {
      folder = Files.createDirectories(tempDir);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(new UncheckedIOException(
          "cannot create " + tempDir + " for the server promise probe: " + e.getMessage(), e));
    }
    return ServerPromises.probe(root, folder, cleanup -> LOG.warn(
        "connection {}: the promise probe could not remove its scratch folder {}*: {}", connection,
        ServerPromises.SCRATCH_PREFIX, cleanup.getMessage()));
  }

  private RemoteStore record(String connection, RemoteStore root, ServerPromises promises, String problem) {
    RemoteStore kept = PromiseKeepingRemoteStore.keeping(root, promises);
    ServerPromisesStatus status = ServerPromisesStatus.of(promises, !kept.etagsPropagate(), problem);
    statuses.put(connection, status);
    java.util.List<String> measures = new java.util.ArrayList<>();
    if (!promises.refusesIfNoneMatchOnExisting() || !promises.refusesStaleIfMatch()) {
      measures.add("checks the destination before each guarded upload or delete");
    }
    if (root.etagsPropagate() && !kept.etagsPropagate()) measures.add("walks every folder instead of pruning by ETag");
    if (problem == null && !measures.isEmpty()) {
      LOG.warn("connection {}: the server does not keep its promises ({}); the daemon {}", connection, promises,
          String.join(" and ", measures));
    }
    return kept;
  }

  private static String key(String tenantId, String connectionId) {
    return tenantId + "/" + connectionId;
  }
}
