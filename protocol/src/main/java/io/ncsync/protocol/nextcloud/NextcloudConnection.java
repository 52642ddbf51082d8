package io.ncsync.protocol.nextcloud;

import akka.actor.ClassicActorSystemProvider;
import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.DavEndpoint;
import io.ncsync.protocol.http.HttpTransport;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything ncsync talks to on one Nextcloud account, sharing one {@link HttpTransport} (one pool, one session
 * cookie, one rate limit, one circuit breaker): discovery, the files store, the activity feed, versions, trash bin and
 * upload folders. Open one per stored connection and keep it; {@link #close()} when the connection is removed.
 */
public final class NextcloudConnection implements AutoCloseable {
  private final HttpTransport transport;
  private final URI serverBase;
  private final String loginName;
  private final String appPassword;
  private final AkkaHttpRemoteStore.Settings settings;
  private final ServerDiscovery discovery;
  private final ActivityFeed activity;
  private final AtomicReference<CompletableFuture<AkkaHttpRemoteStore>> files = new AtomicReference<>();

  private NextcloudConnection(ClassicActorSystemProvider system, URI serverBase, String loginName, String appPassword,
      AkkaHttpRemoteStore.Settings settings) {
    this.serverBase = NextcloudFeatures.withSlash(serverBase);
    this.loginName = loginName;
    this.appPassword = appPassword;
    this.settings = settings;
    this.transport = HttpTransport.create(system, loginName, appPassword, settings.effectiveTransport());
    this.discovery = ServerDiscovery.create(transport, this.serverBase);
    this.activity = ActivityFeed.create(transport, this.serverBase);
  }

  /**
   * @param serverBase  the address users open in a browser, e.g. {@code https://cloud.example.com/}
   * @param loginName   the login name (the user id for DAV paths is discovered)
   * @param appPassword an app password; kept only in this connection's Authorization header
   */
  public static NextcloudConnection open(ClassicActorSystemProvider system, URI serverBase, String loginName,
      String appPassword, AkkaHttpRemoteStore.Settings settings) {
    return new NextcloudConnection(system, serverBase, loginName, appPassword, settings);
  }

  public URI serverBase() {
    return serverBase;
  }

  public HttpTransport transport() {
    return transport;
  }

  public ServerDiscovery discovery() {
    return discovery;
  }

  public ActivityFeed activity() {
    return activity;
  }

  /** Checks the connection step by step (see {@link ConnectionTest}). */
  public CompletionStage<ConnectionTestResult> test() {
    return ConnectionTest.run(transport, serverBase);
  }

  /**
   * The store of the user's files ({@code remote.php/dav/files/<userId>/}) with the features the server offers; made
   * once after discovery (a failed discovery is retried by the next call). Scope it to a library's folder with
   * {@link AkkaHttpRemoteStore#scoped(String)}.
   */
  public CompletionStage<AkkaHttpRemoteStore> files() {
    while (true) {
      CompletableFuture<AkkaHttpRemoteStore> current = files.get();
      if (current != null && !current.isCompletedExceptionally()) return current;
      CompletableFuture<AkkaHttpRemoteStore> fresh = new CompletableFuture<>();
      if (files.compareAndSet(current, fresh)) {
        discovery.features().thenCombine(discovery.capabilities(), this::filesStore).whenComplete((store, error) -> {
          if (error != null) {
            files.compareAndSet(fresh, null);
            fresh.completeExceptionally(error);
          } else {
            fresh.complete(store);
          }
        });
        return fresh;
      }
    }
  }

  /** The files store with what the server offers, reading changes from the activity stream when it has one. */
  private AkkaHttpRemoteStore filesStore(NextcloudFeatures features, Capabilities capabilities) {
    DavEndpoint endpoint = new DavEndpoint(features.filesRoot(), loginName, appPassword);
    AkkaHttpRemoteStore store = AkkaHttpRemoteStore.create(transport, endpoint, settings).withFeatures(features)
        .withForbiddenNames(capabilities.refusedNames());
    return capabilities.activity() ? store.withChangeFeed(ActivityChangeFeed.of(activity)) : store;
  }

  /** Asks the server for its capabilities again; the next {@link #files()} uses what it says now. */
  public CompletionStage<Capabilities> refresh() {
    discovery.refresh();
    files.set(null);
    return discovery.capabilities();
  }

  public CompletionStage<Versions> versions() {
    return files().thenApply(Versions::create);
  }

  public CompletionStage<Trashbin> trashbin() {
    return files().thenApply(Trashbin::create);
  }

  public CompletionStage<UploadFolders> uploadFolders() {
    return files().thenApply(UploadFolders::create);
  }

  @Override
  public void close() {
    transport.close();
  }

  @Override
  public String toString() {
    return "NextcloudConnection[" + serverBase + ", " + loginName + "]";
  }
}
