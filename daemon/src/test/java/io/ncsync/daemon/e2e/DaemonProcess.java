package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's shaded jar ({@code -Dncsync.jar}, set by failsafe) running as a separate {@code java -jar … serve}
 * process, the way an operator runs it: its own data dir (embedded journal, admin token, trash, workspaces), a free loopback
 * port, output appended to {@code daemon.log} next to the data dir. {@link #restart()} reuses data dir, port and token.
 */
final class DaemonProcess implements AutoCloseable {

  static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(70);

  private final Path workDir;
  private final Path dataDir;
  private final Path logFile;
  private final int port;
  private final String adminToken;
  private final Map<String, String> extraEnv;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private Process process;

  private DaemonProcess(Path workDir, Map<String, String> extraEnv) {
    this.workDir = workDir;
    this.dataDir = workDir.resolve("data");
    this.logFile = workDir.resolve("daemon.log");
    this.port = freePort();
    this.adminToken = randomHex(24);
    this.extraEnv = Map.copyOf(extraEnv);
  }

  /** Starts a daemon with a fresh data dir under {@code target/e2e/<name>} and waits until it is ready. */
  static DaemonProcess start(String name) {
    return start(name, Map.of());
  }

  /** As {@link #start(String)}, with extra environment (e.g. NCSYNC_DB_URL for PostgreSQL). */
  static DaemonProcess start(String name, Map<String, String> extraEnv) {
    Path workDir = E2eFiles.freshDir(Path.of("target", "e2e", name).toAbsolutePath());
    DaemonProcess daemon = new DaemonProcess(workDir, extraEnv);
    daemon.launch();
    return daemon;
  }

  static Path jar() {
    String jar = System.getProperty("ncsync.jar");
    if (jar == null || jar.isBlank()) {
      throw new IllegalStateException(
          "system property ncsync.jar is not set: run the end-to-end tests through maven-failsafe (mvn verify)");
    }
    Path path = Path.of(jar);
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException("ncsync.jar " + path + " does not exist: the daemon module's package phase builds it");
    }
    return path;
  }

  private void launch() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String opt : System.getProperty("ncsync.e2e.javaOpts", "-Xmx512m -XX:+UseSerialGC").trim().split("\\s+")) {
      if (!opt.isEmpty()) {
        command.add(opt);
      }
    }
    command.add("-jar");
    command.add(jar().toString());
    command.add("serve");

    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    Map<String, String> env = builder.environment();
    // A developer's shell may carry settings for a real deployment; the test daemon must not pick them up.
    env.keySet().removeIf(key -> key.startsWith("NCSYNC_"));
    // What bin/ncsync does: the JVM maps non-ASCII file names only under a UTF-8 locale.
    if (env.getOrDefault("LC_ALL", "").isEmpty()
        && env.getOrDefault("LC_CTYPE", "").isEmpty()
        && env.getOrDefault("LANG", "").isEmpty()) {
      env.put("LANG", "C.UTF-8");
    }
    env.put("NCSYNC_HTTP_HOST", "127.0.0.1");
    env.put("NCSYNC_HTTP_PORT", Integer.toString(port));
    env.put("NCSYNC_DATA_DIR", dataDir.toString());
    env.put("NCSYNC_ADMIN_TOKEN", adminToken);
    // Runs happen when a test asks for them, never on a timer in the middle of a scenario.
    env.put("NCSYNC_SYNC_INTERVAL", "0");
    env.putAll(extraEnv);
    builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    try {
      Files.createDirectories(dataDir);
      Files.writeString(
          logFile,
          "---- e2e: starting daemon at " + Instant.now() + " on port " + port + " ----\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    awaitReady();
  }

  private void awaitReady() {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    String last = "no answer yet";
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new AssertionError(
            "daemon exited with " + process.exitValue() + " before it was ready; log " + logFile + ":\n" + logTail(80));
      }
      try {
        HttpResponse<String> response = http.send(
            HttpRequest.newBuilder(baseUrl().resolve("/health/ready")).timeout(Duration.ofSeconds(5)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = "HTTP " + response.statusCode() + " " + response.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for the daemon", e);
      }
      sleep(200);
    }
    process.destroyForcibly();
    throw new AssertionError(
        "daemon not ready within " + READY_TIMEOUT + " (GET /health/ready: " + last + "); log " + logFile + ":\n"
            + logTail(80));
  }

  /** kill -9: no shutdown hook, no CoordinatedShutdown, whatever was in flight is cut off. */
  void kill9() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new AssertionError("daemon did not die within 30 s of SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** SIGTERM and wait; returns the exit code. */
  int terminate() {
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("daemon did not exit within " + STOP_TIMEOUT + " of SIGTERM; log tail:\n" + logTail(40));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    return process.exitValue();
  }

  /** SIGTERM; the daemon must shut down gracefully and exit 0. */
  void stop() {
    int code = terminate();
    assertEquals(0, code, "exit code after SIGTERM (graceful shutdown must exit 0); log tail:\n" + logTail(40));
  }

  /** Starts the daemon again on the same data dir, port and admin token (after {@link #kill9()} or {@link #stop()}). */
  void restart() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("daemon still running");
    }
    launch();
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  URI baseUrl() {
    return URI.create("http://127.0.0.1:" + port + "/");
  }

  String adminToken() {
    return adminToken;
  }

  Path dataDir() {
    return dataDir;
  }

  Path logFile() {
    return logFile;
  }

  String logText() {
    try {
      return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String logTail(int lines) {
    List<String> all = logText().lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String randomHex(int bytes) {
    byte[] buffer = new byte[bytes];
    new SecureRandom().nextBytes(buffer);
    return HexFormat.of().formatHex(buffer);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
