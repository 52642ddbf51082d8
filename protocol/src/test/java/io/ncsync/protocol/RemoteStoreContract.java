package io.ncsync.protocol;

import static io.ncsync.protocol.TestSupport.assertError;
import static io.ncsync.protocol.TestSupport.await;
import static io.ncsync.protocol.TestSupport.randomFile;
import static io.ncsync.protocol.TestSupport.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import io.ncsync.protocol.http.TransportSettings;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every WebDAV server we support must pass, run against Apache mod_dav ({@link AkkaHttpRemoteStoreApacheTest}) and
 * the Nextcloud test server ({@link NextcloudStoreContractTest}). Each test works in its own folder.
 */
abstract class RemoteStoreContract {
  private static final AtomicInteger FOLDERS = new AtomicInteger();

  /**
   * Fast retries and a generous rate: these tests are about behaviour, not pacing. Chunks of a fixed 256 KiB, so that
   * request counts are known (sizing chunks by their duration is tested in {@link NextcloudTransferTest}).
   */
  static final AkkaHttpRemoteStore.Settings TEST_SETTINGS = AkkaHttpRemoteStore.Settings.defaults()
      .withTransport(TransportSettings.defaults()
          .withRateLimit(2000, 200)
          .withRetries(4, Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofSeconds(5)))
      .withTransfers(TransferSettings.defaults()
          .withChunking(1 << 20, 256 << 10, 64 << 10)
          .withChunkSizing(Duration.ZERO, 1L << 30)
          .withAssembly(Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofSeconds(30), 180, Duration.ofMinutes(2)));

  protected RemoteStore store;
  protected String folder;
  @TempDir Path tmp;

  protected abstract ActorSystem<Void> system();

  /** The store at the server's root (with the server's features). */
  protected abstract AkkaHttpRemoteStore rootStore();

  /** A store at the same root on a transport of its own. */
  protected abstract AkkaHttpRemoteStore newRootStore(String password, AkkaHttpRemoteStore.Settings settings);

  protected abstract String password();

  /** The disk folder {@link #rootStore()}'s root maps to. */
  protected abstract Path documentRoot();

  /** Gives files written straight to disk to the server's user (Apache runs as www-data). */
  protected void fixOwnership() {}

  protected abstract boolean nextcloud();

  @BeforeEach
  void freshFolder() throws Exception {
    folder = "test-" + FOLDERS.incrementAndGet();
    await(rootStore().mkcol(folder));
    store = rootStore().scoped(folder);
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
    assertEquals(5, first.size());
    assertEquals("hello", Files.readString(onDisk("one.txt")));

    DavException second = assertError(DavError.PRECONDITION_FAILED, store.upload("one.txt", source, Optional.empty(), true));
    assertEquals(412, second.status());
    assertTrue(second.getMessage().contains("PUT 'one.txt'"), second.getMessage());
    assertFalse(second.getMessage().contains(password()));
  }

  @Test
  void uploadTellsTheSha256OfWhatItSent() throws Exception {
    Path source = randomFile(tmp.resolve("h.bin"), (1L << 20) - 3, 11);
    UploadResult result = await(store.upload("h.bin", source, UploadOptions.createOnly()));
    assertEquals(sha256(source), result.sha256());
    assertEquals(sha256(source), sha256(onDisk("h.bin")));
  }

  /**
   * A file rewritten at both ends while it streams out: the server gets the old beginning and the new end, and the
   * result's SHA-256 describes exactly that, not the file as it was or as it is now. (The caller records it as what was uploaded; the
   * changed mtime makes the next run upload again.)
   */
  /** Small files go as one body held in memory, still through the bandwidth limit and hashed as sent. */
  @Test
  void aSmallFileIsThrottledAndDescribedAsSent() throws Exception {
    long size = 200 << 10;
    Path source = randomFile(tmp.resolve("small.bin"), size, 21);
    AkkaHttpRemoteStore.Settings slow = TEST_SETTINGS.withTransport(TEST_SETTINGS.transport().withBytesPerSecond(100 << 10));
    RemoteStore slowStore = newRootStore(password(), slow).scoped(folder);
    long start = System.nanoTime();
    UploadResult result = await(slowStore.upload("small.bin", source, UploadOptions.createOnly()));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertEquals(sha256(source), result.sha256());
    assertEquals(sha256(source), sha256(onDisk("small.bin")));
    assertTrue(seconds >= 1.0, "200 KiB at 100 KiB/s takes about 1.4 s (less the 64 KiB burst), took " + seconds + " s");
  }

