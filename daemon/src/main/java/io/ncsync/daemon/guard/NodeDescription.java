package io.ncsync.daemon.guard;

import java.net.InetAddress;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * How a running daemon is named to an operator who starts a second one where it is in the way: process id, host,
 * start time and admin API address.
 */
public record NodeDescription(long pid, String host, Instant startedAt, String adminApi) {

  /** This process, now, with the admin API address it is configured for (the real one once bound). */
  public static NodeDescription ofThisProcess(String adminApi) {
    return new NodeDescription(ProcessHandle.current().pid(), hostName(),
        Instant.now().truncatedTo(ChronoUnit.SECONDS), adminApi);
  }

  public NodeDescription withAdminApi(String address) {
    return new NodeDescription(pid, host, startedAt, address);
  }

  @Override
  public String toString() {
    return "pid " + pid + " on " + host + ", started " + startedAt + ", admin API " + adminApi;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "localhost";
    }
  }
}
