package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ncsync.protocol.testing.nextcloud.NextcloudTestServer;
import io.ncsync.protocol.testing.nextcloud.RequestLog;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * One in-process {@link NextcloudTestServer} and one daemon process per test class, the daemon talking to the server
 * through a connection of kind {@code nextcloud}. The test's own view of the server is independent of the daemon's
 * protocol module: writes go through plain HTTP ({@link DavRemote} on the files root, Basic auth), reads come from the
 * user's files on disk ({@link NextcloudTestServer#filesDir()}), so reading never shows up in the server's request log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
abstract class NextcloudE2eBase {

  static final String DAV_PREFIX = "/remote.php/dav/";
  static final String UPLOADS_PREFIX = "/remote.php/dav/uploads/";

  protected NextcloudTestServer server;
  protected DavRemote remote;
  protected DaemonProcess daemon;
  protected AdminApi api;
  protected String connectionId;
  private int connections;

  @BeforeAll
  void startPeers() throws Exception {
    server = NextcloudTestServer.start(serverOptions());
    remote = new DavRemote(server.filesRoot(), server.loginName(), server.appPassword());
    daemon = DaemonProcess.start(getClass().getSimpleName(), daemonEnv());
    api = new AdminApi(daemon);
    connectionId = newConnection();
  }