  @Test
  void aFileChangedWhileItStreamsOutIsDescribedAsSent() throws Exception {
    long size = 4L << 20;
    Path source = randomFile(tmp.resolve("torn.bin"), size, 12);
    String before = sha256(source);
    // 4 MiB/s: a second for the file, and no chunking, so it goes as one PUT everywhere.
    AkkaHttpRemoteStore.Settings slow = TEST_SETTINGS
        .withTransport(TEST_SETTINGS.transport().withBytesPerSecond(4L << 20))
        .withTransfers(TEST_SETTINGS.transfers().withChunking(64L << 20, 256 << 10, 64 << 10));
    RemoteStore slowStore = newRootStore(password(), slow).scoped(folder);
    long readBefore = TestSupport.bytesReadByThisProcess();
    CompletableFuture<UploadResult> upload = slowStore.upload("torn.bin", source, UploadOptions.createOnly()).toCompletableFuture();
    // Nextcloud's PUT reads the whole file first for OC-Checksum. Once 1.5 MiB more were read (file and sockets
    // together), the first piece is surely on its way and the last 2 MiB not read yet: the reader keeps only a few
    // pieces ahead of what the limiter lets out.
    long gate = (nextcloud() ? size : 0) + (3L << 19);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (TestSupport.bytesReadByThisProcess() - readBefore < gate && System.nanoTime() < deadline) Thread.sleep(5);
    try (var file = java.nio.channels.FileChannel.open(source, java.nio.file.StandardOpenOption.WRITE)) {
      file.write(java.nio.ByteBuffer.wrap(new byte[256 << 10]), 0); // already sent
      file.write(java.nio.ByteBuffer.wrap(new byte[2 << 20]), size - (2 << 20)); // not read yet
    }

    UploadResult result = upload.get(30, TimeUnit.SECONDS);

    String received = sha256(onDisk("torn.bin"));
    assertEquals(received, result.sha256());
    assertNotEquals(before, received, "the new end was sent");
    assertNotEquals(sha256(source), received, "the old beginning was sent");
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
    Path source = randomFile(tmp.resolve("big.bin"), 20L << 20, 42);
    await(store.upload("big.bin", source, Optional.empty(), true));
    Path target = tmp.resolve("big.copy");

    DownloadResult result = await(store.download("big.bin", target));

    assertEquals(20L << 20, result.bytes());
    assertEquals(20L << 20, Files.size(target));
    assertEquals(sha256(source), sha256(target));
    assertEquals(await(store.stat("big.bin")).etag(), result.etag());
  }

