package io.ncsync.daemon.security;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import io.ncsync.daemon.SyncScheduler;
import io.ncsync.daemon.connections.ConnectionRemoteStores;
import io.ncsync.daemon.webhooks.WebhookDispatcher;
import io.ncsync.persistence.tenant.ConnectionRecord;
import io.ncsync.persistence.tenant.Tenant;
import io.ncsync.persistence.tenant.WebhookRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encrypts the secrets stored before data keys existed ({@code v1:}, under the master key itself) again under their
 * tenant's data key, through each tenant's entity ({@link Tenant.ReplaceSecret}), so they survive a rotation of the
 * master key. Runs at every start and before every rotation; a secret already under a data key is left alone.
 */
public final class LegacySecretMigration {
  private static final Logger log = LoggerFactory.getLogger(LegacySecretMigration.class);

  /** How many secrets were encrypted again, and how many are still under the master key (failed or raced). */
  public record Outcome(int migrated, int remaining) {}

  private final ClusterSharding sharding;
  private final SyncScheduler.TenantIds tenants;
  private final CredentialCipher cipher;
  private final Duration askTimeout;
  private final Executor blocking;

  public LegacySecretMigration(ClusterSharding sharding, SyncScheduler.TenantIds tenants, CredentialCipher cipher,
      Duration askTimeout, Executor blocking) {
    this.sharding = sharding;
    this.tenants = tenants;
    this.cipher = cipher;
    this.askTimeout = askTimeout;
    this.blocking = blocking;
  }

  public CompletionStage<Outcome> run() {
    return tenants.list().thenCompose(ids -> {
      CompletionStage<Outcome> all = CompletableFuture.completedFuture(new Outcome(0, 0));
      for (String tenantId : ids) {
        all = all.thenCompose(sum -> migrate(tenantId).thenApply(
            one -> new Outcome(sum.migrated() + one.migrated(), sum.remaining() + one.remaining())));
      }
      return all;
    }).whenComplete((outcome, error) -> {
      if (error != null) log.warn("stored secrets: could not check for secrets under the master key: {}", error.toString());
      else if (outcome.migrated() > 0 || outcome.remaining() > 0) {
        log.info("stored secrets: {} encrypted again under their tenant's data key, {} still under the master key",
            outcome.migrated(), outcome.remaining());
      }
    });
  }

  private CompletionStage<Outcome> migrate(String tenantId) {
    EntityRef<Tenant.Command> tenant = sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId);
    CompletionStage<Tenant.Connections> connections = tenant.ask(Tenant.ListConnections::new, askTimeout);
    CompletionStage<Tenant.Webhooks> webhooks = tenant.ask(Tenant.ListWebhooks::new, askTimeout);
    return connections.thenCombine(webhooks, (cs, ws) -> {
      List<Pending> pending = new ArrayList<>();
      for (ConnectionRecord c : cs.connections()) {
        if (CredentialCipher.isLegacy(c.encryptedSecret())) {
          pending.add(new Pending(Tenant.SecretHolder.CONNECTION, c.id(), c.encryptedSecret(),
              ConnectionRemoteStores.associatedData(tenantId, c.id())));
        }
      }
      for (WebhookRecord w : ws.webhooks()) {
        if (CredentialCipher.isLegacy(w.encryptedSecret())) {
          pending.add(new Pending(Tenant.SecretHolder.WEBHOOK, w.id(), w.encryptedSecret(),
              WebhookDispatcher.associatedData(tenantId, w.id())));
        }
      }
      return pending;
    }).thenCompose(pending -> {
      CompletionStage<Outcome> done = CompletableFuture.completedFuture(new Outcome(0, 0));
      for (Pending p : pending) {
        done = done.thenCompose(sum -> replace(tenantId, tenant, p).thenApply(
            replaced -> replaced ? new Outcome(sum.migrated() + 1, sum.remaining())
                : new Outcome(sum.migrated(), sum.remaining() + 1)));
      }
      return done;
    });
  }

  private CompletionStage<Boolean> replace(String tenantId, EntityRef<Tenant.Command> tenant, Pending p) {
    // Encrypting may make the tenant's data key (a database write): off the caller's thread.
    return CompletableFuture.supplyAsync(() -> cipher.encrypt(tenantId,
            cipher.decrypt(tenantId, p.ciphertext(), p.associatedData()), p.associatedData()), blocking)
        .thenCompose(replacement -> tenant.<Boolean>ask(
            reply -> new Tenant.ReplaceSecret(p.holder(), p.id(), p.ciphertext(), replacement, reply), askTimeout))
        .exceptionally(error -> {
          log.warn("stored secrets: the {} {} of tenant {} stays under the master key: {}",
              p.holder().name().toLowerCase(java.util.Locale.ROOT), p.id(), tenantId, error.toString());
          return false;
        });
  }

  private record Pending(Tenant.SecretHolder holder, String id, String ciphertext, String associatedData) {}
}
