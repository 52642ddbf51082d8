package io.ncsync.daemon.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.ActorIdentity;
import akka.actor.ActorSelection;
import akka.actor.Address;
import akka.actor.Identify;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.ShardingEnvelope;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.ncsync.daemon.FakeSyncEngine;
import io.ncsync.daemon.TestDaemons;
import io.ncsync.daemon.config.Settings;
import io.ncsync.persistence.tenant.Tenant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's cluster port, seen from another process on the same machine: an ActorSystem without this installation's
 * key can neither join the daemon's cluster nor get a message to any of its actors, whether it speaks plain TCP or TLS
 * with a CA of its own. A witness holding the daemon's key and trust stores sends the same probes at the same time
 * and is answered, which shows the probes would see a hole if there were one (and bounds how long to wait for none).
 */
class ClusterDoorTest {
  /** How long a stranger's probes get beyond the time the witness needed for the same probes. */
  private static final Duration WINDOW = Duration.ofSeconds(5);
  private static final Duration AWAIT = Duration.ofSeconds(30);

  @TempDir static Path dataDir;
  @TempDir static Path foreignKeys;
  static TestDaemons.Running daemon;
  static Address daemonAddress;
  /** Holds the daemon's key and never joins: it sends the same probes at the same time as each stranger. */
  static ActorSystem<Void> witness;
  final List<ActorSystem<Void>> strangers = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    daemon = TestDaemons.start(Map.of("NCSYNC_DATA_DIR", dataDir.toString(), "NCSYNC_ADMIN_TOKEN", TestDaemons.TOKEN,
        "NCSYNC_SYNC_INTERVAL", "0"), new FakeSyncEngine().factory());
    daemonAddress = Cluster.get(daemon.daemon().system()).selfMember().address();
    witness = system(daemonsKeys());
  }

  @AfterAll
  static void stop() {
    if (witness != null) witness.terminate();
    if (daemon != null) daemon.close();
  }

  @AfterEach
  void stopStrangers() {
    strangers.forEach(ActorSystem::terminate);
    for (ActorSystem<Void> stranger : strangers) {
      try {
        stranger.getWhenTerminated().toCompletableFuture().get(AWAIT.toSeconds(), TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("stranger " + stranger + " did not terminate: " + e);
      }
    }
  }

  @Test
  void aPlainTcpSystemCanNeitherJoinNorDeliver() {
    assertLockedOut(stranger(ConfigFactory.parseString("akka.remote.artery.transport = tcp")));
  }

  @Test
  void aTlsSystemWithItsOwnCaCanNeitherJoinNorDeliver() throws Exception {
    ClusterCertificates.generate(foreignKeys.resolve("own"));
    ClusterTls.Stores own = ClusterTls.Stores.in(foreignKeys.resolve("own"));
    assertLockedOut(stranger(ClusterTls.akkaConfig(own, password(own))));
  }

  @Test
  void aSystemHoldingTheDaemonsKeyIsAnswered() {
    TestProbe<Object> replies = TestProbe.create(witness);
    probe(witness, replies.ref());
    assertAnswered(replies);
  }

  /**
   * The stranger tries to join and asks the tenant for its connections and the region for its identity; the witness
   * asks the same at the same time. Once the witness has its answers, and a while longer, the stranger has none and
   * the daemon's cluster is still the daemon alone.
   */
  private void assertLockedOut(ActorSystem<Void> stranger) {
    TestProbe<Object> strangerReplies = TestProbe.create(stranger);
    TestProbe<Object> witnessReplies = TestProbe.create(witness);
    Cluster.get(stranger).manager().tell(Join.create(daemonAddress));
    probe(stranger, strangerReplies.ref());
    probe(witness, witnessReplies.ref());
    assertAnswered(witnessReplies);
    List<Object> strangersAnswers = receivedWithin(strangerReplies, WINDOW);
    assertTrue(strangersAnswers.stream().noneMatch(ClusterDoorTest::fromTheDaemon),
        "the daemon answered a stranger: " + strangersAnswers);
    assertEquals(1L, daemonMembers(), "the daemon's cluster must still consist of the daemon alone");
  }

  /** Two messages a daemon answers to anyone who reaches it: the tenant's connection list and the region's identity. */
  private static void probe(ActorSystem<Void> from, akka.actor.typed.ActorRef<Object> replyTo) {
    ActorSelection region =
        Adapter.toClassic(from).actorSelection(daemonAddress + "/system/sharding/" + Tenant.ENTITY_KEY.name());
    region.tell(new ShardingEnvelope<>(Settings.DEFAULT_TENANT, new Tenant.ListConnections(replyTo.narrow())),
        akka.actor.ActorRef.noSender());
    region.tell(new Identify("region"), Adapter.toClassic(replyTo));
  }

  private static void assertAnswered(TestProbe<Object> replies) {
    List<Object> answers = replies.receiveSeveralMessages(2, AWAIT);
    assertTrue(answers.stream().allMatch(ClusterDoorTest::fromTheDaemon), answers.toString());
    assertTrue(answers.stream().anyMatch(Tenant.Connections.class::isInstance), answers.toString());
  }

  /**
   * The tenant's list, or the region's identity. A message that never left the sender's system comes back from its
   * own dead letters as an identity without an actor, so that one does not count.
   */
  private static boolean fromTheDaemon(Object answer) {
    return answer instanceof Tenant.Connections
        || answer instanceof ActorIdentity identity && identity.getActorRef().isPresent();
  }

  private static List<Object> receivedWithin(TestProbe<Object> probe, Duration window) {
    List<Object> received = new ArrayList<>();
    long deadline = System.nanoTime() + window.toNanos();
    for (long left = window.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      try {
        received.add(probe.receiveMessage(Duration.ofNanos(left)));
      } catch (AssertionError nothingMore) {
        break;
      }
    }
    return received;
  }

  private static long daemonMembers() {
    return java.util.stream.StreamSupport.stream(
        Cluster.get(daemon.daemon().system()).state().getMembers().spliterator(), false).count();
  }

  private ActorSystem<Void> stranger(Config transport) {
    ActorSystem<Void> system = system(transport);
    strangers.add(system);
    return system;
  }

  private static ActorSystem<Void> system(Config transport) {
    Config config = transport
        .withFallback(ConfigFactory.parseString("""
            akka.actor.provider = cluster
            akka.remote.artery.canonical.hostname = "127.0.0.1"
            akka.remote.artery.canonical.port = 0
            akka.cluster.seed-nodes = []
            akka.cluster.jmx.enabled = off
            akka.coordinated-shutdown.exit-jvm = off
            akka.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            """))
        .withFallback(ConfigFactory.load());
    // The daemon's own system name: an attacker would use it, and a join needs it.
    return ActorSystem.create(Behaviors.empty(), "ncsync", config);
  }

  private static Config daemonsKeys() throws Exception {
    ClusterTls.Stores stores = ClusterTls.Stores.in(dataDir.resolve(ClusterTls.GENERATED_DIR));
    return ClusterTls.akkaConfig(stores, password(stores));
  }

  private static String password(ClusterTls.Stores stores) throws Exception {
    return Files.readString(stores.passwordFile()).trim();
  }
}
