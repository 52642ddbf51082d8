package io.ncsync.daemon.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.ActorIdentity;
import akka.actor.ActorSelection;
import akka.actor.Address;
import akka.actor.Identify;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.MemberStatus;
import akka.cluster.sharding.typed.ShardingEnvelope;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.cluster.typed.Leave;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.ncsync.daemon.FakeSyncIo;
import io.ncsync.daemon.TestDaemons;
import io.ncsync.daemon.config.Settings;
import io.ncsync.persistence.tenant.Tenant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's cluster port, seen from another process on the same machine: an ActorSystem without this installation's
 * key can neither join the daemon's cluster nor get a message to any of its actors, whether it speaks plain TCP or TLS
 * with a CA of its own. One that holds the daemon's key and trust stores can do both, which shows the probes would
 * see a hole if there were one.
 */
class ClusterDoorTest {
  /** Long enough for a join or a reply over loopback many times over (the keyed probe gets its answer in well under). */
  private static final Duration WINDOW = Duration.ofSeconds(4);
  private static final Duration AWAIT = Duration.ofSeconds(30);

  @TempDir static Path dataDir;
  @TempDir static Path foreignKeys;
  static TestDaemons.Running daemon;
  static Address daemonAddress;
  final List<ActorSystem<Void>> strangers = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    daemon = TestDaemons.start(TestDaemons.h2Env(dataDir), new FakeSyncIo().factory());
    daemonAddress = Cluster.get(daemon.daemon().system()).selfMember().address();
  }

  @AfterAll
  static void stop() {
    if (daemon != null) daemon.close();
  }

  @AfterEach
  void stopStrangers() {
    strangers.forEach(ActorSystem::terminate);
    strangers.forEach(s -> s.getWhenTerminated().toCompletableFuture().join());
  }

  @Test
  void aPlainTcpSystemCanNeitherJoinNorDeliver() {
    ActorSystem<Void> stranger = system(ConfigFactory.parseString("akka.remote.artery.transport = tcp"));
    assertLockedOut(stranger);
  }

  @Test
  void aTlsSystemWithItsOwnCaCanNeitherJoinNorDeliver() throws Exception {
    ClusterCertificates.generate(foreignKeys.resolve("own"));
    ClusterTls.Stores own = ClusterTls.Stores.in(foreignKeys.resolve("own"));
    ActorSystem<Void> stranger = system(ClusterTls.akkaConfig(own, password(own)));
    assertLockedOut(stranger);
  }

  @Test
  void aSystemHoldingTheDaemonsKeyIsAnsweredAndMayJoin() throws Exception {
    ClusterTls.Stores daemons = ClusterTls.Stores.in(dataDir.resolve(ClusterTls.GENERATED_DIR));
    ActorSystem<Void> member = system(ClusterTls.akkaConfig(daemons, password(daemons)));

    TestProbe<Tenant.Connections> connections = TestProbe.create(member);
    tenantRegion(member).tell(envelope(connections.ref()), akka.actor.ActorRef.noSender());
    connections.expectMessageClass(Tenant.Connections.class, AWAIT);
    TestProbe<Object> identities = TestProbe.create(member);
    tenantRegion(member).tell(new Identify("region"), Adapter.toClassic(identities.ref()));
    assertEquals("region", identities.expectMessageClass(ActorIdentity.class, AWAIT).correlationId());

    Cluster.get(member).manager().tell(Join.create(daemonAddress));
    connections.awaitAssert(AWAIT, () -> {
      assertEquals(MemberStatus.up(), Cluster.get(member).selfMember().status(), "the keyed system joined");
      assertEquals(2L, daemonMembers());
      return null;
    });
    Cluster.get(member).manager().tell(Leave.create(Cluster.get(member).selfMember().address()));
    connections.awaitAssert(AWAIT, () -> {
      assertEquals(1L, daemonMembers(), "and left again");
      return null;
    });
  }

  /** Tries to join and to ask the tenant for its connections, both ways; nothing may get through. */
  private void assertLockedOut(ActorSystem<Void> stranger) {
    Cluster.get(stranger).manager().tell(Join.create(daemonAddress));
    TestProbe<Object> replies = TestProbe.create(stranger);
    tenantRegion(stranger).tell(envelope(replies.ref().narrow()), akka.actor.ActorRef.noSender());
    tenantRegion(stranger).tell(new Identify("region"), Adapter.toClassic(replies.ref()));
    replies.expectNoMessage(WINDOW);
    assertEquals(1L, daemonMembers(),
        "the daemon's cluster must still consist of the daemon alone");
  }

  private static long daemonMembers() {
    return java.util.stream.StreamSupport.stream(
        Cluster.get(daemon.daemon().system()).state().getMembers().spliterator(), false).count();
  }

  private ActorSystem<Void> system(Config transport) {
    Config config = transport
        .withFallback(ConfigFactory.parseString("""
            akka.actor.provider = cluster
            akka.remote.artery.canonical.hostname = "127.0.0.1"
            akka.remote.artery.canonical.port = 0
            akka.cluster.seed-nodes = []
            akka.coordinated-shutdown.exit-jvm = off
            akka.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            """))
        .withFallback(ConfigFactory.load());
    // The daemon's own system name: an attacker would use it, and a join needs it.
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "ncsync", config);
    strangers.add(system);
    return system;
  }

  private static ActorSelection tenantRegion(ActorSystem<Void> from) {
    return Adapter.toClassic(from).actorSelection(daemonAddress + "/system/sharding/" + Tenant.ENTITY_KEY.name());
  }

  private static ShardingEnvelope<Tenant.Command> envelope(akka.actor.typed.ActorRef<Tenant.Connections> replyTo) {
    return new ShardingEnvelope<>(Settings.DEFAULT_TENANT, new Tenant.ListConnections(replyTo));
  }

  private static String password(ClusterTls.Stores stores) throws Exception {
    return Files.readString(stores.passwordFile()).trim();
  }
}
