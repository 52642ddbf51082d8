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

class TenantDirectoryTest {
  private static final ActorTestKit testKit = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
      .withFallback(PersistenceTestKitSnapshotPlugin.config()).withFallback(ConfigFactory.load()));
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

  private EventSourcedBehaviorTestKit<TenantDirectory.Command, TenantDirectory.Event, TenantDirectory.State> kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void fresh() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), TenantDirectory.create());
    kit.clear();
  }

  private StatusReply<TenantRecord> createTenant(String id, String name) {
    return kit.<StatusReply<TenantRecord>>runCommand(r -> new TenantDirectory.CreateTenant(new TenantRecord(id, name, NOW), r)).reply();
  }

  private StatusReply<TokenRecord> issue(String id, String tenantId, String name, Role role) {
    TokenRecord token = new TokenRecord(id, tenantId, name, role, "ab".repeat(32), NOW);
    return kit.<StatusReply<TokenRecord>>runCommand(r -> new TenantDirectory.IssueToken(token, r)).reply();
  }

  private List<String> tenantIds() {
    return kit.<TenantDirectory.Tenants>runCommand(TenantDirectory.ListTenants::new).reply().tenants().stream()
        .map(TenantRecord::id).toList();
  }

  @Test
  void theDefaultTenantIsAlwaysThereAndCannotBeDeleted() {
    assertEquals(List.of("default"), tenantIds());
    var deletion = kit.<TenantDirectory.TenantDeletion>runCommand(r -> new TenantDirectory.DeleteTenant("default", r));
    assertEquals(TenantDirectory.TenantDeletion.REFUSED_DEFAULT, deletion.reply());
    assertTrue(deletion.events().isEmpty());
  }

  @Test
  void tenantsHaveUniqueNamesAndValidIdsAndSurviveARestart() {
    assertTrue(createTenant("acme", "Acme").isSuccess());
    assertTrue(createTenant("other", "Acme").getError().getMessage().contains("named 'Acme' already exists"));
    assertTrue(createTenant("acme", "Acme 2").isError());
    assertTrue(createTenant("Bad:Id", "Bad").getError().getMessage().contains("not a valid tenant id"));
    kit.restart();
    assertEquals(List.of("default", "acme"), tenantIds());
  }

  @Test
  void deletingATenantRevokesItsTokensAndItsIdIsNeverUsedAgain() {
    createTenant("acme", "Acme");
    assertTrue(issue("tok1", "acme", "ci", Role.MANAGER).isSuccess());
    assertTrue(kit.<TenantDirectory.TokenLookup>runCommand(r -> new TenantDirectory.GetToken("tok1", r)).reply().found());
    assertEquals(TenantDirectory.TenantDeletion.DELETED,
        kit.<TenantDirectory.TenantDeletion>runCommand(r -> new TenantDirectory.DeleteTenant("acme", r)).reply());
    assertFalse(kit.<TenantDirectory.TokenLookup>runCommand(r -> new TenantDirectory.GetToken("tok1", r)).reply().found());
    assertFalse(kit.<TenantDirectory.TenantLookup>runCommand(r -> new TenantDirectory.GetTenant("acme", r)).reply().found());
    assertTrue(createTenant("acme", "Acme again").getError().getMessage().contains("already used"));
    assertEquals(TenantDirectory.TenantDeletion.UNKNOWN,
        kit.<TenantDirectory.TenantDeletion>runCommand(r -> new TenantDirectory.DeleteTenant("acme", r)).reply());
  }

  @Test
  void tokensBelongToAnExistingTenantHaveUniqueNamesThereAndSystemOnlyInDefault() {
    createTenant("acme", "Acme");
    assertTrue(issue("t1", "nobody", "x", Role.VIEWER).getError().getMessage().contains("unknown tenant"));
    assertTrue(issue("t2", "acme", "root", Role.SYSTEM).getError().getMessage().contains("tenant 'default'"));
    assertTrue(issue("t3", "acme", "ci", Role.ADMIN).isSuccess());
    assertTrue(issue("t4", "acme", "ci", Role.VIEWER).getError().getMessage().contains("named 'ci'"));
    assertTrue(issue("t5", "default", "ci", Role.SYSTEM).isSuccess());
    var acmeTokens = kit.<TenantDirectory.Tokens>runCommand(r -> new TenantDirectory.ListTokens("acme", r)).reply();
    assertEquals(List.of("t3"), acmeTokens.tokens().stream().map(TokenRecord::id).toList());
    var revoked = kit.<TenantDirectory.TokenLookup>runCommand(r -> new TenantDirectory.RevokeToken("t3", r));
    assertEquals("acme", revoked.reply().token().tenantId());
    kit.restart();
    assertFalse(kit.<TenantDirectory.TokenLookup>runCommand(r -> new TenantDirectory.GetToken("t3", r)).reply().found());
    assertTrue(kit.<TenantDirectory.TokenLookup>runCommand(r -> new TenantDirectory.GetToken("t5", r)).reply().found());
    assertFalse(kit.<TenantDirectory.TokenLookup>runCommand(r -> new TenantDirectory.RevokeToken("t3", r)).reply().found());
  }

  @Test
  void rolesIncludeTheOnesBelowThem() {
    assertTrue(Role.ADMIN.includes(Role.MANAGER));
    assertTrue(Role.MANAGER.includes(Role.MANAGER));
    assertFalse(Role.VIEWER.includes(Role.MANAGER));
    assertFalse(Role.ADMIN.includes(Role.SYSTEM));
    assertEquals(Role.MANAGER, Role.fromWire("manager"));
    assertEquals(null, Role.fromWire("MANAGER"));
  }
}
