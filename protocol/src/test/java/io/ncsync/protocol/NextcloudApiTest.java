package io.ncsync.protocol;

import static io.ncsync.protocol.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import io.ncsync.protocol.nextcloud.Activity;
import io.ncsync.protocol.nextcloud.ActivityFeed;
import io.ncsync.protocol.nextcloud.ActivityPage;
import io.ncsync.protocol.nextcloud.Capabilities;
import io.ncsync.protocol.nextcloud.ConnectionTest;
import io.ncsync.protocol.nextcloud.ConnectionTestResult;
import io.ncsync.protocol.nextcloud.ConnectionTestResult.Outcome;
import io.ncsync.protocol.nextcloud.FileVersion;
import io.ncsync.protocol.nextcloud.NextcloudConnection;
import io.ncsync.protocol.nextcloud.ServerDiscovery;
import io.ncsync.protocol.nextcloud.ServerStatus;
import io.ncsync.protocol.nextcloud.TrashItem;
import io.ncsync.protocol.nextcloud.Trashbin;
import io.ncsync.protocol.nextcloud.Versions;
import io.ncsync.protocol.testing.nextcloud.NextcloudTestServer;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discovery, the connection test, the activity feed, versions and trash bin against the Nextcloud test server, with a
 * login name that differs from the user id (as with LDAP or e-mail logins).
 */
