package io.ncsync.persistence.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.pattern.StatusReply;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.ConfigFactory;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A tenant's stored secrets are encrypted again in place, and only while nobody changed them meanwhile. */
class TenantSecretsTest {
  private static final ActorTestKit testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
      .withFallback(PersistenceTestKitSnapshotPlugin.config()).withFallback(ConfigFactory.load()));
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

  private EventSourcedBehaviorTestKit<Tenant.Command, Tenant.Event, Tenant.State> kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void tenantWithAConnectionAndAWebhook() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), Tenant.create("acme"));
    kit.clear();
    ConnectionRecord c = new ConnectionRecord("c1", "cloud", ConnectionKind.NEXTCLOUD, "https://cloud.example.com",
        "alice", "v1:old-connection", false, NOW);
    assertTrue(kit.<StatusReply<ConnectionRecord>>runCommand(r -> new Tenant.AddConnection(c, r)).reply().isSuccess());
    WebhookRecord w = new WebhookRecord("w1", "https://hooks.example.com", List.of(), "v1:old-webhook", NOW);
    assertTrue(kit.<StatusReply<WebhookRecord>>runCommand(r -> new Tenant.AddWebhook(w, r)).reply().isSuccess());
  }

  private boolean replace(Tenant.SecretHolder holder, String id, String expected, String replacement) {
    return kit.<Boolean>runCommand(r -> new Tenant.ReplaceSecret(holder, id, expected, replacement, r)).reply();
  }

  @Test
  void aSecretIsReplacedWhileItHoldsTheExpectedCiphertextAndTheRestOfTheRecordStays() {
    assertTrue(replace(Tenant.SecretHolder.CONNECTION, "c1", "v1:old-connection", "v2:new-connection"));
    assertTrue(replace(Tenant.SecretHolder.WEBHOOK, "w1", "v1:old-webhook", "v2:new-webhook"));
    kit.restart();
    Tenant.State state = kit.getState();
    ConnectionRecord c = state.connections().get("c1");
    assertEquals("v2:new-connection", c.encryptedSecret());
    assertEquals("cloud", c.name());
    assertEquals("alice", c.username());
    assertEquals("v2:new-webhook", state.webhooks().get("w1").encryptedSecret());
    assertEquals("https://hooks.example.com", state.webhooks().get("w1").url());
  }

  @Test
  void aSecretChangedMeanwhileOrUnknownIsLeftAlone() {
    ConnectionRecord updated = kit.getState().connections().get("c1").withEncryptedSecret("v2:from-a-patch");
    assertTrue(kit.<StatusReply<ConnectionRecord>>runCommand(r -> new Tenant.UpdateConnection(updated, r)).reply()
        .isSuccess());
    var stale = kit.<Boolean>runCommand(
        r -> new Tenant.ReplaceSecret(Tenant.SecretHolder.CONNECTION, "c1", "v1:old-connection", "v2:stale", r));
    assertFalse(stale.reply());
    assertTrue(stale.events().isEmpty());
    assertFalse(replace(Tenant.SecretHolder.WEBHOOK, "no-such-webhook", "v1:old-webhook", "v2:x"));
    assertEquals("v2:from-a-patch", kit.getState().connections().get("c1").encryptedSecret());
  }
}
