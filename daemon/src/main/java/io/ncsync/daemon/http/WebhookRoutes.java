package io.ncsync.daemon.http;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.pattern.StatusReply;
import io.ncsync.daemon.connections.ConnectionUrls;
import io.ncsync.daemon.security.AdminToken;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.daemon.webhooks.WebhookDispatcher;
import io.ncsync.persistence.tenant.Tenant;
import io.ncsync.persistence.tenant.WebhookRecord;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.delete;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static akka.http.javadsl.server.Directives.pathPrefix;
import static akka.http.javadsl.server.Directives.post;

/**
 * {@code /api/v1/webhooks}: where a tenant's events are posted, signed ({@code WebhookSignature}). The signing secret
 * is generated here, shown once in the answer to the creation, and kept encrypted. Only https URLs, or http to
 * loopback.
 */
public final class WebhookRoutes {
  static final List<String> EVENT_TYPES = List.of("run_started", "run_progress", "run_finished", "conflict_raised",
      "conflict_resolved", "library_state");

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final JsonSupport json;
  private final ApiErrors errors;
  private final CredentialCipher cipher;
  private final Access access;

  public WebhookRoutes(ClusterSharding sharding, Duration askTimeout, JsonSupport json, ApiErrors errors,
      CredentialCipher cipher) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
    this.json = json;
    this.errors = errors;
    this.cipher = cipher;
    this.access = new Access(errors);
  }

  public Route route(Caller caller) {
    String tenantId = caller.tenantId();
    return pathPrefix("webhooks", () -> concat(
        pathEndOrSingleSlash(() -> concat(
            post(() -> access.require(caller, Endpoint.WEBHOOK_CREATE, () -> json.body(ApiJson.CreateWebhook.class,
                body -> errors.respond(() -> create(tenantId, body))))),
            get(() -> access.require(caller, Endpoint.WEBHOOK_LIST, () -> errors.respond(() -> list(tenantId)))))),
        path(PathMatchers.segment(), id -> delete(() -> access.require(caller, Endpoint.WEBHOOK_DELETE,
            () -> errors.respond(() -> remove(tenantId, id)))))));
  }

  private CompletionStage<HttpResponse> create(String tenantId, ApiJson.CreateWebhook body) {
    String url = url(body.url());
    List<String> events = body.events() == null ? List.of() : body.events();
    for (String event : events) {
      if (!EVENT_TYPES.contains(event)) {
        throw ApiException.badField("events", "events may hold " + String.join(", ", EVENT_TYPES) + "; got '"
            + event + "'");
      }
    }
    String id = UUID.randomUUID().toString();
    String secret = AdminToken.generate();
    WebhookRecord record = new WebhookRecord(id, url, events,
        cipher.encrypt(tenantId, secret, WebhookDispatcher.associatedData(tenantId, id)), Instant.now().truncatedTo(ChronoUnit.MILLIS));
    return tenant(tenantId).<WebhookRecord>askWithStatus(replyTo -> new Tenant.AddWebhook(record, replyTo), askTimeout)
        .handle((stored, error) -> {
          if (error == null) return errors.json(StatusCodes.CREATED, ApiJson.Webhook.of(stored, secret));
          if (ApiErrors.unwrap(error) instanceof StatusReply.ErrorMessage refused) {
            throw ApiException.conflict(refused.getMessage());
          }
          throw ApiErrors.rethrow(error);
        });
  }

  private CompletionStage<HttpResponse> list(String tenantId) {
    return tenant(tenantId).<Tenant.Webhooks>ask(Tenant.ListWebhooks::new, askTimeout)
        .thenApply(all -> errors.json(StatusCodes.OK,
            all.webhooks().stream().map(w -> ApiJson.Webhook.of(w, null)).toList()));
  }

  private CompletionStage<HttpResponse> remove(String tenantId, String id) {
    return tenant(tenantId).<akka.Done>askWithStatus(replyTo -> new Tenant.RemoveWebhook(id, replyTo), askTimeout)
        .handle((done, error) -> {
          if (error == null) return errors.json(StatusCodes.OK, Map.of("id", id, "deleted", true));
          if (ApiErrors.unwrap(error) instanceof StatusReply.ErrorMessage) throw ApiException.notFound("unknown webhook: " + id);
          throw ApiErrors.rethrow(error);
        });
  }

  /** An absolute https URL, or http to a loopback host; no credentials in it. */
  static String url(String url) {
    if (url == null || url.isBlank()) throw ApiException.badField("url", "url is required");
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw ApiException.badField("url", "url is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!uri.isAbsolute() || uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw ApiException.badField("url", "url must be an absolute https:// URL");
    }
    if (uri.getRawUserInfo() != null) throw ApiException.badField("url", "url must not contain credentials");
    if (scheme.equals("http") && !ConnectionUrls.isLoopback(uri.getHost())) {
      throw ApiException.badField("url", "url must use https (plain http only to a loopback host such as 127.0.0.1)");
    }
    return uri.toString();
  }

  private EntityRef<Tenant.Command> tenant(String tenantId) {
    return sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId);
  }
}
