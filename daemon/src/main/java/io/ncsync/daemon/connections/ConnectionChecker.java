package io.ncsync.daemon.connections;

import akka.actor.ClassicActorSystemProvider;
import io.ncsync.persistence.tenant.ConnectionKind;
import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.DavEndpoint;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.TransportSettings;
import io.ncsync.protocol.nextcloud.ConnectionTest;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Checks a stored connection on demand and says precisely what is wrong: for Nextcloud the step-by-step
 * {@link ConnectionTest} (reachability, TLS, status.php, maintenance, app password, user, capabilities); for plain
 * WebDAV a Depth-0 PROPFIND of the root. Each check uses a short-lived client that tries once, so a test never counts
 * towards the real connection's pause after refused logins.
 */
public final class ConnectionChecker {
  /** The answer: {@code outcome} is a lower-case word ("ok", "bad_credentials", "connect_failure", …). */
  public record Result(boolean ok, String outcome, String message) {}

  private final ClassicActorSystemProvider system;

  public ConnectionChecker(ClassicActorSystemProvider system) {
    this.system = system;
  }

  public CompletionStage<Result> check(ConnectionKind kind, String url, DavEndpoint filesRoot) {
    if (kind == ConnectionKind.NEXTCLOUD) {
      return ConnectionTest.run(system, URI.create(url), filesRoot.username(), filesRoot.password())
          .thenApply(r -> new Result(r.ok(), r.outcome().name().toLowerCase(Locale.ROOT), r.message()));
    }
    HttpTransport transport = HttpTransport.create(system, filesRoot.username(), filesRoot.password(),
        TransportSettings.defaults().withRetries(1, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ZERO));
    AkkaHttpRemoteStore store = AkkaHttpRemoteStore.create(transport, filesRoot, AkkaHttpRemoteStore.Settings.defaults());
    return store.stat("")
        .handle((root, error) -> {
          if (error == null) {
            return root.collection()
                ? new Result(true, "ok", "the WebDAV folder " + filesRoot.root() + " answers")
                : new Result(false, "not_a_folder", filesRoot.root() + " is a file, not a folder");
          }
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          if (cause instanceof DavException dav) {
            return new Result(false, dav.error().name().toLowerCase(Locale.ROOT), dav.getMessage());
          }
          return new Result(false, "unexpected", String.valueOf(cause.getMessage()));
        })
        .whenComplete((result, error) -> transport.close());
  }
}
