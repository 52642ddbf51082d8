package io.ncsync.daemon.sync;

import akka.actor.Cancellable;
import akka.actor.typed.ActorSystem;
import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.persistence.sync.ChangeWatch;
import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.RemotePaths;
import io.ncsync.protocol.RemoteStore;
import io.ncsync.protocol.nextcloud.PushNotifications;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the libraries' server folders: one notify_push socket per connection where the server offers it (every
 * {@code notify_file} tells each library of the connection; ETag pruning makes their look cheap), else, and while the
 * socket is down, a poll every interval, telling the library when its folder's ETag moved: one PROPFIND of each
 * library's root, or one listing of the parent its folder shares with other libraries.
 */
public final class RemoteWatchers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RemoteWatchers.class);
  private static final Duration PUSH_RETRY_MIN = Duration.ofSeconds(1);
  private static final Duration PUSH_RETRY_MAX = Duration.ofMinutes(5);
  /** From this many libraries in one parent folder on, they are polled by one listing of the parent. */
  static final int SHARED_LISTING_FROM = 3;

  private final ActorSystem<?> system;
  private final RemoteStores stores;
  private final Duration pollInterval;
  private final Map<String, ConnectionWatch> connections = new HashMap<>();

  public RemoteWatchers(ActorSystem<?> system, RemoteStores stores, Duration pollInterval) {
    this.system = system;
    this.stores = stores;
    this.pollInterval = pollInterval;
  }

  /** Starts telling {@code listener} of changes in the library's server folder. */
  public synchronized ChangeWatch watch(LibraryConfig config, ChangeWatch.Listener listener) {
    String key = config.tenantId() + "/" + config.connectionId();
    ConnectionWatch connection = connections.computeIfAbsent(key,
        k -> new ConnectionWatch(key, config.tenantId(), config.connectionId()));
    Registration registration = new Registration(connection, config, listener);
    connection.registrations.add(registration);
    connection.baseline(registration);
    return registration;
  }

  private synchronized void remove(Registration registration) {
    ConnectionWatch connection = registration.connection;
    connection.registrations.remove(registration);
    if (connection.registrations.isEmpty() && connections.remove(connection.key) != null) connection.stop();
  }

  @Override
  public synchronized void close() {
    connections.values().forEach(ConnectionWatch::stop);
    connections.clear();
  }

  /** One connection's socket and poller, shared by its libraries. */
  private final class ConnectionWatch implements PushNotifications.Listener {
    final String key;
    final String tenantId;
    final String connectionId;
    final Set<Registration> registrations = ConcurrentHashMap.newKeySet();
    final Cancellable poller;
    volatile PushNotifications push;
    volatile boolean pushConnected;
    volatile boolean everConnected;
    volatile boolean stopped;

    ConnectionWatch(String key, String tenantId, String connectionId) {
      this.key = key;
      this.tenantId = tenantId;
      this.connectionId = connectionId;
      stores.forConnection(tenantId, connectionId).whenComplete((store, error) -> {
        if (error != null || stopped) return; // polling finds out about the server by itself
        if (store instanceof AkkaHttpRemoteStore files && files.features().notifyPushWebsocket() != null) {
          push = PushNotifications.open(system, files.features().notifyPushWebsocket(), files.endpoint().username(),
              files.endpoint().password(), this, PUSH_RETRY_MIN, PUSH_RETRY_MAX);
          if (stopped) push.close();
        }
      });
      this.poller = system.scheduler().scheduleWithFixedDelay(pollInterval, pollInterval, this::poll,
          system.executionContext());
    }

    @Override
    public void filesChanged() {
      registrations.forEach(r -> r.listener.changed());
    }

    @Override
    public void state(boolean connected, String why) {
      boolean gap = connected && everConnected && !pushConnected;
      pushConnected = connected;
      if (connected) everConnected = true;
      // Back after a gap: whatever changed meanwhile was not announced (nor polled, if the gap was short).
      if (gap) registrations.forEach(r -> r.listener.changed());
    }

    /** Takes the folder's ETag now, so a change before the first poll is seen by it. */
    void baseline(Registration registration) {
      stores.forConnection(tenantId, connectionId).whenComplete((store, error) -> {
        if (error == null) registration.poll(store);
      });
    }

    /**
     * Libraries whose folders share a parent (a connection's libraries usually sit side by side) are polled with one
     * Depth-1 listing of that parent instead of one PROPFIND each (issue 12: a thousand idle libraries would otherwise
     * cost 33 requests a second at the 30 s default). A folder the listing does not show is asked alone.
     */
    private void poll() {
      if (pushConnected || stopped) return;
      stores.forConnection(tenantId, connectionId).whenComplete((store, error) -> {
        if (error != null) return; // unreachable now: the library's own runs report it
        Map<String, List<Registration>> byParent = new HashMap<>();
        for (Registration r : registrations) {
          String path = r.config.remotePath();
          if (path.isEmpty()) r.poll(store);
          else byParent.computeIfAbsent(RemotePaths.parent(path), parent -> new ArrayList<>()).add(r);
        }
        byParent.forEach((parent, siblings) -> {
          if (siblings.size() < SHARED_LISTING_FROM) siblings.forEach(r -> r.poll(store));
          else pollSiblings(store, parent, siblings);
        });
      });
    }

    private void pollSiblings(RemoteStore store, String parent, List<Registration> siblings) {
      store.list(parent).whenComplete((listing, error) -> {
        if (error != null) {
          siblings.forEach(r -> r.poll(store));
          return;
        }
        Map<String, String> etags = new HashMap<>();
        for (DavEntry child : listing.children()) if (child.collection()) etags.put(child.path(), child.etag());
        for (Registration r : siblings) {
          String etag = etags.get(r.config.remotePath());
          if (etag == null) r.poll(store);
          else r.seen(etag);
        }
      });
    }

    void stop() {
      stopped = true;
      poller.cancel();
      PushNotifications socket = push;
      if (socket != null) socket.close();
    }
  }

  /** One library's watch: its folder's ETag as last polled. */
  private final class Registration implements ChangeWatch {
    final ConnectionWatch connection;
    final LibraryConfig config;
    final ChangeWatch.Listener listener;
    volatile String seenEtag;
    volatile boolean closed;

    Registration(ConnectionWatch connection, LibraryConfig config, ChangeWatch.Listener listener) {
      this.connection = connection;
      this.config = config;
      this.listener = listener;
    }

    void poll(RemoteStore store) {
      if (closed) return;
      store.scoped(config.remotePath()).stat("").whenComplete((root, error) -> {
        if (error == null && root != null) seen(root.etag());
      });
    }

    /** The folder's ETag as a poll found it: a change from the one seen before tells the library. */
    void seen(String etag) {
      if (closed || etag == null) return;
      String before = seenEtag;
      seenEtag = etag;
      if (before != null && !before.equals(etag)) {
        log.debug("library {}: its server folder changed (ETag {} -> {})", config.libraryId(), before, etag);
        listener.changed();
      }
    }

    @Override
    public String unavailable() {
      return null;
    }

    @Override
    public String how() {
      return connection.pushConnected ? "notify_push" : "polling every " + pollInterval.toSeconds() + " s";
    }

    @Override
    public void close() {
      closed = true;
      remove(this);
    }
  }
}
