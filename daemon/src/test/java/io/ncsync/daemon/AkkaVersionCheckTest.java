package io.ncsync.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The daemon must outlive Akka's licence-key timer (issue 2): releases 2.8.7+ from Maven Central stop the ActorSystem
 * after 15 minutes without a key. The check refuses them; these tests prove it and that what we ship passes.
 */
class AkkaVersionCheckTest {

  @ParameterizedTest
  @ValueSource(strings = {"2.8.5", "2.8.6", "2.8.0", "2.6.21", "2.8.5-M1"})
  void releasesWithoutTheKillSwitchPass(String version) {
    assertEquals(Optional.empty(), AkkaVersionCheck.problem(version));
  }

  @ParameterizedTest
  @ValueSource(strings = {"2.8.7", "2.8.8", "2.9.0", "2.10.5", "3.0.0", "2.8.10"})
  void releasesWithTheKillSwitchAreRefused(String version) {
    String reason = AkkaVersionCheck.problem(version).orElseThrow();
    assertTrue(reason.contains("licence-key kill switch"), reason);
    assertTrue(reason.contains("15 minutes"), reason);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> AkkaVersionCheck.require(version));
    assertEquals(reason, e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "2.8", "two.eight.five", "2.x.5"})
  void unreadableVersionsAreRefused(String version) {
    assertTrue(AkkaVersionCheck.problem(version).isPresent());
  }

  @Test
  void theAkkaOnTheClasspathPasses() {
    assertEquals("2.8.5", akka.Version.current(), "pom.xml pins Akka 2.8.5");
    AkkaVersionCheck.require(akka.Version.current());
  }

  @Test
  void theAkkaOnTheClasspathHasNoLicenceKeySetting() {
    // 2.8.7+ introduced akka.license-key; its absence means there is no licence check to trip.
    assertFalse(ConfigFactory.defaultReference().hasPath("akka.license-key"));
  }
}
