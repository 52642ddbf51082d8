package io.ncsync.protocol.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private Apache httpd with mod_dav on a free loopback port: the reference RFC 4918 server for tests.
 *
 * <p>Everything lives in one temp dir (config, pid, logs, lock database, served folder) and goes away on
 * {@link #close()}. Started as root, the workers run as www-data and own the served folder; files a test writes into
 * {@link #documentRoot()} directly belong to root then, so call {@link #fixOwnership()} before Apache must change them.
 */
public final class ApacheDavServer implements AutoCloseable {
  private static final Path APACHE = Path.of("/usr/sbin/apache2");
  private static final String MODULES = "/usr/lib/apache2/modules";
  private static final String SERVER_USER = "www-data";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(15);

  private final Path baseDir;
  private final Path config;
  private final Path documentRoot;
  private final int port;
  private final String username;
  private final String password;
  private final boolean asRoot;
  private boolean closed;

  private ApacheDavServer(Path baseDir, int port, String username, String password, boolean asRoot) {
    this.baseDir = baseDir;
    this.config = baseDir.resolve("httpd.conf");
    this.documentRoot = baseDir.resolve("htdocs").resolve("dav");
    this.port = port;
    this.username = username;
    this.password = password;
    this.asRoot = asRoot;
  }

  public static ApacheDavServer start() throws Exception {
    if (!Files.isExecutable(APACHE)) {
      throw new IllegalStateException(
          "Apache httpd is not installed: run ops/test.sh (it installs apache2) or apt-get install apache2");
    }
    boolean asRoot = runningAsRoot();
    IOException lastFailure = null;
    // The free port we picked can be taken before Apache binds it; a fresh port on the next try cures that.
    for (int attempt = 0; attempt < 3; attempt++) {
      Path baseDir = Files.createTempDirectory("ncsync-apache-");
      ApacheDavServer server = new ApacheDavServer(baseDir, freePort(), "ncsync", randomPassword(), asRoot);
      try {
        server.launch();
        return server;
      } catch (IOException e) {
        lastFailure = e;
        server.close();
      }
    }
    throw lastFailure;
  }

  /** e.g. {@code http://127.0.0.1:PORT/dav/} */
  public URI rootUrl() {
    return URI.create("http://127.0.0.1:" + port + "/dav/");
  }

  public String username() {
    return username;
  }

  public String password() {
    return password;
  }

  /** The served folder on disk: {@link #rootUrl()} maps to it. */
  public Path documentRoot() {
    return documentRoot;
  }

  /** Hands everything below {@link #documentRoot()} to the server's user (a no-op when not running as root). */
  public void fixOwnership() {
    if (!asRoot) return;
    try (Stream<Path> files = Files.walk(documentRoot)) {
      files.forEach(ApacheDavServer::chownToServerUser);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The access log so far, one request a line ({@code host user [time] "METHOD /path HTTP/1.1" status bytes received};
   * the last field is what arrived, headers and body, by mod_logio): what a test asserts a client sent.
   */
  public java.util.List<String> accessLog() {
    try {
      Path log = baseDir.resolve("logs/access.log");
      return Files.exists(log) ? Files.readAllLines(log) : java.util.List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The error log, for failure messages. */
  public String errorLog() {
    try {
      Path log = baseDir.resolve("logs/error.log");
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(error log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    try {
      stop();
    } finally {
      deleteRecursively(baseDir);
    }
  }

  // ---- Start and stop ----------------------------------------------------------------------------------------------

  private void launch() throws IOException, InterruptedException {
    Path runDir = Files.createDirectories(baseDir.resolve("run"));
    Path lockDir = Files.createDirectories(baseDir.resolve("lock"));
    Files.createDirectories(baseDir.resolve("logs"));
    Files.createDirectories(documentRoot);
    Files.writeString(baseDir.resolve("htpasswd"), username + ":" + shaPassword(password) + "\n");
    Files.writeString(config, config(runDir, lockDir));
    if (asRoot) {
      // Workers run as www-data: they must traverse the temp dir and own what they write.
      Files.setPosixFilePermissions(baseDir, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(baseDir.resolve("htdocs"), PosixFilePermissions.fromString("rwxr-xr-x"));
      chownToServerUser(documentRoot);
      chownToServerUser(lockDir);
    }
    ProcessResult result = apachectl("start");
    if (result.exitCode != 0) {
      throw new IOException("apache2 -k start failed (" + result.exitCode + "): " + result.output + "\n" + errorLog());
    }
    waitUntilListening();
  }

  private String config(Path runDir, Path lockDir) {
    StringBuilder conf = new StringBuilder();
    conf.append("ServerRoot /etc/apache2\n")
        .append("ServerName 127.0.0.1\n")
        .append("Listen 127.0.0.1:").append(port).append('\n')
        .append("PidFile ").append(runDir.resolve("httpd.pid")).append('\n')
        .append("DefaultRuntimeDir ").append(runDir).append('\n')
        .append("Mutex file:").append(runDir).append(" default\n");
    for (String module : new String[] {"mpm_event", "authz_core", "authz_user", "authn_core", "authn_file",
        "auth_basic", "mime", "dav", "dav_fs"}) {
      conf.append("LoadModule ").append(module).append("_module ").append(MODULES).append("/mod_").append(module)
          .append(".so\n");
    }
    if (asRoot) conf.append("User ").append(SERVER_USER).append("\nGroup ").append(SERVER_USER).append('\n');
    conf.append("StartServers 1\nServerLimit 2\nThreadsPerChild 16\nMaxRequestWorkers 32\n")
        .append("ErrorLog ").append(baseDir.resolve("logs/error.log")).append('\n')
        .append("LogLevel warn\n")
        .append("LogFormat \"%h %u %t \\\"%r\\\" %>s %b %I\" common\n")
        .append("CustomLog ").append(baseDir.resolve("logs/access.log")).append(" common\n")
        .append("TypesConfig /etc/mime.types\n")
        .append("DavLockDB ").append(lockDir.resolve("DavLock")).append('\n')
        .append("DavDepthInfinity Off\n")
        .append("LimitRequestBody 0\n")
        .append("KeepAlive On\n")
        .append("DocumentRoot ").append(baseDir.resolve("htdocs")).append('\n')
        .append("<Directory />\n  AllowOverride None\n  Require all denied\n</Directory>\n")
        .append("<Directory ").append(documentRoot).append(">\n")
        .append("  Dav On\n")
        .append("  AuthType Basic\n")
        .append("  AuthName ncsync-test\n")
        .append("  AuthUserFile ").append(baseDir.resolve("htpasswd")).append('\n')
        .append("  Require valid-user\n")
        .append("</Directory>\n");
    return conf.toString();
  }

  private void waitUntilListening() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new IOException("Apache did not listen on port " + port + " within " + STARTUP_TIMEOUT + "\n" + errorLog());
  }

  private void stop() {
    Optional<ProcessHandle> apache = mainProcess();
    try {
      apachectl("stop");
    } catch (IOException | InterruptedException e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
    }
    apache.ifPresent(this::awaitExit);
  }

  /** Waits for the main process we started; terminates it by its pid only if the graceful stop did not. */
  private void awaitExit(ProcessHandle process) {
    try {
      process.onExit().get(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception stillRunning) {
      process.destroyForcibly();
    }
  }

  private Optional<ProcessHandle> mainProcess() {
    Path pidFile = baseDir.resolve("run/httpd.pid");
    try {
      if (!Files.exists(pidFile)) return Optional.empty();
      return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private record ProcessResult(int exitCode, String output) {}

  private ProcessResult apachectl(String command) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(APACHE.toString(), "-f", config.toString(), "-k", command)
        .redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    // Debian's scripts read these; the binary does not need them with our config, but they keep it off /var/run.
    env.put("APACHE_RUN_DIR", baseDir.resolve("run").toString());
    env.put("APACHE_PID_FILE", baseDir.resolve("run/httpd.pid").toString());
    env.put("APACHE_LOCK_DIR", baseDir.resolve("lock").toString());
    env.put("APACHE_LOG_DIR", baseDir.resolve("logs").toString());
    env.put("APACHE_RUN_USER", SERVER_USER);
    env.put("APACHE_RUN_GROUP", SERVER_USER);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return new ProcessResult(-1, output + " (timed out)");
    }
    return new ProcessResult(process.exitValue(), output);
  }

  // ---- Helpers -----------------------------------------------------------------------------------------------------

  private static boolean runningAsRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }

  private static String randomPassword() {
    byte[] bytes = new byte[18];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** htpasswd's {SHA} format, computed here so the password never appears on a command line. */
  private static String shaPassword(String password) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest(password.getBytes(StandardCharsets.UTF_8));
      return "{SHA}" + Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void chownToServerUser(Path path) {
    try {
      UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
      UserPrincipal user = lookup.lookupPrincipalByName(SERVER_USER);
      GroupPrincipal group = lookup.lookupPrincipalByGroupName(SERVER_USER);
      PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
      view.setOwner(user);
      view.setGroup(group);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) return;
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // best effort: a leftover temp dir is not worth failing a test run for
    }
  }
}
