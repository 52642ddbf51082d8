package io.ncsync.daemon.connections;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.daemon.sync.RemoteStores;
import io.ncsync.persistence.tenant.ConnectionRecord;
import io.ncsync.persistence.tenant.Tenant;
import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.DavEndpoint;
import io.ncsync.protocol.RemoteStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Opens the {@link RemoteStore} of a stored connection: asks the tenant for the record, decrypts the app password and
 * builds the WebDAV endpoint. One store per connection is kept (connections are immutable once created), so its HTTP
 * connection pool is shared by every library on that connection. A failed lookup is not cached.
 */
public final class ConnectionRemoteStores implements RemoteStores {
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final CredentialCipher cipher;
  private final Function<DavEndpoint, RemoteStore> storeFactory;
  private final ConcurrentHashMap<String, CompletableFuture<RemoteStore>> stores = new ConcurrentHashMap<>();

  public ConnectionRemoteStores(
      ClusterSharding sharding,
      Duration askTimeout,
      CredentialCipher cipher,
      Function<DavEndpoint, RemoteStore> storeFactory) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
    this.cipher = cipher;
    this.storeFactory = storeFactory;
  }

  /** Stores backed by the akka-http WebDAV client. */
  public static ConnectionRemoteStores create(ActorSystem<?> system, Duration askTimeout, CredentialCipher cipher) {
    return new ConnectionRemoteStores(
        ClusterSharding.get(system), askTimeout, cipher, endpoint -> AkkaHttpRemoteStore.create(system, endpoint));
  }

  /** What the cipher binds a connection's stored password to: it decrypts only on its own record. */
  public static String associatedData(String tenantId, String connectionId) {
    return "connection:" + tenantId + "/" + connectionId;
  }

  @Override
  public CompletionStage<RemoteStore> forConnection(String tenantId, String connectionId) {
    // A failed lookup stays in the map only until the next call replaces it.
    return stores.compute(tenantId + "/" + connectionId, (key, current) ->
        current != null && !current.isCompletedExceptionally() ? current : open(tenantId, connectionId));
  }

  private CompletableFuture<RemoteStore> open(String tenantId, String connectionId) {
    return sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId)
        .<ConnectionRecord>askWithStatus(replyTo -> new Tenant.GetConnection(connectionId, replyTo), askTimeout)
        .thenApply(connection -> open(tenantId, connection))
        .toCompletableFuture();
  }

  private RemoteStore open(String tenantId, ConnectionRecord connection) {
    String password = cipher.decrypt(connection.encryptedSecret(), associatedData(tenantId, connection.id()));
    DavEndpoint endpoint = new DavEndpoint(
        ConnectionUrls.davRoot(connection.kind(), connection.url(), connection.username()),
        connection.username(),
        password);
    return storeFactory.apply(endpoint);
  }
}
