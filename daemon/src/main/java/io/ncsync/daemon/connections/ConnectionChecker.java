package io.ncsync.daemon.connections;

import akka.actor.ClassicActorSystemProvider;
import io.ncsync.persistence.tenant.ConnectionKind;
import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.DavEndpoint;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.PromiseKeepingRemoteStore;
import io.ncsync.protocol.RemoteStore;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.TransportSettings;
import io.ncsync.protocol.nextcloud.NextcloudConnection;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Checks a stored connection on demand and says precisely what is wrong: for Nextcloud the step-by-step
 * {@link io.ncsync.protocol.nextcloud.ConnectionTest} (reachability, TLS, status.php, maintenance, app password, user,
 * capabilities); for plain WebDAV a Depth-0 PROPFIND of the root. When the connection works, it then probes whether
 * the server keeps its promises ({@link io.ncsync.protocol.ServerPromises}, in a scratch folder it removes). Each check
 * uses a short-lived client that tries once, so a test never counts towards the real connection's pause after refused
 * logins.
 */
public final class ConnectionChecker {
  /**
   * The answer: {@code outcome} is a lower-case word ("ok", "bad_credentials", "connect_failure", …);
   * {@code serverPromises} is what the server keeps, when the connection works (null otherwise).
   */
  public record Result(boolean ok, String outcome, String message, ServerPromisesStatus serverPromises) {
    Result(boolean ok, String outcome, String message) {
      this(ok, outcome, message, null);
    }

    Result withPromises(ServerPromisesStatus promises) {
      return new Result(ok, outcome, message, promises);
    }
  }

  private static final TransportSettings TRY_ONCE = TransportSettings.defaults()
      .withRetries(1, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ZERO);

  private final ClassicActorSystemProvider system;
  private final Path probeDir;

  /** @param probeDir the daemon's own folder for the promise probe's small local file */
  public ConnectionChecker(ClassicActorSystemProvider system, Path probeDir) {
    this.system = system;
    this.probeDir = probeDir;
  }

  /** @param tenantId whose requests these are, for the request metrics */
  public CompletionStage<Result> check(String tenantId, ConnectionKind kind, String url, DavEndpoint filesRoot) {
    TransportSettings tryOnce = TRY_ONCE.withMetricsOwner(tenantId);
    if (kind == ConnectionKind.NEXTCLOUD) {
      NextcloudConnection connection = NextcloudConnection.open(system, URI.create(url), filesRoot.username(),
          filesRoot.password(), AkkaHttpRemoteStore.Settings.defaults().withTransport(tryOnce.withSessionCookies(false)));
      return connection.test()
          .thenCompose(r -> {
            Result result = new Result(r.ok(), r.outcome().name().toLowerCase(Locale.ROOT), r.message());
            if (!r.ok()) return CompletableFuture.completedFuture(result);
            return connection.files().thenCompose(store -> withPromises(result, store));
          })
          .whenComplete((result, error) -> connection.close());
    }
    HttpTransport transport = HttpTransport.create(system, filesRoot.username(), filesRoot.password(), tryOnce);
    AkkaHttpRemoteStore store = AkkaHttpRemoteStore.create(transport, filesRoot, AkkaHttpRemoteStore.Settings.defaults());
    return store.stat("")
        .handle((root, error) -> {
          if (error == null) {
            return root.collection()
                ? new Result(true, "ok", "the WebDAV folder " + filesRoot.root() + " answers")
                : new Result(false, "not_a_folder", filesRoot.root() + " is a file, not a folder");
          }
          return WebdavProblems.of(filesRoot.root(), HttpTransport.unwrap(error));
        })
        .thenCompose(result -> result.ok() ? withPromises(result, store) : CompletableFuture.completedFuture(result))
        .whenComplete((result, error) -> transport.close());
  }

  /** The names of the folders directly below {@code folder} (relative to the connection's root), sorted. */
  public CompletionStage<java.util.List<String>> folders(String tenantId, ConnectionKind kind, String url,
      DavEndpoint filesRoot, String folder) {
    TransportSettings tryOnce = TRY_ONCE.withMetricsOwner(tenantId);
    if (kind == ConnectionKind.NEXTCLOUD) {
      NextcloudConnection connection = NextcloudConnection.open(system, URI.create(url), filesRoot.username(),
          filesRoot.password(), AkkaHttpRemoteStore.Settings.defaults().withTransport(tryOnce.withSessionCookies(false)));
      return connection.files().thenCompose(store -> store.list(folder)).thenApply(ConnectionChecker::folderNames)
          .whenComplete((names, error) -> connection.close());
    }
    HttpTransport transport = HttpTransport.create(system, filesRoot.username(), filesRoot.password(), tryOnce);
    AkkaHttpRemoteStore store = AkkaHttpRemoteStore.create(transport, filesRoot, AkkaHttpRemoteStore.Settings.defaults());
    return store.list(folder).thenApply(ConnectionChecker::folderNames).whenComplete((names, error) -> transport.close());
  }

  private static java.util.List<String> folderNames(io.ncsync.protocol.Listing listing) {
    return listing.children().stream().filter(io.ncsync.protocol.DavEntry::collection)
        .map(entry -> io.ncsync.protocol.RemotePaths.name(entry.path())).sorted().toList();
  }

  /** The result with what the probe found; a probe that fails leaves the connection ok and says why. */
  private CompletionStage<Result> withPromises(Result result, RemoteStore root) {
    return ServerPromisesBook.probe(root, probeDir, "test")
        .handle((promises, error) -> {
          if (error == null) {
            RemoteStore kept = PromiseKeepingRemoteStore.keeping(root, promises);
            return result.withPromises(ServerPromisesStatus.of(promises, !kept.etagsPropagate(), null));
          }
          Throwable cause = HttpTransport.unwrap(error);
          return result.withPromises(ServerPromisesStatus.of(io.ncsync.protocol.ServerPromises.NONE_TRUSTED, true,
              "the probe failed: " + cause.getMessage()));
        });
  }
}
