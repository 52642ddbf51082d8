package io.ncsync.protocol.nextcloud;

import akka.http.javadsl.model.HttpRequest;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.HttpTransport.Call;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a Nextcloud server is and offers, per connection: {@code status.php} (not cached: it is how maintenance is
 * noticed), the OCS capabilities and the user id (both cached until {@link #refresh()}; failures are not cached).
 * Requests go through the connection's {@link HttpTransport}, so they are paced and authenticated like all others.
 */
public final class ServerDiscovery {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final HttpTransport transport;
  private final URI serverBase;
  private final AtomicReference<CompletableFuture<Capabilities>> capabilities = new AtomicReference<>();
  private final AtomicReference<CompletableFuture<String>> userId = new AtomicReference<>();

  private ServerDiscovery(HttpTransport transport, URI serverBase) {
    this.transport = transport;
    this.serverBase = NextcloudFeatures.withSlash(serverBase);
  }

  /** @param serverBase the server's base URL, e.g. {@code https://cloud.example.com/} or {@code https://host/nextcloud/} */
  public static ServerDiscovery create(HttpTransport transport, URI serverBase) {
    return new ServerDiscovery(transport, serverBase);
  }

  public URI serverBase() {
    return serverBase;
  }

  /** {@code GET status.php}, anonymous. Fails with NOT_FOUND (no status.php) or MALFORMED_RESPONSE (not Nextcloud's JSON). */
  public CompletionStage<ServerStatus> status() {
    String url = serverBase + "status.php";
    String what = "GET " + url;
    return transport.sendStrict(() -> HttpRequest.create(url), Call.idempotent(what, TIMEOUT).anonymous(), Ocs.MAX_BODY_BYTES)
        .thenApply(response -> {
          if (response.status() != 200) {
            throw HttpTransport.failure(what, response);
          }
          ServerStatus status = ServerStatus.parse(Ocs.parse(response.body()));
          if (status == null) throw new DavException(DavError.MALFORMED_RESPONSE, 200, what + ": not a Nextcloud status answer");
          return status;
        });
  }

  /** The capabilities, fetched once ({@code /ocs/v1.php/cloud/capabilities?format=json}). */
  public CompletionStage<Capabilities> capabilities() {
    return cached(capabilities, this::fetchCapabilities);
  }

  /** The user id of the login (DAV paths use it; it may differ from the login name), fetched once. */
  public CompletionStage<String> userId() {
    return cached(userId, this::fetchUserId);
  }

  /** What a files store on this connection may use. */
  public CompletionStage<NextcloudFeatures> features() {
    return capabilities().thenCombine(userId(), (caps, user) -> NextcloudFeatures.from(caps, serverBase, user));
  }

  /** Forgets the cached capabilities and user id; the next calls ask the server again. */
  public void refresh() {
    capabilities.set(null);
    userId.set(null);
  }

  /** Asks for the capabilities again now (e.g. on the poll interval they publish). */
  public CompletionStage<Capabilities> refreshCapabilities() {
    capabilities.set(null);
    return capabilities();
  }

  private CompletionStage<Capabilities> fetchCapabilities() {
    String url = serverBase + "ocs/v1.php/cloud/capabilities?format=json";
    String what = "GET capabilities of " + serverBase;
    return Ocs.get(transport, url, what, TIMEOUT).thenApply(answer -> {
      var data = Ocs.data(answer, what);
      if (!data.path("capabilities").isObject()) {
        throw new DavException(DavError.MALFORMED_RESPONSE, 200, what + ": the answer has no capabilities");
      }
      return Capabilities.parse(data);
    });
  }

  private CompletionStage<String> fetchUserId() {
    String url = serverBase + "ocs/v1.php/cloud/user?format=json";
    String what = "GET user of " + serverBase;
    return Ocs.get(transport, url, what, TIMEOUT).thenApply(answer -> {
      String id = Ocs.data(answer, what).path("id").asText("");
      if (id.isEmpty()) throw new DavException(DavError.MALFORMED_RESPONSE, 200, what + ": the answer has no user id");
      return id;
    });
  }

  private static <T> CompletionStage<T> cached(
      AtomicReference<CompletableFuture<T>> cache, java.util.function.Supplier<CompletionStage<T>> fetch) {
    while (true) {
      CompletableFuture<T> current = cache.get();
      if (current != null && !current.isCompletedExceptionally()) return current;
      CompletableFuture<T> fresh = new CompletableFuture<>();
      if (cache.compareAndSet(current, fresh)) {
        fetch.get().whenComplete((value, error) -> {
          if (error != null) {
            cache.compareAndSet(fresh, null);
            fresh.completeExceptionally(error);
          } else {
            fresh.complete(value);
          }
        });
        return fresh;
      }
    }
  }
}
