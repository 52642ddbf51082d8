package io.ncsync.protocol.nextcloud;

import akka.actor.ClassicActorSystemProvider;
import akka.dispatch.Dispatchers;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.RequestEntityAcceptances;
import akka.http.javadsl.model.headers.RawHeader;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.HttpTransport.Call;
import io.ncsync.protocol.http.TransportSettings;
import io.ncsync.protocol.nextcloud.ConnectionTestResult.Outcome;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * Checks a connection step by step and reports the first thing that is wrong, precisely: DNS, TCP connect, TLS,
 * status.php (wrong base URL, not installed, maintenance, pending upgrade), the app password (401, or 429 when
 * brute-force protection has kicked in), the capabilities, the user id and the user's files root (404 = wrong user).
 * Never throws: every failure becomes a {@link ConnectionTestResult}.
 */
public final class ConnectionTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final akka.http.javadsl.model.HttpMethod PROPFIND =
      HttpMethods.custom("PROPFIND", true, true, RequestEntityAcceptances.Expected);

  private final HttpTransport transport;
  private final URI serverBase;
  private final Executor blocking;

  private ConnectionTest(HttpTransport transport, URI serverBase) {
    this.transport = transport;
    this.serverBase = NextcloudFeatures.withSlash(serverBase);
    this.blocking = transport.system().dispatchers().lookup(Dispatchers.DefaultBlockingDispatcherId());
  }

  /**
   * Tests with a short-lived transport of its own that tries each request once (a test should answer fast, and must
   * not count towards the real connection's pause after refused logins).
   */
  public static CompletionStage<ConnectionTestResult> run(
      ClassicActorSystemProvider system, URI serverBase, String loginName, String appPassword) {
    TransportSettings settings = TransportSettings.defaults()
        .withRetries(1, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ZERO)
        .withSessionCookies(false);
    HttpTransport transport = HttpTransport.create(system, loginName, appPassword, settings);
    return run(transport, serverBase).whenComplete((result, error) -> transport.close());
  }

  /** Tests through an existing transport. */
  public static CompletionStage<ConnectionTestResult> run(HttpTransport transport, URI serverBase) {
    return new ConnectionTest(transport, serverBase).run();
  }

  private CompletionStage<ConnectionTestResult> run() {
    return resolve()
        .thenCompose(dnsProblem -> dnsProblem != null ? done(dnsProblem) : checkStatus())
        .exceptionally(error -> ConnectionTestResult.failed(Outcome.UNEXPECTED,
            "The connection test itself failed: " + HttpTransport.unwrap(error), null, null, null));
  }

  private CompletionStage<ConnectionTestResult> resolve() {
    String host = serverBase.getHost();
    if (host == null) {
      return done(ConnectionTestResult.failed(Outcome.NOT_NEXTCLOUD, "The URL " + serverBase + " has no host name.",
          null, null, null));
    }
    String path = serverBase.getPath() == null ? "" : serverBase.getPath();
    int inside = Math.max(path.indexOf("/remote.php"), Math.max(path.indexOf("/index.php"), path.indexOf("/ocs/")));
    if (inside >= 0) {
      String base = serverBase.getScheme() + "://" + serverBase.getRawAuthority() + path.substring(0, inside);
      return done(ConnectionTestResult.failed(Outcome.WRONG_URL, "The URL " + serverBase + " points inside Nextcloud ("
          + path.substring(inside) + "). Give the server's base URL, " + base + ": ncsync finds the WebDAV folder "
          + "of the user itself. For a plain WebDAV folder, use kind 'webdav'.", null, null, null));
    }
    return CompletableFuture.supplyAsync(() -> {
      try {
        InetAddress.getAllByName(host);
        return null;
      } catch (UnknownHostException e) {
        return ConnectionTestResult.failed(Outcome.DNS_FAILURE,
            "The host name '" + host + "' cannot be resolved (DNS). Check the server address for typos.", null, null, null);
      }
    }, blocking);
  }

  private CompletionStage<ConnectionTestResult> checkStatus() {
    ServerDiscovery discovery = ServerDiscovery.create(transport, serverBase);
    return discovery.status().handle((status, error) -> {
      if (error != null) return done(transportOrStatusProblem(error, "status.php", null, null));
      if (!status.installed()) {
        return done(ConnectionTestResult.failed(Outcome.NOT_INSTALLED,
            "Nextcloud at " + serverBase + " is not installed yet.", status, null, null));
      }
      if (status.maintenance()) {
        return done(ConnectionTestResult.failed(Outcome.MAINTENANCE,
            "Nextcloud at " + serverBase + " is in maintenance mode; try again later.", status, null, null));
      }
      if (status.needsDbUpgrade()) {
        return done(ConnectionTestResult.failed(Outcome.NEEDS_DB_UPGRADE,
            "Nextcloud at " + serverBase + " waits for an upgrade; an administrator has to run it.", status, null, null));
      }
      return checkCapabilities(discovery, status);
    }).thenCompose(Function.identity());
  }

  private CompletionStage<ConnectionTestResult> checkCapabilities(ServerDiscovery discovery, ServerStatus status) {
    return discovery.capabilities().handle((caps, error) -> {
      if (error != null) {
        Throwable cause = HttpTransport.unwrap(error);
        if (cause instanceof DavException dav && dav.error() == DavError.MALFORMED_RESPONSE) {
          return done(ConnectionTestResult.failed(Outcome.MISSING_CAPABILITIES,
              "The server's capabilities are missing or unreadable: " + dav.getMessage(), status, null, null));
        }
        return done(transportOrStatusProblem(error, "the capabilities", status, null));
      }
      if (caps.chunkingVersion() == null && !caps.bulkUpload() && caps.version().major() == 0) {
        return done(ConnectionTestResult.failed(Outcome.MISSING_CAPABILITIES,
            "The server publishes no WebDAV capabilities and no version: it does not look like Nextcloud.", status, caps, null));
      }
      return checkUser(discovery, status, caps);
    }).thenCompose(Function.identity());
  }

  private CompletionStage<ConnectionTestResult> checkUser(ServerDiscovery discovery, ServerStatus status, Capabilities caps) {
    return discovery.userId().handle((user, error) -> {
      if (error != null) return done(transportOrStatusProblem(error, "the user", status, caps));
      return checkFilesRoot(status, caps, user);
    }).thenCompose(Function.identity());
  }

  private CompletionStage<ConnectionTestResult> checkFilesRoot(ServerStatus status, Capabilities caps, String user) {
    URI root = NextcloudFeatures.from(caps, serverBase, user).filesRoot();
    String what = "PROPFIND " + root;
    byte[] body = "<?xml version=\"1.0\"?><d:propfind xmlns:d=\"DAV:\"><d:prop><d:resourcetype/></d:prop></d:propfind>"
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return transport.sendStrict(() -> HttpRequest.create(root.toASCIIString()).withMethod(PROPFIND)
                .addHeader(RawHeader.create("Depth", "0"))
                .withEntity(HttpEntities.create(ContentTypes.create(akka.http.javadsl.model.MediaTypes.APPLICATION_XML,
                    akka.http.javadsl.model.HttpCharsets.UTF_8), body)),
            Call.idempotent(what, TIMEOUT), 1 << 20)
        .handle((response, error) -> {
          if (error != null) return transportOrStatusProblem(error, "the files root", status, caps);
          if (response.status() == 207) {
            String note = user.equals(transport.loginName()) ? "" : " (login '" + transport.loginName() + "' is user '" + user + "')";
            return new ConnectionTestResult(Outcome.OK, "Connected to " + status.productName() + " "
                + status.versionString() + " as " + user + note + ".", status, caps, user);
          }
          if (response.status() == 404) {
            return ConnectionTestResult.failed(Outcome.WRONG_USER, "The login works, but the files of user '" + user
                + "' are not at " + root + ".", status, caps, user);
          }
          return statusProblem(response.status(), "the files root", status, caps, user);
        });
  }

  /** Maps a failure of one step: no answer (DNS, connect, TLS, timeout) or an HTTP status. */
  private ConnectionTestResult transportOrStatusProblem(Throwable error, String step, ServerStatus status, Capabilities caps) {
    Throwable cause = HttpTransport.unwrap(error);
    if (cause instanceof DavException dav && dav.status() > 0) {
      // Nextcloud serves status.php to anyone: a login asked for there is some other server's.
      if (step.equals("status.php") && (dav.status() == 404 || dav.status() == 401 || dav.status() == 403
          || dav.error() == DavError.MALFORMED_RESPONSE)) {
        return notNextcloud(status);
      }
      return statusProblem(dav.status(), step, status, caps, null);
    }
    if (cause instanceof DavException dav && dav.error() == DavError.MALFORMED_RESPONSE && step.equals("status.php")) {
      return notNextcloud(status);
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof UnknownHostException) {
        return ConnectionTestResult.failed(Outcome.DNS_FAILURE, "The host name '" + serverBase.getHost()
            + "' cannot be resolved (DNS).", status, caps, null);
      }
      if (t instanceof SSLException ssl) {
        return ConnectionTestResult.failed(Outcome.TLS_FAILURE, "The secure connection to " + serverBase.getHost()
            + " failed: " + ssl.getMessage() + ". Check the server's certificate.", status, caps, null);
      }
      if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
        return connectFailure(status, caps);
      }
      if (t instanceof TimeoutException) return timeout(step, status, caps);
      String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
      if (message.contains("ssl") || message.contains("certificate") || message.contains("handshake")) {
        return ConnectionTestResult.failed(Outcome.TLS_FAILURE, "The secure connection to " + serverBase.getHost()
            + " failed: " + t.getMessage() + ". Check the server's certificate.", status, caps, null);
      }
      if (message.contains("connection refused") || message.contains("tcp command [connect(")) {
        return connectFailure(status, caps);
      }
      if (message.contains("no answer within") || message.contains("timed out")) return timeout(step, status, caps);
    }
    return ConnectionTestResult.failed(Outcome.UNEXPECTED, "Reading " + step + " failed: " + cause.getMessage(),
        status, caps, null);
  }

  private ConnectionTestResult statusProblem(int code, String step, ServerStatus status, Capabilities caps, String user) {
    return switch (code) {
      case 401 -> ConnectionTestResult.failed(Outcome.BAD_CREDENTIALS, "The server refused the login name or app"
          + " password (401). Create a new app password in Nextcloud's security settings.", status, caps, user);
      case 429 -> ConnectionTestResult.failed(Outcome.THROTTLED, "The server's brute-force protection is slowing"
          + " this client down (429) after failed logins; wait, then check the app password.", status, caps, user);
      case 503 -> ConnectionTestResult.failed(Outcome.MAINTENANCE, "The server is unavailable (503): maintenance"
          + " or an upgrade in progress.", status, caps, user);
      case 404 -> ConnectionTestResult.failed(Outcome.NOT_NEXTCLOUD, "Reading " + step + " answered 404: the URL "
          + serverBase + " does not point at a Nextcloud root.", status, caps, user);
      default -> code >= 500
          ? ConnectionTestResult.failed(Outcome.SERVER_ERROR, "The server failed reading " + step + " (" + code + ").",
              status, caps, user)
          : ConnectionTestResult.failed(Outcome.UNEXPECTED, "Reading " + step + " answered " + code + ".", status, caps, user);
    };
  }

  private ConnectionTestResult notNextcloud(ServerStatus status) {
    return ConnectionTestResult.failed(Outcome.NOT_NEXTCLOUD, "There is no Nextcloud at " + serverBase
        + " (status.php is missing or not Nextcloud's). Check the server address: it is the address you open in the"
        + " browser, without /index.php or /remote.php.", status, null, null);
  }

  private ConnectionTestResult connectFailure(ServerStatus status, Capabilities caps) {
    int port = serverBase.getPort() >= 0 ? serverBase.getPort() : ("https".equalsIgnoreCase(serverBase.getScheme()) ? 443 : 80);
    return ConnectionTestResult.failed(Outcome.CONNECT_FAILURE, "Nothing answers at " + serverBase.getHost() + ":"
        + port + " (connection refused or unreachable). Is the server running, and is the port right?", status, caps, null);
  }

  private ConnectionTestResult timeout(String step, ServerStatus status, Capabilities caps) {
    return ConnectionTestResult.failed(Outcome.TIMEOUT, "The server did not answer in time while reading " + step + ".",
        status, caps, null);
  }

  private static CompletionStage<ConnectionTestResult> done(ConnectionTestResult result) {
    return CompletableFuture.completedFuture(result);
  }
}
