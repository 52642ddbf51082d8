package io.ncsync.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import io.ncsync.protocol.testing.ApacheDavServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against Apache mod_dav, the reference RFC 4918 server. Each test works in its own folder. */
class AkkaHttpRemoteStoreApacheTest {
  private static final AtomicInteger FOLDERS = new AtomicInteger();

  private static ActorSystem<Void> system;
  private static ApacheDavServer server;
  private static AkkaHttpRemoteStore rootStore;

  private RemoteStore store;
  private String folder;
  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "test");
    server = ApacheDavServer.start();
    rootStore = AkkaHttpRemoteStore.create(system, new DavEndpoint(server.rootUrl(), server.username(), server.password()));
  }

  @AfterAll
  static void stop() {
    if (system != null) system.terminate();
    if (server != null) server.close();
  }

  @BeforeEach
  void freshFolder() throws Exception {
    folder = "test-" + FOLDERS.incrementAndGet();
    await(rootStore.mkcol(folder));
    store = rootStore.scoped(folder);
  }

  @Test
  void mkdirsCreatesMissingAncestorsAndToleratesExistingFolders() throws Exception {
    await(store.mkdirs("a/b/c"));
    assertTrue(await(store.stat("a/b/c")).collection());
    await(store.mkdirs("a/b/c"));
    await(store.mkdirs("a/b/d"));
    assertTrue(Files.isDirectory(onDisk("a/b/d")));

    assertError(DavError.METHOD_NOT_ALLOWED, store.mkcol("a"));
    assertError(DavError.CONFLICT, store.mkcol("missing/child"));

    await(store.upload("file", write("f", "x"), Optional.empty(), true));
    assertError(DavError.CONFLICT, store.mkdirs("file"));
  }

  @Test
  void uploadWithIfNoneMatchCreatesOnlyOnce() throws Exception {
    Path source = write("one.txt", "hello");
    UploadResult first = await(store.upload("one.txt", source, Optional.empty(), true));
    assertTrue(first.created());
    assertEquals("hello", Files.readString(onDisk("one.txt")));

    DavException second = assertError(DavError.PRECONDITION_FAILED, store.upload("one.txt", source, Optional.empty(), true));
    assertEquals(412, second.status());
    assertTrue(second.getMessage().contains("PUT 'one.txt'"), second.getMessage());
    assertFalse(second.getMessage().contains(server.password()));
  }

  @Test
  void uploadIntoMissingFolderIsAConflict() throws Exception {
    assertError(DavError.CONFLICT, store.upload("nope/x.txt", write("x", "x"), Optional.empty(), false));
  }

  @Test
  void overwriteNeedsTheCurrentEtag() throws Exception {
    String etag = seedOldFile("doc.txt", "version 1");

    UploadResult overwritten = await(store.upload("doc.txt", write("v2", "version 2"), Optional.of(etag), false));
    assertFalse(overwritten.created());
    assertEquals("version 2", Files.readString(onDisk("doc.txt")));

    DavException stale = assertError(DavError.PRECONDITION_FAILED,
        store.upload("doc.txt", write("v3", "version 3"), Optional.of(etag), false));
    assertEquals(412, stale.status());
    assertEquals("version 2", Files.readString(onDisk("doc.txt")));
  }

  @Test
  void listAndStatDescribeFilesAndFolders() throws Exception {
    await(store.upload("a.txt", write("a", "abc"), Optional.empty(), true));
    await(store.upload("empty.bin", write("e", ""), Optional.empty(), true));
    await(store.mkcol("sub"));

    Listing listing = await(store.list(""));
    assertEquals("", listing.self().path());
    assertTrue(listing.self().collection());
    assertNotNull(listing.self().etag());
    Map<String, DavEntry> children = listing.children().stream().collect(Collectors.toMap(DavEntry::path, e -> e));
    assertEquals(Set.of("a.txt", "empty.bin", "sub"), children.keySet());
    assertEquals(3, children.get("a.txt").size());
    assertEquals(0, children.get("empty.bin").size());
    assertFalse(children.get("a.txt").collection());
    assertTrue(children.get("sub").collection());
    for (DavEntry e : listing.children()) {
      assertNotNull(e.etag(), e.path());
      assertFalse(e.etag().startsWith("W/") || e.etag().contains("\""), e.etag());
      assertNotNull(e.lastModified(), e.path());
    }

    DavEntry stat = await(store.stat("a.txt"));
    assertEquals(children.get("a.txt").etag(), stat.etag());
    assertEquals(3, stat.size());
    assertTrue(await(store.stat("sub")).collection());
    assertTrue(await(store.list("sub")).children().isEmpty());

    assertError(DavError.CONFLICT, store.list("a.txt"));
  }

  @Test
  void downloadsTwentyMebibytesIntact() throws Exception {
    Path source = tmp.resolve("big.bin");
    byte[] block = new byte[1 << 20];
    Random random = new Random(42);
    try (OutputStream out = Files.newOutputStream(source)) {
      for (int i = 0; i < 20; i++) {
        random.nextBytes(block);
        out.write(block);
      }
    }
    await(store.upload("big.bin", source, Optional.empty(), true));
    Path target = tmp.resolve("big.copy");

    DownloadResult result = await(store.download("big.bin", target));

    assertEquals(20L << 20, result.bytes());
    assertEquals(20L << 20, Files.size(target));
    assertArrayEquals(sha256(source), sha256(target));
    assertEquals(await(store.stat("big.bin")).etag(), result.etag());
  }

  @Test
  void awkwardNamesRoundTrip() throws Exception {
    List<String> names = List.of("with space.txt", "ünïcödé 日本.txt", "hash#tag.txt", "per%cent.txt", "q?mark.txt",
        "plus+amp&semi;eq=.txt", "emoji \uD83D\uDE00.txt", "%20literal.txt", "~tilde'(x)@!.txt");
    await(store.mkdirs("dir #1 %ü"));
    for (String name : names) {
      await(store.upload("dir #1 %ü/" + name, write("src", name), Optional.empty(), true));
    }

    Listing listing = await(store.list("dir #1 %ü"));
    assertEquals("dir #1 %ü", listing.self().path());
    Set<String> listed = listing.children().stream().map(DavEntry::name).collect(Collectors.toSet());
    assertEquals(Set.copyOf(names), listed);
    for (String name : names) {
      assertTrue(Files.exists(onDisk("dir #1 %ü/" + name)), "stored under its real name: " + name);
      Path target = tmp.resolve("dl");
      await(store.download("dir #1 %ü/" + name, target));
      assertEquals(name, Files.readString(target));
      assertEquals("dir #1 %ü/" + name, await(store.stat("dir #1 %ü/" + name)).path());
    }
  }

  @Test
  void deleteIsGuardedByTheEtag() throws Exception {
    String etag = seedOldFile("gone.txt", "bye");
    assertError(DavError.PRECONDITION_FAILED, store.delete("gone.txt", Optional.of("stale-etag")));
    assertTrue(Files.exists(onDisk("gone.txt")));

    await(store.delete("gone.txt", Optional.of(etag)));
    assertFalse(Files.exists(onDisk("gone.txt")));
    assertError(DavError.NOT_FOUND, store.stat("gone.txt"));

    await(store.mkdirs("dir/inner"));
    await(store.delete("dir", Optional.empty()));
    assertError(DavError.NOT_FOUND, store.stat("dir"));
  }

  @Test
  void moveRenamesAndRespectsOverwrite() throws Exception {
    await(store.upload("a.txt", write("a", "A"), Optional.empty(), true));
    await(store.upload("b.txt", write("b", "B"), Optional.empty(), true));
    await(store.mkdirs("target dir"));

    await(store.move("a.txt", "target dir/a moved #1.txt", false));
    assertError(DavError.NOT_FOUND, store.stat("a.txt"));
    assertEquals("A", Files.readString(onDisk("target dir/a moved #1.txt")));

    assertError(DavError.PRECONDITION_FAILED, store.move("b.txt", "target dir/a moved #1.txt", false));
    await(store.move("b.txt", "target dir/a moved #1.txt", true));
    assertEquals("B", Files.readString(onDisk("target dir/a moved #1.txt")));

    await(store.move("target dir", "renamed dir", false));
    assertTrue(Files.exists(onDisk("renamed dir/a moved #1.txt")));
  }

  @Test
  void missingResourcesAreNotFound() throws Exception {
    assertError(DavError.NOT_FOUND, store.stat("missing.txt"));
    assertError(DavError.NOT_FOUND, store.list("missing"));
    Path target = tmp.resolve("never");
    DavException e = assertError(DavError.NOT_FOUND, store.download("missing.txt", target));
    assertEquals(404, e.status());
    assertFalse(Files.exists(target), "a failed download leaves no file");
    assertError(DavError.NOT_FOUND, store.delete("missing.txt", Optional.empty()));
  }

  @Test
  void wrongPasswordIsUnauthorized() throws Exception {
    String wrong = "not-" + server.password();
    RemoteStore intruder = AkkaHttpRemoteStore.create(system, new DavEndpoint(server.rootUrl(), server.username(), wrong));
    DavException e = assertError(DavError.UNAUTHORIZED, intruder.stat(""));
    assertEquals(401, e.status());
    assertFalse(e.getMessage().contains(wrong));
    assertFalse(e.getMessage().contains(server.password()));
  }

  @Test
  void connectionRefusedIsTransport() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    RemoteStore nowhere = AkkaHttpRemoteStore.create(system,
        new DavEndpoint(URI.create("http://127.0.0.1:" + port + "/dav/"), "u", "secret-password"));
    DavException e = assertError(DavError.TRANSPORT, nowhere.stat(""));
    assertEquals(0, e.status());
    assertFalse(e.getMessage().contains("secret-password"));
    assertError(DavError.TRANSPORT, nowhere.upload("x", write("x", "x"), Optional.empty(), false));
  }

  @Test
  void oversizedListingIsMalformed() throws Exception {
    for (int i = 0; i < 20; i++) await(store.upload("f" + i, write("f", "x"), Optional.empty(), true));
    AkkaHttpRemoteStore small = AkkaHttpRemoteStore.create(system,
        new DavEndpoint(server.rootUrl(), server.username(), server.password()),
        AkkaHttpRemoteStore.Settings.defaults().withMaxListingBytes(2048));
    assertError(DavError.MALFORMED_RESPONSE, small.scoped(folder).list(""));
    assertEquals(20, await(store.list("")).children().size(), "the connection pool still works afterwards");
  }

  @Test
  void unsafePathsAreRefusedBeforeAnyRequest() {
    assertError(DavError.HOSTILE_NAME, store.stat("../etc"));
    assertError(DavError.HOSTILE_NAME, store.upload("a/../../b", tmp, Optional.empty(), false));
    assertError(DavError.HOSTILE_NAME, store.move("a", "/abs", false));
    assertThrows(DavException.class, () -> store.scoped("x/.."));
  }

  @Test
  void missingLocalSourceFailsWithTheIoError() {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> store.upload("x", tmp.resolve("does-not-exist"), Optional.empty(), false)
            .toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertInstanceOf(IOException.class, e.getCause());
  }

  @Test
  void manyParallelRequestsShareThePool() throws Exception {
    Path source = write("p", "parallel");
    List<CompletableFuture<UploadResult>> uploads = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      uploads.add(store.upload("p" + i + ".txt", source, Optional.empty(), true).toCompletableFuture());
    }
    CompletableFuture.allOf(uploads.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    assertEquals(100, await(store.list("")).children().size());
  }

  @Test
  void treeWalkerListsAThreeLevelTree() throws Exception {
    await(store.mkdirs("a/b/c"));
    await(store.mkdirs("x"));
    for (String file : List.of("top.txt", "a/one.txt", "a/b/two.txt", "a/b/c/three.txt", "x/four.txt")) {
      await(store.upload(file, write("w", file), Optional.empty(), true));
    }

    RemoteTree tree = await(TreeWalker.walk(store));

    assertEquals("", tree.root().path());
    assertEquals(List.of("a", "a/b", "a/b/c", "a/b/c/three.txt", "a/b/two.txt", "a/one.txt", "top.txt", "x", "x/four.txt"),
        List.copyOf(tree.entries().keySet()));
    assertEquals("a/b/c/three.txt".length(), tree.get("a/b/c/three.txt").size());
    assertTrue(tree.get("a/b").collection());
  }

  @Test
  void treeWalkerFailsWhollyWhenAFolderFails() throws Exception {
    await(store.mkdirs("a/b"));
    // Apache's workers cannot read a folder root owns with mode 700: its PROPFIND fails with 403/500.
    Path locked = onDisk("a/b");
    Files.setPosixFilePermissions(locked, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
    try {
      if (Files.isReadable(locked) && !isRoot()) return; // cannot provoke a failure as this user
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> TreeWalker.walk(store).toCompletableFuture().get(20, TimeUnit.SECONDS));
      assertInstanceOf(DavException.class, e.getCause());
    } finally {
      Files.setPosixFilePermissions(locked, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------------------------

  private static boolean isRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * Puts a file straight on disk with an mtime an hour old. Apache gives a file modified within the last second a weak
   * ETag, and weak ETags never satisfy If-Match, so a fresh upload cannot be guarded at once.
   */
  private String seedOldFile(String path, String content) throws Exception {
    Path file = onDisk(path);
    Files.writeString(file, content);
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
    server.fixOwnership();
    return await(store.stat(path)).etag();
  }

  private Path onDisk(String path) {
    return server.documentRoot().resolve(folder).resolve(path);
  }

  private Path write(String name, String content) throws IOException {
    Path file = Files.createTempFile(tmp, name, ".src");
    Files.writeString(file, content);
    return file;
  }

  private static byte[] sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
    }
    return digest.digest();
  }

  static <T> T await(CompletionStage<T> stage) throws Exception {
    try {
      return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) throw cause;
      throw e;
    }
  }

  static DavException assertError(DavError expected, CompletionStage<?> stage) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(60, TimeUnit.SECONDS));
    DavException dav = assertInstanceOf(DavException.class, e.getCause(), String.valueOf(e.getCause()));
    assertEquals(expected, dav.error(), dav.getMessage());
    assertNotEquals(null, dav.getMessage());
    return dav;
  }
}
