package io.ncsync.daemon;

import java.util.Optional;

/**
 * Refuses to run on an Akka release with the licence-key kill switch. Akka 2.8.7 and later, as published on Maven
 * Central, terminate the ActorSystem 15 minutes after start unless {@code akka.license-key} is set (shared/STACK.md);
 * a daemon that dies after 15 minutes is not a daemon. ncsync pins 2.8.5 (Apache-2.0 since its change date).
 */
public final class AkkaVersionCheck {
  private AkkaVersionCheck() {}

  /** The newest Akka release without the licence-key check. */
  public static final String NEWEST_ALLOWED = "2.8.6";

  private static final int[] MAX = {2, 8, 6};

  /** Why this Akka version must not be used, or empty when it is fine. */
  public static Optional<String> problem(String version) {
    int[] parsed = parse(version);
    if (parsed == null) {
      return Optional.of("cannot tell the Akka version from '" + version + "'; ncsync requires Akka " + NEWEST_ALLOWED
          + " or older");
    }
    for (int i = 0; i < 3; i++) {
      if (parsed[i] < MAX[i]) return Optional.empty();
      if (parsed[i] > MAX[i]) {
        return Optional.of("Akka " + version + " is on the classpath, but ncsync refuses Akka newer than "
            + NEWEST_ALLOWED + ": Akka 2.8.7 and later from Maven Central contain a licence-key kill switch that "
            + "stops the ActorSystem 15 minutes after start unless a commercial akka.license-key is configured. "
            + "Build ncsync with the pinned Akka 2.8.5 (pom.xml akka.version; see README.md, section Licence).");
      }
    }
    return Optional.empty();
  }

  /** Throws IllegalStateException with the reason when the version is not allowed. */
  public static void require(String version) {
    problem(version).ifPresent(reason -> {
      throw new IllegalStateException(reason);
    });
  }

  private static int[] parse(String version) {
    if (version == null) return null;
    String[] parts = version.split("[.\\-+]");
    if (parts.length < 3) return null;
    int[] out = new int[3];
    try {
      for (int i = 0; i < 3; i++) out[i] = Integer.parseInt(parts[i]);
    } catch (NumberFormatException e) {
      return null;
    }
    return out;
  }
}