  @Test
  void uploadsAboveTheChunkThresholdArriveIntact() throws Exception {
    // 3 MiB and a bit: chunked (12+1 chunks of 256 KiB) on Nextcloud, one PUT on plain WebDAV.
    Path source = randomFile(tmp.resolve("large.bin"), (3L << 20) + 12345, 7);
    UploadResult created = await(store.upload("large.bin", source, UploadOptions.createOnly()));
    assertTrue(created.created());
    assertEquals(sha256(source), sha256(onDisk("large.bin")));
    assertEquals(sha256(source), created.sha256());

    Files.setLastModifiedTime(onDisk("large.bin"), FileTime.from(Instant.now().minus(Duration.ofHours(1))));
    fixOwnership();
    String etag = await(store.stat("large.bin")).etag(); // an old file: Apache's ETag is strong then
    Path changed = randomFile(tmp.resolve("large2.bin"), (2L << 20) + 1, 8);
    UploadResult replaced = await(store.upload("large.bin", changed, UploadOptions.replacing(etag)));
    assertFalse(replaced.created());
    assertEquals(sha256(changed), replaced.sha256());
    assertEquals(sha256(changed), sha256(onDisk("large.bin")));

    assertError(DavError.PRECONDITION_FAILED, store.upload("large.bin", source, UploadOptions.replacing(etag)));
    assertError(DavError.PRECONDITION_FAILED, store.upload("large.bin", source, UploadOptions.createOnly()));
    assertEquals(sha256(changed), sha256(onDisk("large.bin")));
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
  void wrongPasswordIsUnauthorizedAndNeverRetried() throws Exception {
    String wrong = "not-" + password();
    RemoteStore intruder = newRootStore(wrong, TEST_SETTINGS);
    DavException e = assertError(DavError.UNAUTHORIZED, intruder.stat(""));
    assertEquals(401, e.status());
    assertFalse(e.getMessage().contains(wrong));
    assertFalse(e.getMessage().contains(password()));
  }

  @Test
  void connectionRefusedIsTransport() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    RemoteStore nowhere = AkkaHttpRemoteStore.create(system(),
        new DavEndpoint(URI.create("http://127.0.0.1:" + port + "/dav/"), "u", "secret-password"), TEST_SETTINGS);
    DavException e = assertError(DavError.TRANSPORT, nowhere.stat(""));
    assertEquals(0, e.status());
    assertFalse(e.getMessage().contains("secret-password"));
    assertError(DavError.TRANSPORT, nowhere.upload("x", write("x", "x"), Optional.empty(), false));
  }

  @Test
  void oversizedListingIsMalformed() throws Exception {
    for (int i = 0; i < 20; i++) await(store.upload("f" + i, write("f", "x"), Optional.empty(), true));
    AkkaHttpRemoteStore small = newRootStore(password(), TEST_SETTINGS.withMaxListingBytes(2048));
    DavException e = assertError(DavError.MALFORMED_RESPONSE, small.scoped(folder).list(""));
    assertTrue(e.getMessage().startsWith("PROPFIND '' at ") && e.getMessage().contains("/" + folder + "/:"),
        "names the folder: " + e.getMessage());
    assertTrue(e.getMessage().contains("larger than 2048 bytes, the configured limit"), e.getMessage());
    assertEquals(20, await(store.list("")).children().size(), "the connection pool still works afterwards");
  }

