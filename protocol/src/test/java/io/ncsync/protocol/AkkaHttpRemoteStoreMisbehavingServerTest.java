package io.ncsync.protocol;

import static io.ncsync.protocol.TestSupport.assertError;
import static io.ncsync.protocol.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    server = new ScriptedServer(script);
    return AkkaHttpRemoteStore.create(system,
        new DavEndpoint(URI.create("http://127.0.0.1:" + server.port() + "/remote.php/dav/files/u/"), "u", "pw"), settings);
  }

  @Test
  void truncatedDownloadIsAnIntegrityFailureAndLeavesNoFile() throws Exception {
    RemoteStore store = storeFor(request -> response("200 OK", "Content-Length: 100\r\nConnection: close\r\n", "x".repeat(50)));
    Path target = tmp.resolve("t");
    assertError(DavError.INTEGRITY, store.download("f.bin", target));
    assertFalse(Files.exists(target));
  }

  @Test
  void hostileHrefFromTheServerFailsTheListing() throws Exception {
    String body = multistatus("/remote.php/dav/files/u/", "/remote.php/dav/files/u/..%2F..%2Fetc%2Fpasswd");
    RemoteStore store = storeFor(request -> response("207 Multi-Status", "Content-Type: application/xml\r\n", body));
    DavException e = assertError(DavError.HOSTILE_NAME, store.list(""));
    assertTrue(e.getMessage().startsWith("PROPFIND ''"), e.getMessage());
  }

  @Test
  void sendsWhatNextcloudExpectsAndReadsItsHeaders() throws Exception {
    RemoteStore store = storeFor(request -> request.startsWith("PUT")
        ? response("201 Created", "OC-ETag: \"oc-etag\"\r\nETag: \"plain\"\r\nOC-FileId: 00000042ocabc\r\n", "")
        : response("207 Multi-Status", "", multistatus("/remote.php/dav/files/u/Docs/", "/remote.php/dav/files/u/Docs/a%20b")));
    Path source = tmp.resolve("s");
    Files.writeString(source, "12345");
    Files.setLastModifiedTime(source, java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L));

    UploadResult result = await(store.scoped("Docs").upload("a b", source, Optional.of("W/\"old\""), false));

    assertEquals(new UploadResult(true, "oc-etag", "00000042ocabc", null, 5, false,
        "5994471abb01112afcc18159f6cc74b4f511b99806da59b3caf5a9c173cacfc5"), result);
    String put = server.requests.get(0);
    assertTrue(put.startsWith("PUT /remote.php/dav/files/u/Docs/a%20b HTTP/1.1"), put);
    assertTrue(put.contains("\r\nIf-Match: \"old\"\r\n"), put);
    assertTrue(put.contains("\r\nX-OC-MTime: 1700000000\r\n"), put);
    assertTrue(put.contains("\r\nContent-Length: 5\r\n"), put);
    assertTrue(put.contains("\r\nAuthorization: Basic dTpwdw==\r\n"), put);

    await(store.list("Docs"));
    String propfind = server.requests.get(1);
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

    DownloadResult result = await(store.download("f.bin", target, new DownloadOptions(sha1, "v1", false)));

    assertEquals(body, Files.readString(target));
    assertEquals(100, result.bytes());
    assertEquals(sha1, result.checksum(), "the checksum covers the whole file after the resume");
    assertEquals(2, server.requests.size());
    String second = server.requests.get(1);
    assertTrue(second.contains("\r\nRange: bytes=40-\r\n"), second);
    assertTrue(second.contains("\r\nIf-Range: \"v1\"\r\n"), second);
  }

  @Test
  void resumeThatFindsAnotherVersionStartsOver() throws Exception {
    String v2 = "new version, whole";
    RemoteStore store = storeFor(request -> request.contains("\r\nRange: ")
            // If-Range does not match any more: the server sends the whole new version with 200.
            ? response("200 OK", "ETag: \"v2\"\r\n", v2)
            : response("200 OK", "ETag: \"v1\"\r\nContent-Length: 100\r\n", "old version, cut"),
        ONCE.withTransfers(TransferSettings.defaults().withDownloadAttempts(3)));
    Path target = tmp.resolve("replaced");

    DownloadResult result = await(store.download("f.bin", target));

    assertEquals(v2, Files.readString(target), "no bytes of the old version remain");
    assertEquals("v2", result.etag());
  }

  // ---- scripted server ---------------------------------------------------------------------------------------------

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
    private final ServerSocket socket;
    private final List<Socket> silent = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    ScriptedServer(Function<String, byte[]> script) throws IOException {
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
          }
          connection.close();
        } catch (IOException e) {
          // closed by the test, or the client gave up
        }
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
