package io.ncsync.daemon.http;

import akka.actor.typed.ActorSystem;
import akka.cluster.MemberStatus;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.Cluster;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import io.ncsync.daemon.RecoveryGate;
import io.ncsync.daemon.db.JournalProbe;
import io.ncsync.persistence.tenant.Tenant;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.completeWithFuture;
import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.pathPrefix;

/**
 * {@code GET /health/live}: the process answers. {@code GET /health/ready}: 200 only when the journal database
 * answers a query, sharding works (this node is an Up cluster member and the tenant entity answers through its
 * shard region) and every library has recovered since start ({@link RecoveryGate}); 503 naming what is not ready
 * otherwise. No authentication: nothing here reveals data.
 */
public final class HealthRoutes {
  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final JournalProbe journal;
  private final String tenantId;
  private final Duration timeout;
  private final ApiErrors errors;

  private final RecoveryGate recovery;

  public HealthRoutes(ActorSystem<?> system, JournalProbe journal, String tenantId, Duration timeout, ApiErrors errors,
      RecoveryGate recovery) {
    this.recovery = recovery;
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.journal = journal;
    this.tenantId = tenantId;
    this.timeout = timeout;
    this.errors = errors;
  }

  public Route route() {
    return pathPrefix("health", () -> concat(
        path("live", () -> get(() -> complete(errors.json(StatusCodes.OK, Map.of("status", "live"))))),
        path("ready", () -> get(() -> completeWithFuture(ready())))));
  }

  private CompletionStage<HttpResponse> ready() {
    CompletableFuture<Boolean> journalOk = journal.check().toCompletableFuture();
    CompletableFuture<Boolean> shardingOk = shardingAnswers().toCompletableFuture();
    return journalOk.thenCombine(shardingOk, (j, s) -> {
      Map<String, Object> body = new LinkedHashMap<>();
      java.util.Optional<String> recovering = recovery.whyNotReady();
      boolean ready = j && s && recovering.isEmpty();
      if (ready) {
        body.put("status", "ready");
      } else {
        body.put("error", "not ready: " + (!j && !s ? "the journal database and sharding do not answer"
            : !j ? "the journal database does not answer" : !s ? "cluster sharding is not up yet"
            : recovering.get()));
      }
      body.put("journal", j ? "ok" : "unavailable");
      body.put("sharding", s ? "ok" : "unavailable");
      body.put("recovery", recovering.orElse("done"));
      return errors.json(ready ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body);
    });
  }

  private CompletionStage<Boolean> shardingAnswers() {
    if (Cluster.get(system).selfMember().status() != MemberStatus.up()) return CompletableFuture.completedFuture(false);
    return sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId)
        .ask(Tenant.ListLibraries::new, timeout)
        .handle((libraries, error) -> error == null);
  }
}
