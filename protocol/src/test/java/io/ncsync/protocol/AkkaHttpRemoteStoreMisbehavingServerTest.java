package io.ncsync.protocol;

import static io.ncsync.protocol.TestSupport.assertError;
import static io.ncsync.protocol.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What Apache never does: lying Content-Length, hostile hrefs, silence, Nextcloud headers. A scripted socket plays the server. */
class AkkaHttpRemoteStoreMisbehavingServerTest {
  private static ActorSystem<Void> system;
  private ScriptedServer server;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    system = ActorSystem.create(Behaviors.empty(), "test");
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  @AfterEach
  void closeServer() throws IOException {
    if (server != null) server.close();
  }

  /** One attempt per request: these tests are about classification, HttpTransportTest about retries. */
  private static final AkkaHttpRemoteStore.Settings ONCE = AkkaHttpRemoteStore.Settings.defaults()
      .withTransport(io.ncsync.protocol.http.TransportSettings.defaults()
          .withRetries(1, Duration.ofMillis(10), Duration.ofMillis(10), Duration.ZERO))
      .withTransfers(TransferSettings.defaults().withDownloadAttempts(1));

  private RemoteStore storeFor(Function<String, byte[]> script) throws IOException {
    return storeFor(script, ONCE);
  }

  private RemoteStore storeFor(Function<String, byte[]> script, AkkaHttpRemoteStore.Settings settings) throws IOException {
    return storeFor(script, 0, settings);
  }

  /** A server that follows every answer with {@code floodBytes} more bytes of body, as far as the client takes them. */
  private RemoteStore storeFor(Function<String, byte[]> script, long floodBytes, AkkaHttpRemoteStore.Settings settings)
      throws IOException {
    server = new ScriptedServer(script, floodBytes);
    return AkkaHttpRemoteStore.create(system,
        new DavEndpoint(URI.create("http://127.0.0.1:" + server.port() + "/remote.php/dav/files/u/"), "u", "pw"), settings);
  }

  @Test
  void truncatedDownloadIsAnIntegrityFailureAndLeavesNoFile() throws Exception {
    RemoteStore store = storeFor(request -> response("200 OK", "Content-Length: 100\r\nConnection: close\r\n", "x".repeat(50)));
    Path target = tmp.resolve("t");
    assertError(DavError.INTEGRITY, store.download("f.bin", target, listed(100)));
    assertFalse(Files.exists(target));
  }

  private static final long FIFTY_MIB = 50L << 20;

  @Test
  void bodyBeyondTheListedSizeIsCutOffAndNothingIsKept() throws Exception {
    // No Content-Length: the body ends when the server closes, here after 50 MiB more than the 10 bytes listed.
    RemoteStore store = storeFor(request -> head("200 OK", "ETag: \"v1\"\r\n", "0123456789"), FIFTY_MIB, ONCE);
    Path target = tmp.resolve("flooded");

    DavException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
        () -> assertError(DavError.INTEGRITY, store.download("docs/f.bin", target, listed(10))));

