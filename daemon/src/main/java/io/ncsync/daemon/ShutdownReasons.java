package io.ncsync.daemon;

import akka.actor.CoordinatedShutdown;

/**
 * Why the daemon shuts down. {@code application.conf} maps {@link StartupFailed} to exit code 1 under
 * {@code akka.coordinated-shutdown.reason-overrides}; the others exit 0.
 */
public final class ShutdownReasons {
  private ShutdownReasons() {}

  /** SIGTERM or SIGINT: a requested, graceful stop. */
  public static final class SignalReceived implements CoordinatedShutdown.Reason {
    public static final SignalReceived INSTANCE = new SignalReceived();

    private SignalReceived() {}

    @Override
    public String toString() {
      return "SignalReceived";
    }
  }

  /** The daemon could not become operational (e.g. the admin API's port is taken). */
  public static final class StartupFailed implements CoordinatedShutdown.Reason {
    public static final StartupFailed INSTANCE = new StartupFailed();

    private StartupFailed() {}

    @Override
    public String toString() {
      return "StartupFailed";
    }
  }
}
