package io.ncsync.protocol;

import static io.ncsync.protocol.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import io.ncsync.protocol.testing.ApacheDavServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The client against Apache mod_dav, the reference RFC 4918 server: the contract, plus what only Apache can show. */
class AkkaHttpRemoteStoreApacheTest extends RemoteStoreContract {
  private static ActorSystem<Void> system;
  private static ApacheDavServer server;
  private static AkkaHttpRemoteStore rootStore;

  @BeforeAll
  static void start() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "apache-test");
    server = ApacheDavServer.start();
    rootStore = AkkaHttpRemoteStore.create(system,
        new DavEndpoint(server.rootUrl(), server.username(), server.password()), TEST_SETTINGS);
  }

  @AfterAll
  static void stop() {
    if (system != null) system.terminate();
    if (server != null) server.close();
  }

  @Override
  protected ActorSystem<Void> system() {
    return system;
  }

  @Override
  protected AkkaHttpRemoteStore rootStore() {
    return rootStore;
  }

  @Override
  protected AkkaHttpRemoteStore newRootStore(String password, AkkaHttpRemoteStore.Settings settings) {
    return AkkaHttpRemoteStore.create(system, new DavEndpoint(server.rootUrl(), server.username(), password), settings);
  }

  @Override
  protected String password() {
    return server.password();
  }

  @Override
  protected Path documentRoot() {
    return server.documentRoot();
  }

  @Override
  protected void fixOwnership() {
    server.fixOwnership();
  }

  @Override
  protected boolean nextcloud() {
    return false;
  }

  /**
   * mod_dav honours If-None-Match and If-Match; a MOVE changes the ETags of the two folders it touches (their mtimes)
   * but not of the folder above them, so mod_dav never earns ETag pruning (it has no fileids either).
   */
  @Test
  void modDavKeepsItsPreconditionPromisesButFolderEtagsDoNotPropagate() throws Exception {
    java.util.List<Throwable> cleanupFailures = new java.util.ArrayList<>();
    ServerPromises promises = await(ServerPromises.probe(store, tmp, cleanupFailures::add));

    org.junit.jupiter.api.Assertions.assertEquals(new ServerPromises(true, true, false), promises);
    org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), cleanupFailures);
    org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), await(store.list("")).children(),
        "the scratch folder is gone");
  }

  /**
   * mod_dav answers a PUT without an ETag, so the ETag of what we wrote is read back afterwards. Another writer who puts
   * a file of the same size in between would hand us their ETag: their version would look synced for ever. Here one
   * writes as fast as it can during every upload; whenever the server still lists the ETag an upload gave us, the file
   * must hold our bytes. (Without the lock ncsync takes, this fails within a few rounds.)
   */
  /** New files: the other writer overwrites each as soon as it exists (If-Match: *). */
  @Test
  void theEtagACreateGivesIsOursEvenWhileAnotherWriterRaces() throws Exception {
    racesAnotherWriter(round -> "new-" + round + ".txt", UploadOptions.createOnly(), true);
  }

  /**
   * Replacements: a PUT of theirs that passed mod_dav's lock check before our LOCK can land after ours (mod_dav checks
   * locks when a request starts, not when its file is renamed into place). Ours goes in by a MOVE from a staging name
   * whose ETag we read, so what we record is our version's ETag whatever lands after. Without the lock this fails
   * within a few rounds; the window the lock alone leaves is too narrow for 40 rounds to hit reliably, and the staging
   * name closes it by construction.
   */
  @Test
  void theEtagAReplacementGivesIsOursEvenWhileAnotherWriterRaces() throws Exception {
    for (int round = 0; round < 40; round++) {
      await(store.upload("old-" + round + ".txt", write("first", "first-%04d".formatted(round)), UploadOptions.createOnly()));
    }
    racesAnotherWriter(round -> "old-" + round + ".txt", UploadOptions.unguarded(), false);
    assertEquals(List.of(), await(store.list("")).children().stream().map(DavEntry::name)
        .filter(n -> n.startsWith(".ncsync-upload-")).toList(), "no staging file is left");
    assertEquals(0, Files.list(onDisk("")).filter(p -> p.getFileName().toString().startsWith(".ncsync-upload-")).count(),
        "no staging file on disk either");
  }

  /**
   * Rounds of: another writer PUTs the file as fast as it can while we upload it; whenever the server still lists the
   * ETag our upload gave us, the file must hold our bytes.
   */
  private void racesAnotherWriter(java.util.function.IntFunction<String> name, UploadOptions options, boolean onlyOverwrite)
      throws Exception {
    java.net.http.HttpClient other = java.net.http.HttpClient.newHttpClient();
    String auth = "Basic " + java.util.Base64.getEncoder().encodeToString(
        (server.username() + ":" + server.password()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    int checked = 0;
    int heldOff = 0;
    for (int round = 0; round < 40; round++) {
      String path = name.apply(round);
      java.net.URI target = server.rootUrl().resolve(folder + "/" + path);
      java.util.concurrent.atomic.AtomicBoolean racing = new java.util.concurrent.atomic.AtomicBoolean(true);
      java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
      String theirs = "theirs-%04d".formatted(round);
      Thread writer = new Thread(() -> {
        while (racing.get()) {
          try {
            java.net.http.HttpRequest.Builder put = java.net.http.HttpRequest.newBuilder(target).header("Authorization", auth)
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(theirs));
            if (onlyOverwrite) put.header("If-Match", "*");
            int status = other.send(put.build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 423 || status == 412) refused.incrementAndGet();
            // Our lock is held: from now on only PUTs already in flight can land, which is the race under test. A
            // new PUT right after our UNLOCK would only replace our version before it could be checked.
            if (status == 423) return;
          } catch (Exception e) {
            return;
          }
        }
      });
      writer.start();
      String ours = "ours---%04d".formatted(round);
      String etag;
      try {
        UploadResult result = await(store.upload(path, write("ours", ours), options));
        etag = result.etag() != null ? result.etag() : await(store.stat(path)).etag();
      } catch (DavException e) {
        if (e.error() != DavError.LOCKED) throw e;
        continue; // the other writer held the file for a moment; not this test's question
      } finally {
        racing.set(false);
        writer.join();
      }
      heldOff += refused.get();
      if (etag.equals(await(store.stat(path)).etag())) {
        checked++;
        assertEquals(ours, Files.readString(onDisk(path)), "round " + round + ": the ETag we were given is theirs");
      }
    }
    org.junit.jupiter.api.Assertions.assertTrue(checked > 0, "no round left our version in place to check");
    org.junit.jupiter.api.Assertions.assertTrue(heldOff > 0, "the other writer was never held off");
  }

  /**
   * A staged create's temporary name is never listed. One of ours that no upload of this process is writing was left by
   * a crash and goes at the first listing; anyone else's once it is an hour old.
   */
  /** Issue 12: on mod_dav a replacement's base ETag is checked by its LOCK, so a stale one costs no body. */
  @Test
  void aStaleBaseOnALargeFileIsRefusedBeforeItsBodyIsSent() throws Exception {
    Path big = write("big", "x".repeat(3 << 20));
    await(store.upload("expect.bin", big, UploadOptions.createOnly()));
    Thread.sleep(1100); // mod_dav's ETag of a file written in the last second is weak, and fails any If-Match
    String etag = await(store.stat("expect.bin")).etag();
    int from = server.accessLog().size();
    Exception refused = assertThrows(Exception.class,
        () -> await(store.upload("expect.bin", big, UploadOptions.replacing("stale-" + etag))));
    assertTrue(refused.toString().contains("412"), refused.toString());
    Thread.sleep(300); // Apache writes its access-log line after the answer has left
    List<String> lines = server.accessLog().subList(from, server.accessLog().size());
    assertTrue(lines.stream().noneMatch(line -> line.contains("\"PUT ")), "no body was sent: " + lines);
    assertTrue(lines.stream().anyMatch(line -> line.contains("\"LOCK ") && line.contains("\" 412 ")), lines.toString());
    long received = lines.stream().mapToLong(line -> Long.parseLong(line.substring(line.lastIndexOf(' ') + 1))).sum();
    assertTrue(received < 64 * 1024, "the 3 MiB were not sent: " + received + " bytes arrived");

    UploadResult replaced = await(store.upload("expect.bin", big, UploadOptions.replacing(etag)));
    assertEquals(3 << 20, replaced.size(), "a base that holds: the replacement goes through");
    assertEquals(3 << 20, Files.size(onDisk("expect.bin")));
  }

  @Test
  void stagingFilesOfCreatesAreNotListedAndAbandonedOnesAreDeleted() throws Exception {
    await(store.upload("kept.txt", write("k", "kept"), UploadOptions.createOnly()));
    String ourTag = rootStore.shared().writes().stagingTag();
    Path ours = onDisk(".ncsync-upload-" + ourTag + "1".repeat(20));
    Path othersFresh = onDisk(".ncsync-upload-" + "0".repeat(32));
    Path othersOld = onDisk(".ncsync-upload-" + "a".repeat(32));
    Path lookalike = onDisk(".ncsync-upload-notours.txt");
    for (Path p : List.of(ours, othersFresh, othersOld, lookalike)) Files.writeString(p, "left by a crash");
    Files.setLastModifiedTime(othersOld, java.nio.file.attribute.FileTime.from(
        java.time.Instant.now().minus(java.time.Duration.ofMinutes(61))));
    fixOwnership();

    Listing listing = await(store.list(""));

    assertEquals(java.util.Set.of("kept.txt", ".ncsync-upload-notours.txt"),
        listing.children().stream().map(DavEntry::name).collect(java.util.stream.Collectors.toSet()));
    org.junit.jupiter.api.Assertions.assertFalse(Files.exists(ours), "ours, not in flight: left by a crash");
    org.junit.jupiter.api.Assertions.assertFalse(Files.exists(othersOld), "an hour-old staging file is deleted");
    org.junit.jupiter.api.Assertions.assertTrue(Files.exists(othersFresh), "another's fresh one may be an upload in progress");
  }

  /**
   * A daemon killed during a locked upload leaves its lock until it expires; the same connection after a restart knows
   * the lock by its owner name and lifts it. A lock of anyone else's is left alone: the upload fails as LOCKED.
   */
  @Test
  void aLockOurCrashLeftIsLiftedButAnotherWritersIsNot() throws Exception {
    await(store.upload("held.txt", write("v1", "version 1"), UploadOptions.createOnly()));
    Files.setLastModifiedTime(onDisk("held.txt"), java.nio.file.attribute.FileTime.from(
        java.time.Instant.now().minus(java.time.Duration.ofHours(1))));
    fixOwnership();
    RemoteStore restarted = rootStore.withLockOwner("ncsync connection crashed-one").scoped(folder);

    lockAs("ncsync connection crashed-one", "held.txt");
    String etag = await(restarted.stat("held.txt")).etag();
    UploadResult replaced = await(restarted.upload("held.txt", write("v2", "version 2"), UploadOptions.replacing(etag)));
    assertEquals("version 2", Files.readString(onDisk("held.txt")));
    assertEquals(await(restarted.stat("held.txt")).etag(), replaced.etag());

    // A DELETE and a MOVE meet such a lock too (the daemon was killed during an upload, the file went meanwhile).
    lockAs("ncsync connection crashed-one", "held.txt");
    await(restarted.move("held.txt", "moved.txt", false));
    lockAs("ncsync connection crashed-one", "moved.txt");
    await(restarted.delete("moved.txt", Optional.empty()));
    org.junit.jupiter.api.Assertions.assertFalse(Files.exists(onDisk("moved.txt")));

    await(restarted.upload("held.txt", write("v2", "version 2"), UploadOptions.createOnly()));
    Thread.sleep(1100); // past mod_dav's weak-ETag second: the LOCK's If-Match would refuse (412) before the lock (423)
    String current = await(restarted.stat("held.txt")).etag();
    lockAs("someone else", "held.txt");
    DavException refused = assertThrows(DavException.class, () -> await(restarted.upload("held.txt",
        write("v3", "version 3"), UploadOptions.replacing(current))));
    assertEquals(DavError.LOCKED, refused.error());
    DavException notDeleted = assertThrows(DavException.class, () -> await(restarted.delete("held.txt", Optional.empty())));
    assertEquals(DavError.LOCKED, notDeleted.error());
    assertEquals("version 2", Files.readString(onDisk("held.txt")));
  }

  private void lockAs(String owner, String path) throws Exception {
    String body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><d:lockinfo xmlns:d=\"DAV:\"><d:lockscope><d:exclusive/>"
        + "</d:lockscope><d:locktype><d:write/></d:locktype><d:owner>" + owner + "</d:owner></d:lockinfo>";
    String auth = "Basic " + java.util.Base64.getEncoder().encodeToString(
        (server.username() + ":" + server.password()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    int status = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                server.rootUrl().resolve(folder + "/" + path))
            .header("Authorization", auth).header("Depth", "0").header("Timeout", "Second-600")
            .header("Content-Type", "text/xml").method("LOCK", java.net.http.HttpRequest.BodyPublishers.ofString(body))
            .build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    assertEquals(200, status, "LOCK as " + owner);
  }

  @Test
  void treeWalkerFailsWhollyWhenAFolderFails() throws Exception {
    await(store.mkdirs("a/b"));
    // Apache's workers cannot read a folder root owns with mode 700: its PROPFIND fails with 403/500.
    Path locked = onDisk("a/b");
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    try {
      if (Files.isReadable(locked) && !TestSupport.isRoot()) return; // cannot provoke a failure as this user
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> TreeWalker.walk(store).toCompletableFuture().get(20, TimeUnit.SECONDS));
      assertInstanceOf(DavException.class, e.getCause());
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  /** Names made on Apache's disk that no workspace file can have: each is left out of the listing, the rest listed. */
  @Test
  void namesNoLocalFileCanHaveAreExcludedFromTheListingOneByOne() throws Exception {
    await(store.mkdirs("odd"));
    Path odd = onDisk("odd");
    Files.writeString(odd.resolve("fine.txt"), "f");
    Files.writeString(odd.resolve("tab\there.txt"), "t");
    Files.writeString(odd.resolve("back\\slash.txt"), "b");
    // A name that is not UTF-8 at all: Java writes names as UTF-8, a shell writes the bytes it is given.
    Process shell = new ProcessBuilder("sh", "-c", "printf x > \"$(printf 'bad\\377.txt')\"")
        .directory(odd.toFile()).start();
    assertEquals(0, shell.waitFor());
    fixOwnership();

    Listing listing = await(store.list("odd"));

    assertEquals(java.util.List.of("odd/fine.txt"), listing.children().stream().map(DavEntry::path).toList());
    assertEquals(java.util.Set.of("odd/tab\\x09here.txt", "odd/back\\x5cslash.txt", "odd/bad\uFFFD.txt"),
        listing.excluded().keySet());
  }
}