  @AfterAll
  void stopPeers() {
    try {
      if (daemon != null) {
        daemon.close();
        System.out.println("daemon log: " + daemon.logFile());
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  protected NextcloudTestServer.Options serverOptions() {
    return NextcloudTestServer.Options.defaults();
  }

  /** Extra environment of the daemon process. */
  protected Map<String, String> daemonEnv() {
    return Map.of();
  }

  static ObjectNode nextcloudConnection(String name, URI baseUrl, String loginName, String appPassword) {
    return AdminApi.object()
        .put("name", name)
        .put("kind", "nextcloud")
        .put("url", baseUrl.toString())
        .put("username", loginName)
        .put("appPassword", appPassword)
        .put("allowInsecureHttp", true);
  }

  /** A further connection to the same server: its own HTTP pool, session, rate limit and circuit breaker. */
  protected String newConnection() {
    return api.createConnection(
        nextcloudConnection("nextcloud-" + (++connections), server.baseUrl(), server.loginName(), server.appPassword()));
  }

  /** A library as the tests see it; local and remote folder are both named after it. */
  protected record Library(String id, Path localRoot, String remoteFolder, JsonNode json) {}

  protected Library newLibrary(String name) {
    return newLibrary(name, connectionId);
  }

  protected Library newLibrary(String name, String connection) {
    JsonNode json = api.createLibrary(AdminApi.library(name, connection, name, name, "bidirectional"));
    return new Library(json.get("id").asText(), Path.of(json.get("localRoot").asText()), name, json);
  }

  /** A new library over the same server folder, on a copy of {@code of}'s local folder that keeps the files' times. */
  protected Library libraryOnCopy(Library of, String name, String connection, boolean verifyOnAdopt) throws Exception {
    java.nio.file.Path copy = of.localRoot().resolveSibling(name);
    try (var files = java.nio.file.Files.walk(of.localRoot())) {
      for (java.nio.file.Path source : files.toList()) {
        java.nio.file.Path target = copy.resolve(of.localRoot().relativize(source).toString());
        if (java.nio.file.Files.isDirectory(source)) java.nio.file.Files.createDirectories(target);
        else java.nio.file.Files.copy(source, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    com.fasterxml.jackson.databind.node.ObjectNode body = AdminApi.library(name, connection, name, of.remoteFolder(),
        "bidirectional").put("verifyOnAdopt", verifyOnAdopt);
    com.fasterxml.jackson.databind.JsonNode json = api.createLibrary(body);
    assertEquals(verifyOnAdopt, json.path("verifyOnAdopt").asBoolean(!verifyOnAdopt), json.toString());
    return new Library(json.get("id").asText(), java.nio.file.Path.of(json.get("localRoot").asText()), of.remoteFolder(), json);
  }

  // ---- both sides ----

  protected Tree localTree(Library lib) {
    return Tree.local(lib.localRoot());
  }

  /** The server side, straight from the user's files on disk: every file, nothing filtered out. */
  protected Tree serverTree(Library lib) {
    return Tree.localRaw(serverPath(lib, ""));
  }

  protected Path serverPath(Library lib, String relPath) {
    Path folder = server.filesDir().resolve(lib.remoteFolder());
    return relPath.isEmpty() ? folder : E2eFiles.resolve(folder, relPath);
  }

  protected Tree assertConverged(String what, Library lib) {
    Tree local = localTree(lib);
    Tree.assertSameTree(what, local, serverTree(lib));
    return local;
  }

  protected void writeLocal(Library lib, String relPath, String content) {
    E2eFiles.write(lib.localRoot(), relPath, content);
  }

  /** An HTTP PUT to the files root, as another client of the account would do it. */
  protected void writeRemote(Library lib, String relPath, String content) {
    remote.put(lib.remoteFolder() + "/" + relPath, content);
  }

  protected void writeRemote(Library lib, String relPath, byte[] content) {
    remote.put(lib.remoteFolder() + "/" + relPath, content);
  }

  /** Path of a library entry as the server's request log shows it (percent-decoded, no trailing slash). */
  protected String davPath(Library lib, String relPath) {
    String root = DAV_PREFIX + "files/" + server.userId() + "/" + lib.remoteFolder();
    return relPath.isEmpty() ? root : root + "/" + relPath;
  }

  // ---- request log ----

  static List<RequestLog.Entry> davRequests(List<RequestLog.Entry> entries) {
    return entries.stream().filter(e -> e.path().startsWith(DAV_PREFIX)).toList();
  }

  static List<RequestLog.Entry> nonDavRequests(List<RequestLog.Entry> entries) {
    return entries.stream().filter(e -> !e.path().startsWith(DAV_PREFIX)).toList();
  }

  static String describe(List<RequestLog.Entry> entries) {
    return entries.isEmpty() ? "(none)" : entries.stream().map(e -> "    " + e).collect(Collectors.joining("\n", "\n", ""));
  }

  static String trimSlash(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  // ---- files ----

  /** Writes {@code size} deterministic pseudo-random bytes without holding them in memory; returns their SHA-256. */
  static String writeRandomFile(Path file, long seed, long size) {
    MessageDigest md = E2eFiles.digest();
    Random random = new Random(seed);
    byte[] block = new byte[1 << 20];
    try {
      Files.createDirectories(file.getParent());
      try (OutputStream out = Files.newOutputStream(file)) {
        long left = size;
        while (left > 0) {
          random.nextBytes(block);
          int n = (int) Math.min(block.length, left);
          out.write(block, 0, n);
          md.update(block, 0, n);
          left -= n;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Bytes used by the user's files on disk (what the server counts against the quota). */
  protected long usedBytes() {
    try (Stream<Path> s = Files.walk(server.filesDir())) {
      return s.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every file under the server's chunked-upload area (all transfer folders of the user). */
  protected List<Path> uploadAreaFiles() {
    Path uploads = server.dataDir().resolve(server.userId()).resolve("uploads");
    return E2eFiles.regularFiles(uploads);
  }

  /**
   * The Depth header of every PROPFIND on the files tree, as the server's {@code FilesDav} logs it at DEBUG
   * ({@code "PROPFIND {path} Depth {depth} body: ..."}); the request log has no headers.
   */
  static final class PropfindDepths implements AutoCloseable {
    record Propfind(String path, String depth) {}

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger logger;

    PropfindDepths() {
      logger = (Logger) LoggerFactory.getLogger("io.ncsync.protocol.testing.nextcloud.FilesDav");
      logger.setLevel(Level.DEBUG);
      appender.start();
      logger.addAppender(appender);
    }

    void clear() {
      synchronized (appender) {
        appender.list.clear();
      }
    }

    List<Propfind> propfinds() {
      List<ILoggingEvent> events;
      synchronized (appender) {
        events = new ArrayList<>(appender.list);
      }
      List<Propfind> out = new ArrayList<>();
      for (ILoggingEvent e : events) {
        Object[] args = e.getArgumentArray();
        if (e.getMessage() != null && e.getMessage().startsWith("PROPFIND {} Depth {}") && args != null
            && args.length >= 2) {
          out.add(new Propfind(String.valueOf(args[0]), String.valueOf(args[1])));
        }
      }
      return out;
    }

    @Override
    public void close() {
      logger.detachAppender(appender);
      appender.stop();
    }
  }

  static void assertNoConflictCopies(String what, Tree tree) {
    List<String> copies = tree.filesMatching(".*\\(conflicted copy .*");
    assertEquals(List.of(), copies, what + ": unexpected conflict copies");
  }
}