  /** About 20 MiB of multistatus on Nextcloud: more than akka-http takes by default (8 MiB). */
  @Test
  void aFolderOfTwentyThousandEntriesListsCompletely() throws Exception {
    Path many = Files.createDirectories(onDisk("many"));
    for (int i = 0; i < 20_000; i++) Files.createFile(many.resolve(String.format("a file with a longish name %05d.txt", i)));
    fixOwnership();

    Listing listing = await(store.list("many"));

    assertEquals(20_000, listing.children().size());
    assertEquals("many/a file with a longish name 19999.txt",
        listing.children().stream().map(DavEntry::path).max(String::compareTo).orElseThrow());
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
  void batchUploadReportsEveryFile() throws Exception {
    await(store.mkdirs("batch/sub"));
    await(store.upload("batch/taken.txt", write("t", "already here"), Optional.empty(), true));
    List<BatchUpload> files = new ArrayList<>();
    for (int i = 0; i < 25; i++) files.add(new BatchUpload("batch/sub/f" + i + ".txt", write("b", "content " + i)));
    files.add(new BatchUpload("batch/missing-parent/x.txt", write("m", "x")));
    files.add(new BatchUpload("batch/gone.txt", tmp.resolve("no-such-local-file")));

    List<BatchUploadResult> results = await(store.uploadBatch(files));

    assertEquals(files.size(), results.size());
    for (int i = 0; i < 25; i++) {
      BatchUploadResult r = results.get(i);
      assertTrue(r.ok(), r.path() + ": " + r.error());
      assertEquals("content " + i, Files.readString(onDisk("batch/sub/f" + i + ".txt")));
      assertEquals(sha256(onDisk("batch/sub/f" + i + ".txt")), r.result().sha256());
    }
    assertFalse(results.get(25).ok(), "a file whose parent is missing fails alone");
    assertInstanceOf(IOException.class, results.get(26).error());
    assertEquals("already here", Files.readString(onDisk("batch/taken.txt")));
  }

  @Test
  void downloadVerifiesAnExpectedChecksum() throws Exception {
    await(store.upload("c.txt", write("c", "checked content"), Optional.empty(), true));
    DavEntry entry = await(store.stat("c.txt"));
    Path target = tmp.resolve("c.copy");

    String right = "SHA1:" + TestSupport.sha1(onDisk("c.txt"));
    DownloadResult ok = await(store.download("c.txt", target, new DownloadOptions(right, entry.etag(), false)));
    assertEquals(right, ok.checksum());

    DavException e = assertError(DavError.INTEGRITY,
        store.download("c.txt", target, new DownloadOptions("SHA1:" + "0".repeat(40), entry.etag(), false)));
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    assertFalse(Files.exists(target), "content that fails its checksum is not left behind");
  }

  @Test
  void downloadResumesAPartialFileOfTheSameVersion() throws Exception {
    Path source = randomFile(tmp.resolve("r.bin"), 3L << 20, 3);
    await(store.upload("r.bin", source, Optional.empty(), true));
    Files.setLastModifiedTime(onDisk("r.bin"), FileTime.from(Instant.now().minus(Duration.ofHours(1))));
    DavEntry entry = await(store.stat("r.bin"));
    Path target = tmp.resolve("r.part");
    byte[] all = Files.readAllBytes(source);
    Files.write(target, java.util.Arrays.copyOf(all, 1 << 20));

    DownloadResult result = await(store.download("r.bin", target, DownloadOptions.of(entry).resumingPartial()));

    assertEquals(3L << 20, result.bytes());
    assertEquals(sha256(source), sha256(target));
  }

  @Test
  void prunedWalkListsOnlyWhatChangedWhereEtagsPropagate() throws Exception {
    await(store.mkdirs("a/b/c"));
    await(store.mkdirs("x/y"));
    for (String file : List.of("top.txt", "a/one.txt", "a/b/two.txt", "a/b/c/three.txt", "x/four.txt", "x/y/five.txt")) {
      await(store.upload(file, write("w", file), Optional.empty(), true));
    }
    PrunedTree first = await(PrunedWalker.walk(store, path -> null));
    assertTrue(first.prunedFolders().isEmpty());
    assertEquals(11, first.entries().size());
    Map<String, String> base = new HashMap<>();
    base.put("", first.root().etag());
    first.entries().values().stream().filter(DavEntry::collection).forEach(e -> base.put(e.path(), e.etag()));

    await(store.upload("a/b/c/new.txt", write("n", "new"), Optional.empty(), true));
    PrunedTree second = await(PrunedWalker.walk(store, base::get));

    assertTrue(second.entries().containsKey("a/b/c/new.txt"));
    if (nextcloud()) {
      // The root (Depth 1 answers its own ETag too), a, a/b and a/b/c: x is pruned.
      assertEquals(4, second.requests());
      assertEquals(Set.of("x"), second.prunedFolders());
      assertTrue(second.insidePrunedFolder("x/y/five.txt"));
      assertFalse(second.entries().containsKey("x/y"));
    } else {
      // Plain WebDAV: ETags do not propagate, so every folder is listed and nothing is pruned.
      assertEquals(6, second.requests());
      assertTrue(second.prunedFolders().isEmpty());
      assertTrue(second.entries().containsKey("x/y/five.txt"));
    }
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
    assertNull(tree.get("nope"));
  }

  // ---- helpers -----------------------------------------------------------------------------------------------------

  /**
   * Puts a file straight on disk with an mtime an hour old. Apache gives a file modified within the last second a weak
   * ETag, and weak ETags never satisfy If-Match, so a fresh upload cannot be guarded at once.
   */
  protected String seedOldFile(String path, String content) throws Exception {
    Path file = onDisk(path);
    Files.writeString(file, content);
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
    fixOwnership();
    return await(store.stat(path)).etag();
  }

  protected Path onDisk(String path) {
    return documentRoot().resolve(folder).resolve(path);
  }

  protected Path write(String name, String content) throws IOException {
    Path file = Files.createTempFile(tmp, name, ".src");
    Files.writeString(file, content);
    return file;
  }
}