    assertTrue(e.getMessage().contains("'docs/f.bin'"), e.getMessage());
    assertTrue(e.getMessage().contains("more than the 10 bytes listed"), e.getMessage());
    assertFalse(Files.exists(target), "the partial file is removed");
    assertTrue(server.flooded() < FIFTY_MIB, "the client stopped reading: " + server.flooded() + " bytes taken");
  }

  @Test
  void announcedLengthOtherThanTheListedSizeFailsBeforeAnyByteIsWritten() throws Exception {
    RemoteStore store = storeFor(request -> head("200 OK", "ETag: \"v1\"\r\nContent-Length: " + (FIFTY_MIB + 10) + "\r\n",
        "0123456789"), FIFTY_MIB, ONCE);
    Path target = tmp.resolve("announced");
    Files.writeString(target, "a partial file of an earlier attempt");

    DavException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
        () -> assertError(DavError.INTEGRITY, store.download("f.bin", target, listed(10))));

    assertTrue(e.getMessage().contains("announced " + (FIFTY_MIB + 10) + " bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("listed with 10"), e.getMessage());
    assertFalse(Files.exists(target), "the partial file is removed");
    assertTrue(server.flooded() < FIFTY_MIB, "the client stopped reading: " + server.flooded() + " bytes taken");
  }

  @Test
  void bodyShorterThanTheListedSizeFails() throws Exception {
    RemoteStore store = storeFor(request -> head("200 OK", "ETag: \"v1\"\r\n", "01234"), 0, ONCE);
    Path target = tmp.resolve("short");

    DavException e = assertError(DavError.INTEGRITY, store.download("f.bin", target, listed(10)));

    assertTrue(e.getMessage().contains("sent 5 bytes of a file listed with 10"), e.getMessage());
    assertFalse(Files.exists(target));
  }

  @Test
  void contentThatFailsTheListedChecksumFails() throws Exception {
    RemoteStore store = storeFor(request -> response("200 OK", "ETag: \"v1\"\r\n", "0123456789"));
    Path target = tmp.resolve("damaged");
    DownloadOptions options = new DownloadOptions("SHA1:" + "0".repeat(40), "v1", false, 10);

    DavException e = assertError(DavError.INTEGRITY, store.download("f.bin", target, options));

    assertTrue(e.getMessage().contains("does not match its checksum"), e.getMessage());
    assertFalse(Files.exists(target));
  }

  @Test
  void withoutAListedSizeTheDownloadAsksForItFirst() throws Exception {
    String listing = "<?xml version=\"1.0\"?><d:multistatus xmlns:d=\"DAV:\"><d:response>"
        + "<d:href>/remote.php/dav/files/u/f.bin</d:href><d:propstat><d:prop><d:getetag>\"v1\"</d:getetag>"
        + "<d:getcontentlength>10</d:getcontentlength></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
        + "</d:response></d:multistatus>";
    RemoteStore store = storeFor(request -> request.startsWith("PROPFIND")
        ? response("207 Multi-Status", "Content-Type: application/xml\r\n", listing)
        : head("200 OK", "ETag: \"v1\"\r\n", "0123456789"), FIFTY_MIB, ONCE);
    Path target = tmp.resolve("asked");

    DavException e = assertError(DavError.INTEGRITY, store.download("f.bin", target));

    assertTrue(e.getMessage().contains("more than the 10 bytes listed"), e.getMessage());
    assertTrue(server.requests.get(0).startsWith("PROPFIND /remote.php/dav/files/u/f.bin HTTP/1.1"), server.requests.get(0));
    assertTrue(server.requests.get(0).contains("\r\nDepth: 0\r\n"), server.requests.get(0));
    assertFalse(Files.exists(target));
  }

  @Test
  void rangedAnswerOfAnotherLengthThanTheMissingBytesFails() throws Exception {
    String body = "0123456789".repeat(10);
    RemoteStore store = storeFor(request -> request.contains("\r\nRange: ")
            // Claims to continue at 40 but brings 100 bytes: 40 more than the listed file can hold.
            ? response("206 Partial Content", "ETag: \"v1\"\r\nContent-Range: bytes 40-139/140\r\n", body)
            : response("200 OK", "ETag: \"v1\"\r\nContent-Length: 100\r\n", body.substring(0, 40)),
        ONCE.withTransfers(TransferSettings.defaults().withDownloadAttempts(3)));
    Path target = tmp.resolve("ranged");

    DavException e = assertError(DavError.INTEGRITY, store.download("f.bin", target, new DownloadOptions(null, "v1", false, 100)));

    assertTrue(e.getMessage().contains("announced 100 bytes (Content-Length) for a file listed with 100, of which 40"),
        e.getMessage());
    assertFalse(Files.exists(target));
  }

  @Test
  void hostileHrefFromTheServerFailsTheListing() throws Exception {
    String body = multistatus("/remote.php/dav/files/u/", "/remote.php/dav/files/u/../../etc/passwd");
    RemoteStore store = storeFor(request -> response("207 Multi-Status", "Content-Type: application/xml\r\n", body));
    DavException e = assertError(DavError.HOSTILE_NAME, store.list(""));
    assertTrue(e.getMessage().startsWith("PROPFIND ''"), e.getMessage());
  }

  /** A login page of a proxy answered as a 207: the error shows what came instead of XML. */
  @Test
  void aListingThatIsNotXmlNamesWhatTheBodyBeganWith() throws Exception {
    String body = "Please log in\n<html>" + "x".repeat(200) + "</html>";
    RemoteStore store = storeFor(request -> response("207 Multi-Status", "Content-Type: text/html\r\n", body));
    DavException e = assertError(DavError.MALFORMED_RESPONSE, store.list(""));
    assertTrue(e.getMessage().contains("the body began with \"Please log in\\x0a<html>"), e.getMessage());
  }

  @Test
  void encodedSlashesMakeOneHostileNameThatIsExcludedNotAPath() throws Exception {
    String body = multistatus("/remote.php/dav/files/u/", "/remote.php/dav/files/u/..%2F..%2Fetc%2Fpasswd");
    RemoteStore store = storeFor(request -> response("207 Multi-Status", "Content-Type: application/xml\r\n", body));

    Listing listing = await(store.list(""));

    assertTrue(listing.children().isEmpty(), listing.toString());
    assertEquals(java.util.Set.of("..\\x2f..\\x2fetc\\x2fpasswd"), listing.excluded().keySet());
  }

  @Test
  void sendsWhatNextcloudExpectsAndReadsItsHeaders() throws Exception {
    // A plain WebDAV store asks for a lock before its first replacing PUT (see LockedUpload); this server has none.
    RemoteStore store = storeFor(request -> request.startsWith("LOCK") ? response("405 Method Not Allowed", "", "")
        : request.startsWith("PUT")
        ? response("201 Created", "OC-ETag: \"oc-etag\"\r\nETag: \"plain\"\r\nOC-FileId: 00000042ocabc\r\n", "")
        : response("207 Multi-Status", "", multistatus("/remote.php/dav/files/u/Docs/", "/remote.php/dav/files/u/Docs/a%20b")));
    Path source = tmp.resolve("s");
    Files.writeString(source, "12345");
    Files.setLastModifiedTime(source, java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L));

    UploadResult result = await(store.scoped("Docs").upload("a b", source, Optional.of("W/\"old\""), false));

    assertEquals(new UploadResult(true, "oc-etag", "00000042ocabc", null, 5, false,
        "5994471abb01112afcc18159f6cc74b4f511b99806da59b3caf5a9c173cacfc5"), result);
    assertTrue(server.requests.get(0).startsWith("LOCK /remote.php/dav/files/u/Docs/a%20b HTTP/1.1"), server.requests.get(0));
    String put = server.requests.get(1);
    assertTrue(put.startsWith("PUT /remote.php/dav/files/u/Docs/a%20b HTTP/1.1"), put);
    assertTrue(put.contains("\r\nIf-Match: \"old\"\r\n"), put);
    assertTrue(put.contains("\r\nX-OC-MTime: 1700000000\r\n"), put);
    assertTrue(put.contains("\r\nContent-Length: 5\r\n"), put);
    assertTrue(put.contains("\r\nAuthorization: Basic dTpwdw==\r\n"), put);

    await(store.list("Docs"));
    String propfind = server.requests.get(2);
    assertTrue(propfind.startsWith("PROPFIND /remote.php/dav/files/u/Docs HTTP/1.1"), propfind);
    assertTrue(propfind.contains("\r\nDepth: 1\r\n"), propfind);
  }

  @Test
  void silentServerTimesOutAsTransport() throws Exception {
    RemoteStore store = storeFor(request -> null,
        ONCE.withRequestTimeout(Duration.ofMillis(500)));
    DavException e = assertError(DavError.TRANSPORT, store.stat(""));
    assertEquals(0, e.status());
  }

  @Test
  void serverErrorsAreClassified() throws Exception {
    RemoteStore store = storeFor(request -> response("503 Service Unavailable", "Content-Length: 11\r\n", "maintenance"));
    DavException e = assertError(DavError.SERVER_ERROR, store.mkdirs("a/b"));
    assertEquals(503, e.status());
    assertTrue(e.error().retryable());
  }

  @Test
  void uploadWhoseBytesArrivedDamagedIsAnIntegrityFailure() throws Exception {
    AkkaHttpRemoteStore plain = (AkkaHttpRemoteStore) storeFor(request -> response("201 Created",
        "OC-ETag: \"e1\"\r\nOC-FileId: 00000042oc\r\nX-Hash-SHA256: " + "0".repeat(64) + "\r\n", ""));
    AkkaHttpRemoteStore nextcloud = plain.withFeatures(io.ncsync.protocol.nextcloud.NextcloudFeatures.allOn(
        URI.create("http://127.0.0.1:" + server.port() + "/"), "u"));
    Path source = Files.writeString(tmp.resolve("s"), "12345");

    DavException e = assertError(DavError.INTEGRITY, nextcloud.upload("x.txt", source, UploadOptions.createOnly()));

    assertTrue(e.getMessage().contains("other bytes"), e.getMessage());
    String put = server.requests.get(0);
    assertTrue(put.contains("\r\nX-Hash: sha256\r\n"), put);
    assertTrue(put.contains("\r\nOC-Checksum: SHA1:8cb2237d0679ca88db6464eac60da96345513964\r\n"), put);
    assertTrue(put.contains("\r\nIf-None-Match: *\r\n"), put);
  }

  @Test
  void connectionTestReportsAWrongUserAndMissingCapabilities() throws Exception {
    String status = "{\"installed\":true,\"maintenance\":false,\"needsDbUpgrade\":false,\"version\":\"30.0.1.2\","
        + "\"versionstring\":\"30.0.1\",\"productname\":\"Nextcloud\"}";
    String caps = "{\"ocs\":{\"meta\":{\"statuscode\":100},\"data\":{\"version\":{\"major\":30},"
        + "\"capabilities\":{\"dav\":{\"chunking\":\"1.0\"}}}}}";
    String user = "{\"ocs\":{\"meta\":{\"statuscode\":100},\"data\":{\"id\":\"ghost\"}}}";
    storeFor(request -> {
      if (request.startsWith("GET /status.php")) return response("200 OK", "Content-Type: application/json\r\n", status);
      if (request.startsWith("GET /ocs/v1.php/cloud/capabilities")) return response("200 OK", "", caps);
      if (request.startsWith("GET /ocs/v1.php/cloud/user")) return response("200 OK", "", user);
      return response("404 Not Found", "", "");
    });
    URI base = URI.create("http://127.0.0.1:" + server.port() + "/");
    var result = await(io.ncsync.protocol.nextcloud.ConnectionTest.run(system, base, "u", "pw"));
    assertEquals(io.ncsync.protocol.nextcloud.ConnectionTestResult.Outcome.WRONG_USER, result.outcome(), result.message());
    assertTrue(result.message().contains("ghost"), result.message());
    assertTrue(server.requests.get(server.requests.size() - 1).startsWith("PROPFIND /remote.php/dav/files/ghost/ "));
    server.close();

    storeFor(request -> request.startsWith("GET /status.php")
        ? response("200 OK", "", status)
        : response("200 OK", "", "{\"ocs\":{\"meta\":{\"statuscode\":100},\"data\":[]}}"));
    base = URI.create("http://127.0.0.1:" + server.port() + "/");
    result = await(io.ncsync.protocol.nextcloud.ConnectionTest.run(system, base, "u", "pw"));
    assertEquals(io.ncsync.protocol.nextcloud.ConnectionTestResult.Outcome.MISSING_CAPABILITIES, result.outcome(),
        result.message());
  }

  @Test
  void brokenDownloadResumesWithARangeRequest() throws Exception {
    String body = "0123456789".repeat(10);
    RemoteStore store = storeFor(request -> request.contains("\r\nRange: ")
            ? response("206 Partial Content", "ETag: \"v1\"\r\nContent-Range: bytes 40-99/100\r\n", body.substring(40))
            // Announces 100 bytes, sends 40, closes: the connection broke mid-body.
            : response("200 OK", "ETag: \"v1\"\r\nContent-Length: 100\r\n", body.substring(0, 40)),
        ONCE.withTransfers(TransferSettings.defaults().withDownloadAttempts(3)));
    String sha1 = "SHA1:" + java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8)));
    Path target = tmp.resolve("resumed");

    DownloadResult result = await(store.download("f.bin", target, new DownloadOptions(sha1, "v1", false, 100)));

    assertEquals(body, Files.readString(target));
    assertEquals(100, result.bytes());
    assertEquals(sha1, result.checksum(), "the checksum covers the whole file after the resume");
    assertEquals(2, server.requests.size());
    String second = server.requests.get(1);
    assertTrue(second.contains("\r\nRange: bytes=40-\r\n"), second);
    assertTrue(second.contains("\r\nIf-Range: \"v1\"\r\n"), second);
  }

  @Test
  void aPartialToBeContinuedKeepsItsBytesWhenTheConnectionBreaksForGood() throws Exception {
    String body = "0123456789".repeat(10);
    // Every answer announces 100 bytes and breaks after 40: the download gives up after its attempts.
    RemoteStore store = storeFor(request -> request.contains("\r\nRange: ")
            ? response("206 Partial Content", "ETag: \"v1\"\r\nContent-Range: bytes 40-99/100\r\nContent-Length: 60\r\n",
                body.substring(40, 50))
            : response("200 OK", "ETag: \"v1\"\r\nContent-Length: 100\r\n", body.substring(0, 40)),
        ONCE.withTransfers(TransferSettings.defaults().withDownloadAttempts(2)));
    Path kept = tmp.resolve("kept");
    Path dropped = tmp.resolve("dropped");

    assertError(DavError.INTEGRITY, store.download("f.bin", kept, new DownloadOptions(null, "v1", true, 100)));
    assertError(DavError.INTEGRITY, store.download("f.bin", dropped, new DownloadOptions(null, "v1", false, 100)));

    assertTrue(Files.size(kept) >= 40, "the caller continues these bytes later");
    assertTrue(body.startsWith(Files.readString(kept)), "and they are the file's first bytes");
    assertFalse(Files.exists(dropped), "without resumePartial nothing partial is left");
  }

  @Test
  void resumeThatFindsAnotherVersionStartsOver() throws Exception {
    String v2 = "new version, whole, as long as the old".substring(0, 30);
    RemoteStore store = storeFor(request -> request.contains("\r\nRange: ")
            // If-Range does not match any more: the server sends the whole new version with 200.
            ? response("200 OK", "ETag: \"v2\"\r\n", v2)
            : response("200 OK", "ETag: \"v1\"\r\nContent-Length: 30\r\n", "old version, cut"),
        ONCE.withTransfers(TransferSettings.defaults().withDownloadAttempts(3)));
    Path target = tmp.resolve("replaced");

    DownloadResult result = await(store.download("f.bin", target, listed(30)));

    assertEquals(v2, Files.readString(target), "no bytes of the old version remain");
    assertEquals("v2", result.etag());
  }

  @Test
  void resumeThatFindsAVersionOfAnotherSizeFails() throws Exception {
    RemoteStore store = storeFor(request -> request.contains("\r\nRange: ")
            ? response("200 OK", "ETag: \"v2\"\r\n", "grown since it was listed")
            : response("200 OK", "ETag: \"v1\"\r\nContent-Length: 16\r\n", "old"),
        ONCE.withTransfers(TransferSettings.defaults().withDownloadAttempts(3)));
    Path target = tmp.resolve("grown");

    assertError(DavError.INTEGRITY, store.download("f.bin", target, new DownloadOptions(null, "v1", false, 16)));

    assertFalse(Files.exists(target));
  }

  // ---- scripted server ---------------------------------------------------------------------------------------------

  /** What the engine passes: the listed size, no checksum, no version. */
  private static DownloadOptions listed(long size) {
    return new DownloadOptions(null, null, false, size);
  }

  /** An answer whose body ends when the connection closes (no Content-Length). */
  private static byte[] head(String status, String headers, String body) {
    return ("HTTP/1.1 " + status + "\r\n" + headers + "Connection: close\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] response(String status, String headers, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String contentLength = headers.contains("Content-Length") ? "" : "Content-Length: " + bytes.length + "\r\n";
    // The server closes every connection after one answer: say so, or the client's pool may reuse a closed one.
    String close = headers.contains("Connection:") ? "" : "Connection: close\r\n";
    String head = "HTTP/1.1 " + status + "\r\n" + headers + contentLength + close + "\r\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(bytes);
    return out.toByteArray();
  }

  private static String multistatus(String... hrefs) {
    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\"?><d:multistatus xmlns:d=\"DAV:\">");
    for (int i = 0; i < hrefs.length; i++) {
      xml.append("<d:response><d:href>").append(hrefs[i]).append("</d:href><d:propstat><d:prop><d:getetag>\"e")
          .append(i).append("\"</d:getetag>").append(i == 0 ? "<d:resourcetype><d:collection/></d:resourcetype>" : "")
          .append("</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>");
    }
    return xml.append("</d:multistatus>").toString();
  }

  /**
   * Answers each request with whatever the script returns for its head (request line and headers), on a connection of
   * its own that it then closes; null means never answer.
   */
  private static final class ScriptedServer implements AutoCloseable {
    final List<String> requests = new CopyOnWriteArrayList<>();
    private final long floodBytes;
    private final java.util.concurrent.atomic.AtomicLong flooded = new java.util.concurrent.atomic.AtomicLong();
    private final ServerSocket socket;
    private final List<Socket> silent = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    ScriptedServer(Function<String, byte[]> script, long floodBytes) throws IOException {
      this.floodBytes = floodBytes;
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor = new Thread(() -> acceptLoop(script), "scripted-dav-server");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    private void acceptLoop(Function<String, byte[]> script) {
      while (!socket.isClosed()) {
        try {
          Socket connection = socket.accept();
          String head = readHead(connection.getInputStream());
          requests.add(head);
          skipBody(connection.getInputStream(), head);
          byte[] answer = script.apply(head);
          if (answer == null) {
            silent.add(connection);
            continue;
          }
          try (OutputStream out = connection.getOutputStream()) {
            out.write(answer);
            if (!head.startsWith("PROPFIND")) flood(out);
          }
          connection.close();
        } catch (IOException e) {
          // closed by the test, or the client gave up
        }
      }
    }

    /** Bytes of the flood the client took before it closed the connection. */
    long flooded() {
      return flooded.get();
    }

    private void flood(OutputStream out) throws IOException {
      byte[] block = new byte[64 << 10];
      for (long left = floodBytes; left > 0; left -= block.length) {
        int n = (int) Math.min(block.length, left);
        out.write(block, 0, n);
        flooded.addAndGet(n);
      }
    }

    private static String readHead(InputStream in) throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      while (matched < 4) {
        int b = in.read();
        if (b < 0) break;
        head.write(b);
        matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static void skipBody(InputStream in, String head) throws IOException {
      for (String line : head.split("\r\n")) {
        if (line.toLowerCase().startsWith("content-length:")) {
          long remaining = Long.parseLong(line.substring(15).strip());
          while (remaining > 0) {
            long skipped = in.skip(remaining);
            if (skipped <= 0) {
              if (in.read() < 0) return;
              skipped = 1;
            }
            remaining -= skipped;
          }
        }
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket s : silent) s.close();
    }
  }
}
