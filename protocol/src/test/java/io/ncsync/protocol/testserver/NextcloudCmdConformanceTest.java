package io.ncsync.protocol.testserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ncsync.protocol.testing.nextcloud.NextcloudTestServer;
import io.ncsync.protocol.testing.nextcloud.RequestLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof that the test server is faithful: Debian's real Nextcloud desktop client ({@code nextcloudcmd} 3.7, package
 * nextcloud-desktop-cmd) syncs against it, up and down, with small files (bulk upload), 12 MiB files (chunked upload
 * v2), changes on either side, and settles to a handful of requests when nothing changed.
 *
 * <p>Never skipped: without nextcloudcmd it fails and says how to get it.
 */
class NextcloudCmdConformanceTest {
  private static final Path NEXTCLOUDCMD = Path.of("/usr/bin/nextcloudcmd");
  private static final int RUN_TIMEOUT_SECONDS = 120;
  private static final int MIB = 1 << 20;
  /** Local files get an mtime in the past: the client skips files modified in the last seconds as "still changing". */
  private static final Instant PAST = Instant.now().minusSeconds(3600);

  private static NextcloudTestServer server;
  private static NcHttp http;
  @TempDir static Path home;
  @TempDir Path local;
  private String remote;

  @BeforeAll
  static void start() throws Exception {
    Path binary = nextcloudcmd();
    if (binary == null) fail("nextcloudcmd is not installed: install nextcloud-desktop-cmd (ops/test.sh does)");
    server = NextcloudTestServer.start();
    http = new NcHttp(server);
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  private static int folders;

  @BeforeEach
  void remoteFolder() throws Exception {
    remote = "sync-" + (++folders);
    assertEquals(201, http.files("MKCOL", remote).send().statusCode());
  }

  @Test
  void uploadsATreeOfSmallAndChunkedFilesThenSettles() throws Exception {
    Random random = new Random(1);
    for (int i = 0; i < 50; i++) {
      String folder = switch (i % 5) {
        case 0 -> "";
        case 1 -> "docs/";
        case 2 -> "docs/2024/";
        case 3 -> "docs/2024/q1/";
        default -> "photos/";
      };
      byte[] content = new byte[100 + random.nextInt(4000)];
      random.nextBytes(content);
      write(folder + "file " + i + (i % 3 == 0 ? " ü.txt" : ".bin"), content);
    }
    write("big/first.bin", randomBytes(12 * MIB, 2));
    write("big/second.bin", randomBytes(12 * MIB, 3));

    server.requests().reset();
    String output = sync();
    RequestLog log = server.requests();
    assertEquals(tree(local), tree(serverDir()), "the server has what the client had\n" + tail(output));
    assertTrue(log.count("MKCOL", "/remote.php/dav/uploads/alice/") >= 2, "chunked upload v2 was used:\n" + log.dump(80));
    assertTrue(log.count(e -> e.method().equals("MOVE") && e.path().endsWith("/.file") && e.status() == 201) >= 2,
        "and assembled with MOVE .file:\n" + log.dump(80));
    // nextcloudcmd sizes chunks dynamically: it starts at 10 MB (so the first 12 MiB file takes two chunks) and may grow
    // the size after a fast chunk, so the second file can go up in one.
    assertTrue(log.count(e -> e.method().equals("PUT") && e.path().startsWith("/remote.php/dav/uploads/")) >= 3,
        "two chunks for the first file at least, one for the second:\n" + log.dump(80));
    System.out.printf("nextcloudcmd upload of 50 small + 2 x 12 MiB files: %d requests (%d bulk POSTs, %d chunk PUTs, %d MKCOL)%n",
        log.count(), log.count("POST"), log.count("PUT", "/remote.php/dav/uploads/"), log.count("MKCOL"));

    server.requests().reset();
    sync();
    int firstResync = server.requests().count();
    String firstDump = server.requests().dump(40);
    server.requests().reset();
    sync();
    int settled = server.requests().count();
    System.out.printf("nextcloudcmd re-sync with nothing changed: %d requests the first time, %d once settled%n",
        firstResync, settled);
    assertTrue(firstResync <= 10, "first re-sync sent " + firstResync + " requests:\n" + firstDump);
    assertTrue(settled <= 10, "settled re-sync sent " + settled + " requests:\n" + server.requests().dump(40));
    assertEquals(0, server.requests().count(e -> !e.method().equals("GET") && !e.method().equals("PROPFIND")),
        "nothing is written when nothing changed:\n" + server.requests().dump(40));
    assertEquals(tree(local), tree(serverDir()));
  }

  @Test
  void downloadsWhatWasCreatedOnTheServer() throws Exception {
    sync();
    assertEquals(201, http.files("MKCOL", remote + "/from%20server").send().statusCode());
    assertEquals(201, http.files("MKCOL", remote + "/from%20server/deeper").send().statusCode());
    assertEquals(201, http.files("PUT", remote + "/top.txt").body("top level").send().statusCode());
    assertEquals(201, http.files("PUT", remote + "/from%20server/a.txt").header("X-OC-MTime", "1700000000")
        .body("made by PUT").send().statusCode());
    assertEquals(201, http.files("PUT", remote + "/from%20server/deeper/large.bin").body(randomBytes(12 * MIB, 4)).send().statusCode());

    String output = sync();
    assertEquals(tree(serverDir()), tree(local), "the client has what the server had\n" + tail(output));
    assertEquals(1_700_000_000_000L, Files.getLastModifiedTime(local.resolve("from server/a.txt")).toMillis(),
        "the client took the server's mtime");
  }

  @Test
  void aChangeOnEachSideSyncsBothWays() throws Exception {
    write("local.txt", "local v1");
    write("shared/server.txt", "server v1");
    write("shared/doomed-remotely.txt", "will be deleted on the server");
    write("doomed-locally.txt", "will be deleted here");
    sync();
    assertEquals(tree(local), tree(serverDir()));

    Files.writeString(local.resolve("local.txt"), "local v2, longer");
    Files.setLastModifiedTime(local.resolve("local.txt"), FileTime.from(PAST.plusSeconds(60)));
    Files.delete(local.resolve("doomed-locally.txt"));
    assertEquals(204, http.files("PUT", remote + "/shared/server.txt").body("server v2, longer").send().statusCode());
    assertEquals(204, http.files("DELETE", remote + "/shared/doomed-remotely.txt").send().statusCode());

    String output = sync();
    Map<String, String> expected = Map.of("local.txt", sha256("local v2, longer"), "shared/server.txt", sha256("server v2, longer"));
    assertEquals(expected, tree(local), "client side\n" + tail(output));
    assertEquals(expected, tree(serverDir()), "server side\n" + tail(output));
    assertTrue(server.requests().count(e -> e.method().equals("DELETE") && e.path().endsWith("/doomed-locally.txt")) == 1,
        "the local deletion became a DELETE:\n" + server.requests().dump(40));
    String trash = http.req("PROPFIND", "/remote.php/dav/trashbin/alice/trash").header("Depth", "1").text();
    assertTrue(trash.contains("doomed-locally.txt"), "and the file went to the trashbin");
    List<String> versions = NcHttp.multistatus(http.req("PROPFIND", "/remote.php/dav/versions/alice/versions/"
        + server.fileId(remote + "/local.txt")).header("Depth", "1").send()).keySet().stream().toList();
    assertEquals(2, versions.size(), "the overwritten upload left a version: " + versions);
  }

  // ---- running nextcloudcmd ----------------------------------------------------------------------------------------

  private static Path nextcloudcmd() {
    if (Files.isExecutable(NEXTCLOUDCMD)) return NEXTCLOUDCMD;
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir, "nextcloudcmd");
      if (!dir.isEmpty() && Files.isExecutable(candidate)) return candidate;
    }
    return null;
  }

  /** One nextcloudcmd run; fails the test with its output and the server's requests unless it exits 0. */
  private String sync() throws Exception {
    Path logFile = Files.createTempFile(home, "nextcloudcmd-", ".log");
    String base = server.baseUrl().toString();
    ProcessBuilder builder = new ProcessBuilder(nextcloudcmd().toString(), "--non-interactive",
        "-u", server.loginName(), "-p", server.appPassword(), "--path", "/" + remote,
        local.toString(), base.substring(0, base.length() - 1))
        .redirectErrorStream(true)
        .redirectOutput(logFile.toFile());
    Map<String, String> env = builder.environment();
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    env.put("QT_QPA_PLATFORM", "offscreen");
    env.put("LC_ALL", "C.UTF-8");
    Process process = builder.start();
    boolean finished = process.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (!finished) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String output = Files.readString(logFile, StandardCharsets.UTF_8);
    if (!finished) {
      fail("nextcloudcmd did not finish within " + RUN_TIMEOUT_SECONDS + " s\n" + tail(output) + "\nrequests:\n"
          + server.requests().dump(60));
    }
    if (process.exitValue() != 0) {
      fail("nextcloudcmd exited with " + process.exitValue() + "\n" + tail(output) + "\nrequests:\n" + server.requests().dump(60));
    }
    return output;
  }

  private static String tail(String output) {
    String[] lines = output.split("\n");
    int from = Math.max(0, lines.length - 80);
    return "---- nextcloudcmd output (last " + (lines.length - from) + " of " + lines.length + " lines) ----\n"
        + String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
  }

  // ---- trees -------------------------------------------------------------------------------------------------------

  private Path serverDir() {
    return server.filesDir().resolve(remote);
  }

  /** Relative path → SHA-256 of every file below {@code root}, skipping dot files (the client's journal). */
  private static Map<String, String> tree(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path rel = root.relativize(p);
        boolean hidden = false;
        for (Path part : rel) hidden |= part.toString().startsWith(".");
        if (hidden || !Files.isRegularFile(p)) continue;
        out.put(rel.toString(), sha256(p));
      }
    }
    return out;
  }

  private void write(String relative, String content) throws IOException {
    write(relative, content.getBytes(StandardCharsets.UTF_8));
  }

  private void write(String relative, byte[] content) throws IOException {
    Path file = local.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.write(file, content);
    Files.setLastModifiedTime(file, FileTime.from(PAST));
  }

  private static byte[] randomBytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
      return HexFormat.of().formatHex(digest.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
