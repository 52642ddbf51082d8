package io.ncsync.daemon.http;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.server.Route;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the admin API and ties it to CoordinatedShutdown: in {@code service-unbind} it stops accepting connections,
 * in {@code service-requests-done} it lets running requests finish (then closes the connections), before sharding
 * hands the libraries off.
 */
public final class AdminHttpServer {
  private static final Logger log = LoggerFactory.getLogger(AdminHttpServer.class);

  /** How long requests in progress at shutdown may still run; below the phase's 10 s timeout. */
  static final Duration REQUESTS_DONE_DEADLINE = Duration.ofSeconds(8);

  private AdminHttpServer() {}

  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, Route route, String host, int port) {
    return start(system, route, host, port, java.util.Optional.empty());
  }

  /** @param tls the API's own TLS context ({@code NCSYNC_HTTP_TLS_*}), or empty for plain HTTP */
  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, Route route, String host, int port,
      java.util.Optional<javax.net.ssl.SSLContext> tls) {
    // The peer's address as a request attribute: BearerAuth limits failed authentications per address.
    akka.http.javadsl.ServerBuilder server = Http.get(system).newServerAt(host, port)
        .adaptSettings(settings -> settings.withRemoteAddressAttribute(true));
    if (tls.isPresent()) server = server.enableHttps(akka.http.javadsl.ConnectionContext.httpsServer(tls.get()));
    return server.bind(route).thenApply(binding -> {
      CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
      shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "admin-http-unbind", () -> {
        log.info("admin API: no longer accepting connections on {}", binding.localAddress());
        return binding.unbind();
      });
      shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "admin-http-terminate", () ->
          binding.terminate(REQUESTS_DONE_DEADLINE).thenApply(terminated -> Done.getInstance()));
      return binding;
    });
  }
}
