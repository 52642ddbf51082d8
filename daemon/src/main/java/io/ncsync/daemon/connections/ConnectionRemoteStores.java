package io.ncsync.daemon.connections;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.daemon.sync.RemoteStores;
import io.ncsync.persistence.tenant.ConnectionKind;
import io.ncsync.persistence.tenant.ConnectionRecord;
import io.ncsync.persistence.tenant.Tenant;
import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.DavEndpoint;
import io.ncsync.protocol.RemoteStore;
import io.ncsync.protocol.http.BandwidthLimiter;
import io.ncsync.protocol.http.TransportSettings;
import io.ncsync.protocol.nextcloud.NextcloudConnection;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Opens the {@link RemoteStore} of a stored connection: asks the tenant for the record, decrypts the app password and
 * builds the WebDAV endpoint. One store per connection is kept (connections are immutable once created), so its HTTP
 * connection pool is shared by every library on that connection. A failed lookup is not cached. In the daemon the store
 * is probed for the server's promises before first use, and handed out wrapped for what it does not keep
 * ({@link ServerPromisesBook}).
 */
public final class ConnectionRemoteStores implements RemoteStores {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConnectionRemoteStores.class);

  /**
   * What opening one stored connection needs. {@code endpoint} is the files root as the URL and login imply it;
   * {@code tenantLimiter} is the bandwidth shared by all connections of the tenant.
   */
  public record OpenRequest(ConnectionKind kind, URI serverUrl, DavEndpoint endpoint, BandwidthLimiter tenantLimiter,
      Integer requestsPerSecond, String connectionId, String tenantId) {

    /**
     * Who the WebDAV locks this connection takes belong to: the connection's id is a random UUID, so a lock a killed
     * daemon left behind is recognised as its own after the restart, and nobody else's ever is.
     */
    String lockOwner() {
      return "ncsync connection " + connectionId;
    }

    /** The client settings with this connection's own pacing, when it has one, its requests timed as its tenant's. */
    AkkaHttpRemoteStore.Settings tuned(AkkaHttpRemoteStore.Settings settings) {
      TransportSettings transport = settings.transport().withMetricsOwner(tenantId);
      if (requestsPerSecond != null) transport = transport.withRateLimit(requestsPerSecond, Math.max(1, requestsPerSecond));
      return settings.withTransport(transport);
    }
  }

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final CredentialCipher cipher;
  private final Function<OpenRequest, CompletionStage<RemoteStore>> opener;
  private final Function<String, BandwidthLimiter> tenantLimiterFactory;
  private final PromiseKeeper promiseKeeper;
  private final ConcurrentHashMap<String, OpenedStore> stores = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, BandwidthLimiter> tenantLimiters = new ConcurrentHashMap<>();

  public ConnectionRemoteStores(
      ClusterSharding sharding,
      Duration askTimeout,
      CredentialCipher cipher,
      Function<OpenRequest, CompletionStage<RemoteStore>> opener) {
    this(sharding, askTimeout, cipher, opener, tenant -> BandwidthLimiter.unlimited());
  }

  /** @param tenantLimiterFactory makes the one bandwidth limiter a tenant's connections share */
  public ConnectionRemoteStores(
      ClusterSharding sharding,
      Duration askTimeout,
      CredentialCipher cipher,
      Function<OpenRequest, CompletionStage<RemoteStore>> opener,
      Function<String, BandwidthLimiter> tenantLimiterFactory) {
    this(sharding, askTimeout, cipher, opener, tenantLimiterFactory, (tenantId, connectionId, root) ->
        CompletableFuture.completedFuture(root));
  }

  /** Makes up, on this side, for the promises a connection's server breaks; given its freshly opened root store. */
  @FunctionalInterface
  public interface PromiseKeeper {
    CompletionStage<RemoteStore> keep(String tenantId, String connectionId, RemoteStore root);
  }

  /** @param promiseKeeper probes a connection's server before its store is first handed out, and wraps the store */
  public ConnectionRemoteStores(
      ClusterSharding sharding,
      Duration askTimeout,
      CredentialCipher cipher,
      Function<OpenRequest, CompletionStage<RemoteStore>> opener,
      Function<String, BandwidthLimiter> tenantLimiterFactory,
      PromiseKeeper promiseKeeper) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
    this.cipher = cipher;
    this.opener = opener;
    this.tenantLimiterFactory = tenantLimiterFactory;
    this.promiseKeeper = promiseKeeper;
  }

  /**
   * Nextcloud connections go through {@link NextcloudConnection}: capabilities and the user id are discovered, and the
   * files store gets chunked upload, checksums, session cookies, retries and the rate limit. Plain WebDAV connections
   * get the WebDAV client alone.
   */
  /**
   * @param tenantBytesPerSecond bandwidth all connections of one tenant share (0 = unlimited)
   * @param probeDir             the daemon's own folder for the promise probe's small local file
   */
  public static ConnectionRemoteStores create(ActorSystem<?> system, Duration askTimeout, CredentialCipher cipher,
      AkkaHttpRemoteStore.Settings settings, long tenantBytesPerSecond, Path probeDir) {
    ServerPromisesBook book = ServerPromisesBook.get(system);
    return new ConnectionRemoteStores(ClusterSharding.get(system), askTimeout, cipher, request -> {
      if (request.kind() == ConnectionKind.NEXTCLOUD) {
        NextcloudConnection connection = NextcloudConnection.open(
            system, request.serverUrl(), request.endpoint().username(), request.endpoint().password(), request.tuned(settings));
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "close-connection-" + UUID.randomUUID(), () -> {
              connection.close();
              return CompletableFuture.completedFuture(Done.getInstance());
            });
        return connection.files().thenApply(store -> (RemoteStore) store.withBandwidthLimiter(request.tenantLimiter()));
      }
      return CompletableFuture.completedFuture(
          AkkaHttpRemoteStore.create(system, request.endpoint(), request.tuned(settings))
              .withLockOwner(request.lockOwner())
              .withBandwidthLimiter(request.tenantLimiter()));
    }, tenant -> BandwidthLimiter.create(system, tenantBytesPerSecond),
        (tenantId, connectionId, root) -> book.keepPromises(tenantId, connectionId, root, probeDir));
  }

  /** What the cipher binds a connection's stored password to: it decrypts only on its own record. */
  public static String associatedData(String tenantId, String connectionId) {
    return "connection:" + tenantId + "/" + connectionId;
  }

  /**
   * The connection's store as its record is now: the record is read each time (a local ask), and a store opened for
   * an earlier version of it (another URL, user, password or pacing: {@code PATCH /connections/{id}}) is replaced.
   */
  @Override
  public CompletionStage<RemoteStore> forConnection(String tenantId, String connectionId) {
    return sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId)
        .<ConnectionRecord>askWithStatus(replyTo -> new Tenant.GetConnection(connectionId, replyTo), askTimeout)
        .thenCompose(connection -> {
          String version = version(connection);
          // A failed opening stays in the map only until the next call replaces it.
          return stores.compute(tenantId + "/" + connectionId, (key, current) ->
              current != null && current.version().equals(version) && !current.store().isCompletedExceptionally()
                  ? current
                  : new OpenedStore(version, open(tenantId, connection).toCompletableFuture())).store();
        });
  }

  private record OpenedStore(String version, CompletableFuture<RemoteStore> store) {}

  /** What a store is opened from; any change means a new store. */
  private static String version(ConnectionRecord c) {
    return String.join("\u0000", c.kind().name(), c.url(), c.username(), c.encryptedSecret(),
        String.valueOf(c.allowInsecureHttp()), String.valueOf(c.requestsPerSecond()));
  }

  private CompletionStage<RemoteStore> open(String tenantId, ConnectionRecord connection) {
    String password = cipher.decrypt(tenantId, connection.encryptedSecret(), associatedData(tenantId, connection.id()));
    DavEndpoint endpoint = new DavEndpoint(
        ConnectionUrls.davRoot(connection.kind(), connection.url(), connection.username()),
        connection.username(),
        password);
    BandwidthLimiter tenantLimiter = tenantLimiters.computeIfAbsent(tenantId, tenantLimiterFactory);
    return opener.apply(new OpenRequest(connection.kind(), URI.create(connection.url()), endpoint, tenantLimiter,
            connection.requestsPerSecond(), connection.id(), tenantId))
        .thenCompose(root -> promiseKeeper.keep(tenantId, connection.id(), root));
  }
}