class NextcloudApiTest {
  private static ActorSystem<Void> system;
  private static NextcloudTestServer server;
  private static NextcloudConnection connection;
  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "nextcloud-api-test");
    server = NextcloudTestServer.start(NextcloudTestServer.Options.defaults().withLoginName("alice@example.com"));
    connection = NextcloudConnection.open(system, server.baseUrl(), server.loginName(), server.appPassword(),
        RemoteStoreContract.TEST_SETTINGS);
  }

  @AfterAll
  static void stop() {
    if (connection != null) connection.close();
    if (system != null) system.terminate();
    if (server != null) server.close();
  }

  @AfterEach
  void clearFaults() {
    server.faults().clear();
  }

  @Test
  void discoveryReadsStatusCapabilitiesAndTheUserIdOnce() throws Exception {
    ServerDiscovery discovery = ServerDiscovery.create(connection.transport(), server.baseUrl());
    ServerStatus status = await(discovery.status());
    assertTrue(status.usable());
    assertEquals("Nextcloud", status.productName());
    assertFalse(status.versionString().isEmpty());

    server.requests().reset();
    Capabilities caps = await(discovery.capabilities());
    await(discovery.capabilities());
    assertEquals("alice", await(discovery.userId()));
    assertEquals("alice", await(discovery.userId()));
    assertEquals(2, server.requests().count(), "capabilities and user are asked once:\n" + server.requests().dump(10));

    assertTrue(caps.chunkingV2());
    assertTrue(caps.bulkUpload());
    assertTrue(caps.versioning());
    assertTrue(caps.trashbin());
    assertTrue(caps.activity());
    assertTrue(caps.filesLocking());
    assertEquals(30, caps.version().major());
    assertEquals(5, caps.maxParallelChunks());
    assertEquals(60, caps.pollIntervalSeconds());
    assertNotNull(caps.nameProblem(".htaccess"));
    assertNotNull(caps.nameProblem("movie.part"));
    assertNull(caps.nameProblem("report.pdf"));

    await(discovery.refreshCapabilities());
    assertEquals(3, server.requests().count(), "refresh asks again");
  }

  @Test
  void filesStoreUsesTheUserIdNotTheLoginName() throws Exception {
    AkkaHttpRemoteStore files = await(connection.files());
    assertEquals(server.filesRoot(), files.endpoint().root());
    assertTrue(files.features().chunkingV2());
    assertEquals(5, files.features().maxParallelChunks());
    assertTrue(files.etagsPropagate());
    ForbiddenNames forbidden = files.scoped("Docs").forbiddenNames();
    assertNotNull(forbidden.problem(".htaccess"), "the capabilities' list, kept by a scoped store");
    assertNotNull(forbidden.problem("a:b.txt"), "Nextcloud's own rules");
    assertNull(forbidden.problem("report.pdf"));
    Path source = Files.writeString(tmp.resolve("hello.txt"), "hello");
    await(files.upload("hello-from-connection.txt", source, Optional.empty(), true));
    assertEquals("hello", Files.readString(server.filesDir().resolve("hello-from-connection.txt")));
  }

  @Test
  void connectionTestSaysOk() throws Exception {
    ConnectionTestResult result = await(connection.test());
    assertEquals(Outcome.OK, result.outcome(), result.message());
    assertEquals("alice", result.userId());
    assertTrue(result.message().contains("alice"), result.message());
  }

  @Test
  void connectionTestNamesEachProblem() throws Exception {
    assertOutcome(Outcome.BAD_CREDENTIALS, server.baseUrl(), server.loginName(), "wrong-password");
    assertOutcome(Outcome.NOT_NEXTCLOUD, server.baseUrl().resolve("not-here/"), server.loginName(), server.appPassword());
    assertOutcome(Outcome.DNS_FAILURE, URI.create("http://no-such-host.invalid/"), "someone", "secret-password-1");
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    assertOutcome(Outcome.CONNECT_FAILURE, URI.create("http://127.0.0.1:" + closedPort + "/"), "someone", "secret-password-2");
    assertOutcome(Outcome.TLS_FAILURE, URI.create("https://127.0.0.1:" + server.baseUrl().getPort() + "/"), "someone",
        "secret-password-3");
    // The full WebDAV URL is not the server's base URL: said so, not taken for a wrong password.
    assertOutcome(Outcome.WRONG_URL, server.baseUrl().resolve("remote.php/dav/files/" + server.loginName() + "/"),
        server.loginName(), server.appPassword());
    // A plain WebDAV server asks a login for everything, status.php too: it is no Nextcloud, whatever the password.
    com.sun.net.httpserver.HttpServer plainDav = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    plainDav.createContext("/", exchange -> {
      exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"dav\"");
      exchange.sendResponseHeaders(401, -1);
      exchange.close();
    });
    plainDav.start();
    try {
      assertOutcome(Outcome.NOT_NEXTCLOUD, URI.create("http://127.0.0.1:" + plainDav.getAddress().getPort() + "/dav/"),
          server.loginName(), server.appPassword());
    } finally {
      plainDav.stop(0);
    }
    server.faults().maintenance(true);
    assertOutcome(Outcome.MAINTENANCE, server.baseUrl(), server.loginName(), server.appPassword());
  }

  private static void assertOutcome(Outcome expected, URI base, String login, String password) throws Exception {
    ConnectionTestResult result = await(ConnectionTest.run(system, base, login, password));
    assertEquals(expected, result.outcome(), result.message());
    assertFalse(result.message().isBlank());
    assertFalse(result.message().contains(password));
  }

  @Test
  void activityFeedFollowsChangesWithAPersistedCursor() throws Exception {
    AkkaHttpRemoteStore files = await(connection.files());
    ActivityFeed feed = connection.activity();
    await(files.mkdirs("activity"));
    String cursor = await(feed.latestCursor());

    for (int i = 0; i < 5; i++) {
      await(files.upload("activity/f" + i + ".txt", Files.writeString(tmp.resolve("a" + i), "x" + i), Optional.empty(), true));
    }
    List<Activity> seen = new ArrayList<>();
    ActivityPage page;
    int pages = 0;
    do {
      page = await(feed.since(cursor, 2));
      assertEquals(ActivityPage.Status.OK, page.status());
      seen.addAll(page.activities());
      cursor = page.nextCursor();
      pages++;
    } while (page.hasMore());
    assertEquals(3, pages, "2 + 2 + 1 activities");
    assertEquals(List.of("/activity/f0.txt", "/activity/f1.txt", "/activity/f2.txt", "/activity/f3.txt", "/activity/f4.txt"),
        seen.stream().map(Activity::objectName).toList());
    assertTrue(seen.stream().allMatch(a -> a.type().equals("file_created")), seen.toString());
    assertEquals(server.fileId("activity/f0.txt"), seen.get(0).objectId());
    assertNotNull(seen.get(0).datetime());

    ActivityPage nothing = await(feed.since(cursor));
    assertEquals(ActivityPage.Status.NOTHING_NEW, nothing.status());
    assertEquals(cursor, nothing.nextCursor());

    await(files.move("activity/f0.txt", "activity/renamed.txt", false));
    ActivityPage renamed = await(feed.since(cursor));
    assertEquals(1, renamed.activities().size());
    assertTrue(renamed.activities().get(0).renameOrMove(), renamed.activities().toString());
  }

  @Test
  void theFilesStoreReadsItsChangesFromTheActivityStreamScopedToItsFolder() throws Exception {
    AkkaHttpRemoteStore files = await(connection.files());
    await(files.mkdirs("scoped/lib/sub"));
    await(files.mkdirs("scoped/elsewhere"));
    RemoteStore library = files.scoped("scoped/lib");
    ChangeFeed feed = library.changeFeed().orElseThrow(() -> new AssertionError("the server has an activity stream"));
    String cursor = await(feed.latestCursor());

    await(library.upload("sub/inside.txt", Files.writeString(tmp.resolve("i"), "in"), Optional.empty(), true));
    await(files.upload("scoped/elsewhere/outside.txt", Files.writeString(tmp.resolve("o"), "out"), Optional.empty(), true));
    await(library.move("sub/inside.txt", "renamed.txt", false));
    await(library.delete("sub", Optional.empty()));

    ChangeFeedPage page = await(feed.since(cursor, 100));
    assertTrue(page.usable(), page.reason());
    List<String> paths = page.changes().stream().map(ChangeFeedPage.Change::path).toList();
    assertEquals(List.of("sub/inside.txt", "renamed.txt", "sub/inside.txt", "sub"), paths,
        "the creation, both sides of the rename, the deletion; nothing from outside the folder");
    String fileId = Long.toString(server.fileId("scoped/lib/renamed.txt"));
    assertEquals(fileId, page.changes().get(1).fileId(), "a change carries the file id, so a rename can be matched");
    assertTrue(Long.parseLong(page.nextCursor()) > Long.parseLong(cursor));

    ChangeFeedPage nothing = await(feed.since(page.nextCursor(), 100));
    assertTrue(nothing.usable());
    assertEquals(List.of(), nothing.changes());
    assertEquals(page.nextCursor(), nothing.nextCursor());

    server.requests().reset();
    ChangeFeedPage tooMuch = await(feed.since(cursor, 3));
    assertFalse(tooMuch.usable(), "four activities since the cursor, three allowed: walk instead");
    assertTrue(tooMuch.reason().contains("more than 3"), tooMuch.reason());
    assertEquals(1, server.requests().count(), "a full page with more to come is enough to know:\n"
        + server.requests().dump(5));
    assertEquals(cursor, tooMuch.nextCursor(), "an unusable answer never moves the cursor");

    ChangeFeedPage paged = await(feed.scoped("").since(cursor, 100));
    assertEquals(paths, paged.changes().stream().map(ChangeFeedPage.Change::path).toList());
  }

  @Test
  void anActivityNamingAnUnsafePathMakesTheStreamUnusable() throws Exception {
    AkkaHttpRemoteStore files = await(connection.files());
    await(files.mkdirs("hostile/lib"));
    ChangeFeed feed = files.scoped("hostile/lib").changeFeed().orElseThrow();
    String cursor = await(feed.latestCursor());
    server.injectActivity("file_created", "hostile/lib/../../etc/passwd");
    ChangeFeedPage page = await(feed.since(cursor, 100));
    assertFalse(page.usable(), "a path that is not safe is never turned into a folder to list");
    assertTrue(page.reason().contains("unsafe path"), page.reason());
    assertEquals(cursor, page.nextCursor());
  }

  @Test
  void anActivityCursorTheServerNoLongerKnowsIsUnusable() throws Exception {
    AkkaHttpRemoteStore files = await(connection.files());
    ChangeFeed feed = files.changeFeed().orElseThrow();
    ChangeFeedPage page = await(feed.since("999999999", 100));
    assertFalse(page.usable());
    assertTrue(page.reason().contains("no longer knows the cursor"), page.reason());
  }

  @Test
  void versionsCanBeListedDownloadedAndRestored() throws Exception {
    AkkaHttpRemoteStore files = await(connection.files());
    await(files.upload("versioned.txt", Files.writeString(tmp.resolve("v1"), "first"), Optional.empty(), true));
    String etag = await(files.stat("versioned.txt")).etag();
    await(files.upload("versioned.txt", Files.writeString(tmp.resolve("v2"), "second!"), Optional.of(etag), false));
    String fileId = await(files.stat("versioned.txt")).fileId();
    Versions versions = await(connection.versions());

    List<FileVersion> list = await(versions.list(fileId));
    assertEquals(1, list.size(), list.toString());
    assertEquals(5, list.get(0).size());

    Path copy = tmp.resolve("old");
    await(versions.download(list.get(0), copy));
    assertEquals("first", Files.readString(copy));

    await(versions.restore(list.get(0)));
    assertEquals("first", Files.readString(server.filesDir().resolve("versioned.txt")));
    assertTrue(await(versions.list("999999")).isEmpty(), "no versions for an unknown file");
  }

  @Test
  void trashbinItemsCanBeRestoredAndPurged() throws Exception {
    AkkaHttpRemoteStore files = await(connection.files());
    await(files.mkdirs("trash-test"));
    await(files.upload("trash-test/a.txt", Files.writeString(tmp.resolve("a"), "A"), Optional.empty(), true));
    await(files.upload("trash-test/b.txt", Files.writeString(tmp.resolve("b"), "BB"), Optional.empty(), true));
    await(files.delete("trash-test/a.txt", Optional.empty()));
    await(files.delete("trash-test/b.txt", Optional.empty()));
    Trashbin trash = await(connection.trashbin());

    List<TrashItem> items = await(trash.list());
    TrashItem a = items.stream().filter(i -> i.fileName().equals("a.txt")).findFirst().orElseThrow();
    TrashItem b = items.stream().filter(i -> i.fileName().equals("b.txt")).findFirst().orElseThrow();
    assertEquals("trash-test/a.txt", a.originalLocation());
    assertNotNull(a.deletionTime());
    assertFalse(a.folder());

    Path copy = tmp.resolve("from-trash");
    await(trash.download(b, copy));
    assertEquals("BB", Files.readString(copy));

    await(trash.restore(a));
    assertEquals("A", Files.readString(server.filesDir().resolve("trash-test/a.txt")));
    await(trash.purge(b));
    List<TrashItem> after = await(trash.list());
    assertTrue(after.stream().noneMatch(i -> i.id().equals(a.id()) || i.id().equals(b.id())), after.toString());
  }

  @Test
  void aFileIsLockedForTheUserAndAnotherUsersLockNamesItsHolder() throws Exception {
    AkkaHttpRemoteStore files = await(connection.files());
    assertTrue(files.features().filesLocking(), "the test server announces files_lock");
    await(files.upload("locked.txt", Files.writeString(tmp.resolve("l"), "L"), Optional.empty(), true));
    await(files.upload("theirs.txt", Files.writeString(tmp.resolve("t"), "T"), Optional.empty(), true));
    io.ncsync.protocol.nextcloud.FilesLock locks = io.ncsync.protocol.nextcloud.FilesLock.of(files);

    await(locks.lock("locked.txt"));
    await(locks.lock("locked.txt")); // our own lock again: renewed, not refused
    org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
        () -> server.lockByOtherUser("locked.txt", "carol"), "the server holds the file for alice");
    await(locks.unlock("locked.txt"));
    await(locks.unlock("locked.txt")); // not locked any more: done
    server.lockByOtherUser("locked.txt", "carol"); // free for others again

    server.lockByOtherUser("theirs.txt", "bob");
    DavException cause = org.junit.jupiter.api.Assertions.assertThrows(DavException.class,
        () -> await(locks.lock("theirs.txt")));
    assertEquals(DavError.LOCKED, cause.error());
    assertTrue(cause.getMessage().contains("bob"), cause.getMessage());
  }

  @Test
  void pushNotificationsAnnounceChangesAndAWrongPasswordIsRefused() throws Exception {
    AkkaHttpRemoteStore files = await(connection.files());
    java.net.URI websocket = files.features().notifyPushWebsocket();
    assertNotNull(websocket, "the test server announces notify_push on its own host");
    java.util.concurrent.LinkedBlockingQueue<String> heard = new java.util.concurrent.LinkedBlockingQueue<>();
    io.ncsync.protocol.nextcloud.PushNotifications.Listener listener = new io.ncsync.protocol.nextcloud.PushNotifications.Listener() {
      @Override
      public void filesChanged() {
        heard.add("changed");
      }

      @Override
      public void state(boolean connected, String why) {
        heard.add(connected ? "connected" : "disconnected");
      }
    };
    try (var push = io.ncsync.protocol.nextcloud.PushNotifications.open(system, websocket, server.loginName(),
        server.appPassword(), listener, java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(2))) {
      assertEquals("connected", heard.poll(5, java.util.concurrent.TimeUnit.SECONDS));
      await(files.upload("pushed.txt", Files.writeString(tmp.resolve("p"), "P"), Optional.empty(), true));
      assertEquals("changed", heard.poll(5, java.util.concurrent.TimeUnit.SECONDS), "a change is announced");
    }
    heard.clear();
    try (var refused = io.ncsync.protocol.nextcloud.PushNotifications.open(system, websocket, server.loginName(),
        "wrong-password", listener, java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(2))) {
      assertEquals("disconnected", heard.poll(5, java.util.concurrent.TimeUnit.SECONDS), "a wrong password is refused");
      assertFalse(refused.connected());
    }
    assertNull(io.ncsync.protocol.nextcloud.NextcloudFeatures.sameHost("wss://elsewhere.example.com/push/ws",
        java.net.URI.create("https://cloud.example.com/")), "the password never goes to another host");
    assertNull(io.ncsync.protocol.nextcloud.NextcloudFeatures.sameHost("ws://cloud.example.com/push/ws",
        java.net.URI.create("https://cloud.example.com/")), "nor in clear when the server speaks https");
  }
}
