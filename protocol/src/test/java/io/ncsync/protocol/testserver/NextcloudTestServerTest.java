package io.ncsync.protocol.testserver;

import static io.ncsync.protocol.testserver.NcHttp.DAV;
import static io.ncsync.protocol.testserver.NcHttp.NC;
import static io.ncsync.protocol.testserver.NcHttp.OC;
import static io.ncsync.protocol.testserver.NcHttp.header;
import static io.ncsync.protocol.testserver.NcHttp.multistatus;
import static io.ncsync.protocol.testserver.NcHttp.propfindBody;
import static io.ncsync.protocol.testserver.NcHttp.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ncsync.protocol.testing.nextcloud.NextcloudTestServer;
import io.ncsync.protocol.testing.nextcloud.NextcloudTestServer.Options;
import io.ncsync.protocol.testserver.NcHttp.Prop;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test server speaks Nextcloud's protocol as documented: every request here is built by hand with
 * java.net.http, so the server is checked against the documentation, not against our own client.
 */
class NextcloudTestServerTest {
  private static final AtomicInteger FOLDERS = new AtomicInteger();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MIB = 1 << 20;

  private static NextcloudTestServer server;
  private static NcHttp http;
  private String dir;

  @BeforeAll
  static void start() throws Exception {
    server = NextcloudTestServer.start();
    http = new NcHttp(server);
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  @BeforeEach
  void freshFolder() throws Exception {
    server.faults().clear();
    dir = "t" + FOLDERS.incrementAndGet();
    assertEquals(201, http.files("MKCOL", dir).send().statusCode());
    server.requests().reset();
  }

  // ---- status.php, OCS, auth ---------------------------------------------------------------------------------------

  @Test
  void statusPhpAnswersWithoutAuth() throws Exception {
    HttpResponse<byte[]> r = http.req("GET", "/status.php").noAuth().send();
    assertEquals(200, r.statusCode());
    JsonNode status = JSON.readTree(r.body());
    for (String field : List.of("installed", "maintenance", "needsDbUpgrade", "version", "versionstring", "edition",
        "productname", "extendedSupport")) {
      assertTrue(status.has(field), field);
    }
    assertTrue(status.get("installed").asBoolean());
    assertFalse(status.get("maintenance").asBoolean());
    assertEquals("Nextcloud", status.get("productname").asText());
    assertTrue(status.get("version").asText().startsWith("30."));
  }

  @Test
  void capabilitiesHaveTheDocumentedShape() throws Exception {
    HttpResponse<byte[]> v1 = http.req("GET", "/ocs/v1.php/cloud/capabilities?format=json")
        .header("OCS-APIRequest", "true").send();
    assertEquals(200, v1.statusCode());
    JsonNode ocs = JSON.readTree(v1.body()).get("ocs");
    assertEquals(100, ocs.at("/meta/statuscode").asInt());
    assertEquals("ok", ocs.at("/meta/status").asText());
    JsonNode caps = ocs.at("/data/capabilities");
    assertEquals(30, ocs.at("/data/version/major").asInt());
    assertEquals(60, caps.at("/core/pollinterval").asInt());
    assertEquals("remote.php/webdav", caps.at("/core/webdav-root").asText());
    assertEquals("1.0", caps.at("/dav/chunking").asText());
    assertEquals("1.0", caps.at("/dav/bulkupload").asText());
    assertTrue(caps.at("/files/bigfilechunking").asBoolean());
    assertTrue(caps.at("/files/undelete").asBoolean());
    assertTrue(caps.at("/files/versioning").asBoolean());
    assertEquals("1.0", caps.at("/files/locking").asText());
    assertEquals(".htaccess", caps.at("/files/forbidden_filenames/0").asText());
    assertEquals("filters", caps.at("/activity/apiv2/0").asText());
    assertEquals(0, caps.at("/bruteforce/delay").asInt());
    assertTrue(caps.at("/checksums").isMissingNode(), "Nextcloud's server publishes no checksums capability");

    HttpResponse<byte[]> v2 = http.req("GET", "/ocs/v2.php/cloud/capabilities?format=json").noAuth()
        .header("OCS-APIRequest", "true").send();
    assertEquals(200, v2.statusCode(), "capabilities are public");
    assertEquals(200, JSON.readTree(v2.body()).at("/ocs/meta/statuscode").asInt());

    String xml = http.req("GET", "/ocs/v2.php/cloud/capabilities").header("OCS-APIRequest", "true").text();
    assertTrue(xml.contains("<ocs><meta><status>ok</status><statuscode>200</statuscode>"), xml);
    assertTrue(xml.contains("<chunking>1.0</chunking>"), xml);
  }

  @Test
  void capabilitiesFollowTheOptions() throws Exception {
    try (NextcloudTestServer bare = NextcloudTestServer.start(Options.defaults().withChunking(false)
        .withBulkUpload(false).withActivity(false).withVersions(false).withTrashbin(false).withLocking(false)
        .withChecksumsCapability(true))) {
      JsonNode caps = JSON.readTree(new NcHttp(bare).req("GET", "/ocs/v2.php/cloud/capabilities?format=json")
          .header("OCS-APIRequest", "true").send().body()).at("/ocs/data/capabilities");
      assertTrue(caps.at("/dav/chunking").isMissingNode());
      assertTrue(caps.at("/dav/bulkupload").isMissingNode());
      assertFalse(caps.at("/files/bigfilechunking").asBoolean());
      assertTrue(caps.at("/files/undelete").isMissingNode());
      assertTrue(caps.at("/files/versioning").isMissingNode());
      assertTrue(caps.at("/files/locking").isMissingNode());
      assertTrue(caps.at("/activity").isMissingNode());
      assertEquals("SHA1", caps.at("/checksums/preferredUploadType").asText());
      NcHttp h = new NcHttp(bare);
      assertEquals(404, h.req("MKCOL", "/remote.php/dav/uploads/alice/x1").send().statusCode());
      assertEquals(404, h.req("POST", "/remote.php/dav/bulk").send().statusCode());
      assertEquals(404, h.req("GET", "/ocs/v2.php/apps/activity/api/v2/activity/files?format=json")
          .header("OCS-APIRequest", "true").send().statusCode());
      // Without a trashbin a DELETE is final.
      assertEquals(201, h.files("PUT", "gone.txt").body("x").send().statusCode());
      assertEquals(204, h.files("DELETE", "gone.txt").send().statusCode());
      assertEquals(404, h.req("PROPFIND", "/remote.php/dav/trashbin/alice/trash").send().statusCode());
    }
  }

  @Test
  void userEndpointNeedsAuthAndNamesTheUser() throws Exception {
    HttpResponse<byte[]> r = http.req("GET", "/ocs/v1.php/cloud/user?format=json").header("OCS-APIRequest", "true").send();
    assertEquals(200, r.statusCode());
    JsonNode data = JSON.readTree(r.body()).at("/ocs/data");
    assertEquals("alice", data.get("id").asText());
    assertEquals("Alice", data.get("display-name").asText());
    assertTrue(data.has("email"));
    assertEquals(-3, data.at("/quota/quota").asInt(), "unlimited quota");

    HttpResponse<byte[]> anonymous = http.req("GET", "/ocs/v2.php/cloud/user?format=json").noAuth()
        .header("OCS-APIRequest", "true").send();
    assertEquals(401, anonymous.statusCode());
    assertEquals(997, JSON.readTree(anonymous.body()).at("/ocs/meta/statuscode").asInt());
    assertEquals(401, http.req("GET", "/ocs/v1.php/cloud/user?format=json").noAuth()
        .header("OCS-APIRequest", "true").send().statusCode(), "v1 answers 401 too");
  }

  @Test
  void loginNameMayDifferFromTheUserId() throws Exception {
    try (NextcloudTestServer other = NextcloudTestServer.start(Options.defaults().withUserId("u123")
        .withLoginName("alice@example.com"))) {
      NcHttp h = new NcHttp(other);
      JsonNode data = JSON.readTree(h.req("GET", "/ocs/v1.php/cloud/user?format=json").header("OCS-APIRequest", "true")
          .send().body()).at("/ocs/data");
      assertEquals("u123", data.get("id").asText());
      assertTrue(other.filesRoot().toString().endsWith("/remote.php/dav/files/u123/"));
      assertEquals(207, h.req("PROPFIND", "/remote.php/dav/files/u123/").header("Depth", "0").send().statusCode());
      assertEquals(401, new NcHttp(other, "u123", other.appPassword()).req("PROPFIND", "/remote.php/dav/files/u123/")
          .send().statusCode(), "the user id is not the login name");
    }
  }

  @Test
  void wrongPasswordIsUnauthorizedWithAChallengeAndCounted() throws Exception {
    int before = server.faults().failedLogins();
    HttpResponse<byte[]> r = new NcHttp(server, "alice", "wrong").files("PROPFIND", "").header("Depth", "0").send();
    assertEquals(401, r.statusCode());
    assertTrue(header(r, "WWW-Authenticate").startsWith("Basic realm="), header(r, "WWW-Authenticate"));
    assertTrue(text(r).contains("NotAuthenticated"));
    assertEquals(before + 1, server.faults().failedLogins());

    HttpResponse<byte[]> none = http.files("PROPFIND", "").noAuth().header("Depth", "0").send();
    assertEquals(401, none.statusCode());
    assertEquals(before + 1, server.faults().failedLogins(), "no credentials is not a failed login");
  }

  @Test
  void sessionCookieAloneIsAcceptedAfterALogin() throws Exception {
    HttpResponse<byte[]> login = http.files("PROPFIND", dir).header("Depth", "0").send();
    assertEquals(207, login.statusCode());
    List<String> setCookies = login.headers().allValues("Set-Cookie");
    assertFalse(setCookies.isEmpty(), "a login hands out a session");
    String cookie = String.join("; ", setCookies.stream().map(c -> c.substring(0, c.indexOf(';'))).toList());

    HttpResponse<byte[]> withCookie = http.files("PROPFIND", dir).noAuth().header("Depth", "0").header("Cookie", cookie).send();
    assertEquals(207, withCookie.statusCode());
    assertTrue(withCookie.headers().allValues("Set-Cookie").isEmpty(), "a valid session gets no new cookie");
    assertEquals(201, http.files("PUT", dir + "/c.txt").noAuth().header("Cookie", cookie).body("via cookie").send().statusCode());

    // OCS with only the cookie needs OCS-APIRequest (Nextcloud's CSRF check); with it, it works.
    assertEquals(412, http.req("GET", "/ocs/v2.php/cloud/user?format=json").noAuth().header("Cookie", cookie).send().statusCode());
    assertEquals(200, http.req("GET", "/ocs/v2.php/cloud/user?format=json").noAuth().header("Cookie", cookie)
        .header("OCS-APIRequest", "true").send().statusCode());

    server.expireSessions();
    assertEquals(401, http.files("PROPFIND", dir).noAuth().header("Depth", "0").header("Cookie", cookie).send().statusCode());
    HttpResponse<byte[]> again = http.files("PROPFIND", dir).header("Depth", "0").header("Cookie", cookie).send();
    assertEquals(207, again.statusCode(), "basic auth still works with an expired cookie");
    assertFalse(again.headers().allValues("Set-Cookie").isEmpty(), "and hands out a new session");
  }

  // ---- PROPFIND, ETags, fileids ------------------------------------------------------------------------------------

  @Test
  void propfindAnswersNextcloudProperties() throws Exception {
    assertEquals(201, http.files("MKCOL", dir + "/sub").send().statusCode());
    assertEquals(201, http.files("PUT", dir + "/sub/a.txt").header("OC-Checksum", "SHA1:abc123").body("hello").send().statusCode());
    assertEquals(201, http.files("PUT", dir + "/b.bin").body(new byte[1000]).send().statusCode());

    HttpResponse<byte[]> r = http.files("PROPFIND", dir).header("Depth", "1").body(propfindBody("d:getetag",
        "d:getlastmodified", "d:getcontentlength", "d:resourcetype", "d:getcontenttype", "oc:fileid", "oc:id",
        "oc:permissions", "oc:size", "oc:checksums", "oc:share-types", "nc:has-preview", "nc:upload_time",
        "nc:mount-type", "x:unknown")).send();
    assertEquals("application/xml; charset=utf-8", header(r, "Content-Type"));
    Map<String, Map<String, Prop>> ms = multistatus(r);
    String base = "/remote.php/dav/files/alice/" + dir + "/";
    assertEquals(List.of(base, base + "b.bin", base + "sub/"), List.copyOf(ms.keySet()), "the folder itself first");

    Map<String, Prop> folder = ms.get(base);
    assertTrue(NcHttp.isCollection(folder.get("{DAV:}resourcetype")));
    assertEquals(404, folder.get("{DAV:}getcontentlength").status(), "folders have no content length");
    assertEquals("1005", folder.get("{" + OC + "}size").text(), "oc:size of a folder is recursive");
    assertEquals("RGDNVCK", folder.get("{" + OC + "}permissions").text());
    assertEquals(404, folder.get("{urn:example}unknown").status());

    Map<String, Prop> file = ms.get(base + "b.bin");
    String etag = file.get("{DAV:}getetag").text();
    assertTrue(etag.startsWith("\"") && etag.endsWith("\""), "quoted ETag: " + etag);
    assertEquals("1000", file.get("{DAV:}getcontentlength").text());
    assertEquals("RGDNVW", file.get("{" + OC + "}permissions").text());
    assertTrue(file.get("{DAV:}getlastmodified").text().matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"));
    long fileId = Long.parseLong(file.get("{" + OC + "}fileid").text());
    assertEquals(server.fileId(dir + "/b.bin"), fileId);
    assertTrue(file.get("{" + OC + "}id").text().matches(String.format("%08d", fileId) + "oc[a-z0-9]{10}"));
    assertEquals(404, file.get("{" + OC + "}checksums").status(), "no checksum without OC-Checksum");
    assertEquals(200, file.get("{" + OC + "}share-types").status());
    assertEquals("false", file.get("{" + NC + "}has-preview").text());
    assertEquals("", file.get("{" + NC + "}mount-type").text());
    assertTrue(Long.parseLong(file.get("{" + NC + "}upload_time").text()) > 1_600_000_000L);

    Map<String, Prop> a = multistatus(http.files("PROPFIND", dir + "/sub/a.txt").header("Depth", "0")
        .body(propfindBody("oc:checksums", "d:getcontenttype")).send()).values().iterator().next();
    assertEquals("SHA1:abc123", a.get("{" + OC + "}checksums").text());
    assertEquals("text/plain", a.get("{DAV:}getcontenttype").text());

    Map<String, Prop> root = multistatus(http.files("PROPFIND", "").header("Depth", "0")
        .body(propfindBody("oc:data-fingerprint")).send()).values().iterator().next();
    assertEquals(200, root.get("{" + OC + "}data-fingerprint").status());

    // Depth infinity is answered (Nextcloud's default), allprop too.
    assertEquals(4, multistatus(http.files("PROPFIND", dir).header("Depth", "infinity").send()).size());
    // The legacy root serves the same tree.
    Map<String, Map<String, Prop>> legacy = multistatus(http.req("PROPFIND", "/remote.php/webdav/" + dir).header("Depth", "1").send());
    assertTrue(legacy.containsKey("/remote.php/webdav/" + dir + "/b.bin"), legacy.keySet().toString());
  }

  @Test
  void etagsChangeOnEveryChangeAndPropagateToEveryAncestor() throws Exception {
    assertEquals(201, http.files("MKCOL", dir + "/a").send().statusCode());
    assertEquals(201, http.files("MKCOL", dir + "/a/b").send().statusCode());
    assertEquals(201, http.files("MKCOL", dir + "/x").send().statusCode());
    List<String> chain = List.of("", dir, dir + "/a", dir + "/a/b");
    List<String> before = etags(chain);
    String sibling = etag(dir + "/x");

    HttpResponse<byte[]> put = http.files("PUT", dir + "/a/b/f.txt").body("one").send();
    List<String> afterPut = etags(chain);
    for (int i = 0; i < chain.size(); i++) assertNotEquals(before.get(i), afterPut.get(i), "ancestor '" + chain.get(i) + "'");
    assertEquals(sibling, etag(dir + "/x"), "a sibling keeps its ETag");
    String fileEtag = etag(dir + "/a/b/f.txt");
    assertEquals("\"" + fileEtag + "\"", header(put, "OC-ETag"), "the PUT answer carries the ETag the listing shows");
    assertEquals(header(put, "ETag"), header(put, "OC-ETag"));

    http.files("PUT", dir + "/a/b/f.txt").body("two").send();
    assertNotEquals(fileEtag, etag(dir + "/a/b/f.txt"));
    List<String> afterOverwrite = etags(chain);
    for (int i = 0; i < chain.size(); i++) assertNotEquals(afterPut.get(i), afterOverwrite.get(i));

    http.files("DELETE", dir + "/a/b/f.txt").send();
    List<String> afterDelete = etags(chain);
    for (int i = 0; i < chain.size(); i++) assertNotEquals(afterOverwrite.get(i), afterDelete.get(i));
    assertEquals(sibling, etag(dir + "/x"));
  }

  @Test
  void fileIdsStayAcrossMovesAndRenames() throws Exception {
    http.files("MKCOL", dir + "/from").send();
    http.files("MKCOL", dir + "/to").send();
    HttpResponse<byte[]> put = http.files("PUT", dir + "/from/f.txt").body("content").send();
    long id = server.fileId(dir + "/from/f.txt");
    assertTrue(header(put, "OC-FileId").startsWith(String.format("%08d", id)));
    long folderId = server.fileId(dir + "/from");
    String fileEtag = etag(dir + "/from/f.txt");

    HttpResponse<byte[]> move = http.files("MOVE", dir + "/from/f.txt").header("Destination", http.filesUrl(dir + "/to/g.txt")).send();
    assertEquals(201, move.statusCode());
    assertEquals(id, server.fileId(dir + "/to/g.txt"));
    assertEquals(fileEtag, etag(dir + "/to/g.txt"), "a move keeps the node's own ETag");
    assertEquals(-1, server.fileId(dir + "/from/f.txt"));

    assertEquals(201, http.files("MOVE", dir + "/to").header("Destination", http.filesUrl(dir + "/from/inner")).send().statusCode());
    assertEquals(id, server.fileId(dir + "/from/inner/g.txt"), "descendants keep their ids when a folder moves");
    assertEquals(folderId, server.fileId(dir + "/from"));

    assertEquals(201, http.files("COPY", dir + "/from/inner/g.txt").header("Destination", http.filesUrl(dir + "/copy.txt")).send().statusCode());
    assertNotEquals(id, server.fileId(dir + "/copy.txt"), "a copy is a new file");
  }

  @Test
  void outsideChangesOnDiskAreNoticed() throws Exception {
    String rootBefore = etag("");
    Files.writeString(server.filesDir().resolve(dir).resolve("outside.txt"), "written behind the server's back");
    Map<String, Map<String, Prop>> ms = multistatus(http.files("PROPFIND", dir).header("Depth", "1").send());
    assertTrue(ms.containsKey("/remote.php/dav/files/alice/" + dir + "/outside.txt"));
    assertNotEquals(rootBefore, etag(""));
    String etag = etag(dir + "/outside.txt");
    Files.writeString(server.filesDir().resolve(dir).resolve("outside.txt"), "changed behind the server's back!!");
    assertNotEquals(etag, etag(dir + "/outside.txt"));
  }

  // ---- PUT, GET --------------------------------------------------------------------------------------------------

  @Test
  void conditionalRequestsGuardWrites() throws Exception {
    http.files("PUT", dir + "/doc.txt").body("v1").send();
    String etag = etag(dir + "/doc.txt");
    assertEquals(412, http.files("PUT", dir + "/doc.txt").header("If-Match", "\"stale\"").body("v2").send().statusCode());
    assertEquals("v1", Files.readString(disk("doc.txt")));
    assertEquals(412, http.files("PUT", dir + "/doc.txt").header("If-None-Match", "*").body("v2").send().statusCode());
    assertEquals(204, http.files("PUT", dir + "/doc.txt").header("If-Match", "\"" + etag + "\"").body("v2").send().statusCode());
    assertEquals("v2", Files.readString(disk("doc.txt")));
    assertEquals(412, http.files("PUT", dir + "/new.txt").header("If-Match", "\"" + etag + "\"").body("x").send().statusCode(),
        "If-Match on a missing file fails");
    assertEquals(412, http.files("DELETE", dir + "/doc.txt").header("If-Match", "\"" + etag + "\"").send().statusCode());
    assertEquals(412, http.files("PUT", dir + "/doc.txt").header("If", "(<opaquelocktoken:nope>)").body("v3").send().statusCode());
    String current = etag(dir + "/doc.txt");
    assertEquals(204, http.files("PUT", dir + "/doc.txt").header("If", "<" + http.filesUrl(dir + "/doc.txt") + "> ([\"" + current + "\"])")
        .body("v3").send().statusCode());
    assertEquals(204, http.files("DELETE", dir + "/doc.txt").header("If-Match", "\"" + etag(dir + "/doc.txt") + "\"").send().statusCode());
  }

  @Test
  void putHonoursMtimeChecksumAndHash() throws Exception {
    long mtime = 1_700_000_000L;
    HttpResponse<byte[]> r = http.files("PUT", dir + "/m.txt").header("X-OC-MTime", Long.toString(mtime))
        .header("OC-Checksum", "SHA1:0123").header("X-Hash", "sha256").body("payload").send();
    assertEquals(201, r.statusCode());
    assertEquals("accepted", header(r, "X-OC-MTime"));
    assertEquals(sha256Hex("payload".getBytes(StandardCharsets.UTF_8)), header(r, "X-Hash-SHA256"));
    assertNotNull(header(r, "OC-FileId"));
    assertEquals(mtime * 1000, Files.getLastModifiedTime(disk("m.txt")).toMillis());
    Map<String, Prop> props = props(dir + "/m.txt", "d:getlastmodified", "oc:checksums");
    assertEquals("Tue, 14 Nov 2023 22:13:20 GMT", props.get("{DAV:}getlastmodified").text());
    assertEquals("SHA1:0123", props.get("{" + OC + "}checksums").text());

    HttpResponse<byte[]> without = http.files("PUT", dir + "/m.txt").body("payload 2").send();
    assertEquals(204, without.statusCode());
    assertNull(header(without, "X-OC-MTime"), "no header, no acceptance");
    assertEquals(404, props(dir + "/m.txt", "oc:checksums").get("{" + OC + "}checksums").status(),
        "a PUT without OC-Checksum clears the stored checksum");

    assertEquals(400, http.files("PUT", dir + "/m.txt").header("X-OC-MTime", "yesterday").body("x").send().statusCode());
    assertEquals(400, http.files("PUT", dir + "/m.txt").header("X-OC-MTime", "86400").body("x").send().statusCode());
  }

  @Test
  void getServesRangesAndTheListedEtag() throws Exception {
    http.files("PUT", dir + "/r.txt").header("OC-Checksum", "MD5:feed").body("0123456789").send();
    String etag = etag(dir + "/r.txt");
    HttpResponse<byte[]> full = http.files("GET", dir + "/r.txt").send();
    assertEquals(200, full.statusCode());
    assertEquals("0123456789", text(full));
    assertEquals("\"" + etag + "\"", header(full, "ETag"));
    assertEquals("\"" + etag + "\"", header(full, "OC-ETag"));
    assertEquals("MD5:feed", header(full, "OC-Checksum"));

    HttpResponse<byte[]> part = http.files("GET", dir + "/r.txt").header("Range", "bytes=2-5").send();
    assertEquals(206, part.statusCode());
    assertEquals("2345", text(part));
    assertEquals("bytes 2-5/10", header(part, "Content-Range"));
    assertEquals("789", text(http.files("GET", dir + "/r.txt").header("Range", "bytes=-3").send()));
    assertEquals("6789", text(http.files("GET", dir + "/r.txt").header("Range", "bytes=6-").send()));
    assertEquals(416, http.files("GET", dir + "/r.txt").header("Range", "bytes=10-").send().statusCode());
    assertEquals(200, http.files("GET", dir + "/r.txt").header("Range", "bytes=2-5").header("If-Range", "\"old\"").send().statusCode(),
        "a stale If-Range gets the whole file");
    assertEquals(304, http.files("GET", dir + "/r.txt").header("If-None-Match", "\"" + etag + "\"").send().statusCode());
    // HEAD: same headers, no body (akka-http renders no Content-Length on HEAD answers).
    HttpResponse<byte[]> head = http.files("HEAD", dir + "/r.txt").send();
    assertEquals(200, head.statusCode());
    assertEquals("\"" + etag + "\"", header(head, "OC-ETag"));
    assertEquals(0, head.body().length);
    assertEquals(404, http.files("GET", dir + "/missing").send().statusCode());
  }

  @Test
  void namesNextcloudRefusesAreInvalidPath() throws Exception {
    for (String name : List.of("x.part", "back%5Cslash", "ctrl%01char", ".htaccess", "a".repeat(251))) {
      HttpResponse<byte[]> r = http.files("PUT", dir + "/" + name).body("x").send();
      assertEquals(400, r.statusCode(), name);
      assertTrue(text(r).contains("InvalidPath") && text(r).contains("<o:retry"), text(r));
      assertEquals(400, http.files("MKCOL", dir + "/" + name).send().statusCode(), name);
    }
    http.files("PUT", dir + "/ok.txt").body("x").send();
    assertEquals(400, http.files("MOVE", dir + "/ok.txt").header("Destination", http.filesUrl(dir + "/bad.part")).send().statusCode());
    assertEquals(201, http.files("PUT", dir + "/" + "a".repeat(250)).body("x").send().statusCode(), "250 bytes is fine");
  }

  @Test
  void collectionsMovesAndCopiesAnswerLikeSabre() throws Exception {
    assertEquals(201, http.files("MKCOL", dir + "/c").send().statusCode());
    assertEquals(405, http.files("MKCOL", dir + "/c").send().statusCode());
    assertEquals(409, http.files("MKCOL", dir + "/missing/c").send().statusCode());
    assertEquals(409, http.files("PUT", dir + "/missing/f.txt").body("x").send().statusCode());
    assertEquals(201, http.files("PUT", dir + "/auto/a/b/f.txt").header("X-NC-WebDAV-AutoMkcol", "1").body("x").send().statusCode());

    http.files("PUT", dir + "/a.txt").body("A").send();
    http.files("PUT", dir + "/b.txt").body("B").send();
    assertEquals(412, http.files("MOVE", dir + "/a.txt").header("Destination", http.filesUrl(dir + "/b.txt")).header("Overwrite", "F").send().statusCode());
    assertEquals(204, http.files("MOVE", dir + "/a.txt").header("Destination", http.filesUrl(dir + "/b.txt")).send().statusCode());
    assertEquals("A", Files.readString(disk("b.txt")));
    assertEquals(201, http.files("COPY", dir + "/b.txt").header("Destination", http.filesUrl(dir + "/c/b.txt")).send().statusCode());
    assertEquals(409, http.files("MOVE", dir + "/c").header("Destination", http.filesUrl(dir + "/c/inside")).send().statusCode());
    assertEquals(403, http.files("MOVE", dir + "/c").header("Destination", http.filesUrl(dir + "/c")).send().statusCode());
    assertEquals(403, http.files("MOVE", dir + "/c").header("Destination", "http://elsewhere/remote.php/dav/files/bob/c").send().statusCode());
    assertEquals(409, http.files("MOVE", dir + "/c").header("Destination", http.filesUrl(dir + "/nope/c")).send().statusCode());
    assertEquals(404, http.files("DELETE", dir + "/nothing").send().statusCode());
    assertEquals(204, http.files("DELETE", dir + "/c").send().statusCode());
  }

  @Test
  void aBrokenUploadNeverReplacesTheFile() throws Exception {
    http.files("PUT", dir + "/keep.txt").body("original").send();
    // Announce 1000 bytes, send 10, hang up: the body ends short of its Content-Length.
    try (Socket socket = new Socket("127.0.0.1", server.baseUrl().getPort())) {
      OutputStream out = socket.getOutputStream();
      String auth = java.util.Base64.getEncoder().encodeToString(("alice:" + server.appPassword()).getBytes(StandardCharsets.UTF_8));
      out.write(("PUT /remote.php/dav/files/alice/" + dir + "/keep.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic "
          + auth + "\r\nContent-Length: 1000\r\n\r\n0123456789").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      socket.shutdownOutput();
      InputStream in = socket.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 400"), answer);
    }
    assertEquals("original", Files.readString(disk("keep.txt")));
    HttpResponse<byte[]> mismatch = http.files("PUT", dir + "/keep.txt").header("OC-Total-Length", "99").body("short").send();
    assertEquals(400, mismatch.statusCode());
    assertEquals("original", Files.readString(disk("keep.txt")));
    try (var staged = Files.list(server.dataDir().resolve(".staging"))) {
      assertEquals(0, staged.count(), "no temp file left behind");
    }
  }

  // ---- Chunked upload v2 -------------------------------------------------------------------------------------------

  @Test
  void chunkedUploadAssemblesInOrderAndCanBeResumed() throws Exception {
    byte[] content = random(2 * 5 * MIB + 1234);
    String target = http.filesUrl(dir + "/big.bin");
    String upload = "/remote.php/dav/uploads/alice/" + dir + "-1";
    assertEquals(201, http.req("MKCOL", upload).header("Destination", target)
        .header("OC-Total-Length", Integer.toString(content.length)).send().statusCode());
    // Out of order, and zero-padded as the desktop client names them.
    assertEquals(201, chunk(upload + "/00002", content, 5 * MIB, 10 * MIB, target).statusCode());
    assertEquals(201, chunk(upload + "/00001", content, 0, 5 * MIB, target).statusCode());

    // Resume: the listing shows what arrived.
    Map<String, Map<String, Prop>> listing = multistatus(http.req("PROPFIND", upload).header("Depth", "1")
        .body(propfindBody("d:resourcetype", "d:getcontentlength")).send());
    assertEquals(3, listing.size());
    assertEquals(String.valueOf(5 * MIB), listing.get(upload + "/00001").get("{DAV:}getcontentlength").text());
    assertEquals(201, chunk(upload + "/00003", content, 10 * MIB, content.length, target).statusCode());

    HttpResponse<byte[]> move = http.req("MOVE", upload + "/.file").header("Destination", target)
        .header("OC-Total-Length", Integer.toString(content.length)).header("X-OC-MTime", "1700000000")
        .header("OC-Checksum", "SHA1:cafe").send();
    assertEquals(201, move.statusCode(), text(move));
    assertNotNull(header(move, "OC-FileId"));
    assertEquals("accepted", header(move, "X-OC-MTime"));
    assertEquals(header(move, "OC-ETag"), "\"" + etag(dir + "/big.bin") + "\"");
    assertArrayEquals(sha256(content), sha256(Files.readAllBytes(disk("big.bin"))));
    assertEquals("SHA1:cafe", props(dir + "/big.bin", "oc:checksums").get("{" + OC + "}checksums").text());
    assertEquals(404, http.req("PROPFIND", upload).header("Depth", "0").send().statusCode(), "the upload folder is gone");
    assertEquals(1, server.requests().count("MOVE", "/remote.php/dav/uploads/"));

    // An overwrite guarded by the destination's ETag in an If header.
    String etag = etag(dir + "/big.bin");
    long fileId = server.fileId(dir + "/big.bin");
    String upload2 = "/remote.php/dav/uploads/alice/" + dir + "-2";
    http.req("MKCOL", upload2).header("Destination", target).send();
    chunk(upload2 + "/1", java.util.Arrays.copyOf(content, 100), 0, 100, target);
    assertEquals(412, http.req("MOVE", upload2 + "/.file").header("Destination", target)
        .header("If", "<" + target + "> ([\"stale\"])").send().statusCode());
    assertEquals(207, http.req("PROPFIND", upload2).header("Depth", "1").send().statusCode(), "a refused MOVE keeps the chunks");
    assertEquals(412, http.req("MOVE", upload2 + "/.file").header("Destination", target)
        .header("If-Match", "\"" + etag + "\"").send().statusCode(), "If-Match applies to the upload folder, never to the target");
    HttpResponse<byte[]> guarded = http.req("MOVE", upload2 + "/.file").header("Destination", target)
        .header("If", "<" + target + "> ([\"" + etag + "\"])").send();
    assertEquals(204, guarded.statusCode());
    assertEquals(fileId, server.fileId(dir + "/big.bin"), "an overwrite keeps the fileid");
    assertEquals(100, Files.size(disk("big.bin")));
  }

  @Test
  void chunkedUploadEnforcesItsLimitsAndCanBeAborted() throws Exception {
    String target = http.filesUrl(dir + "/f.bin");
    String upload = "/remote.php/dav/uploads/alice/" + dir + "-a";
    byte[] content = random(3000);
    assertEquals(201, http.req("MKCOL", upload).header("Destination", target).send().statusCode());
    assertEquals(405, http.req("MKCOL", upload).header("Destination", target).send().statusCode());
    assertEquals(400, http.req("PUT", upload + "/first").header("Destination", target).body("x").send().statusCode(), "chunk names are numbers");
    chunk(upload + "/1", content, 0, 1000, target);
    chunk(upload + "/2", content, 1000, 3000, target);
    assertEquals(400, http.req("MOVE", upload + "/.file").header("Destination", target).send().statusCode(),
        "a 1000-byte chunk that is not the last is below the 5 MiB minimum");
    assertEquals(409, http.req("PUT", "/remote.php/dav/uploads/alice/nope/1").body("x").send().statusCode());

    assertEquals(204, http.req("DELETE", upload).send().statusCode(), "abort");
    assertEquals(404, http.req("PROPFIND", upload).header("Depth", "1").send().statusCode());
    assertFalse(Files.exists(disk("f.bin")));

    try (NextcloudTestServer small = NextcloudTestServer.start(Options.defaults().withMinChunkSize(100))) {
      NcHttp h = new NcHttp(small);
      String t = small.filesRoot() + "f.bin";
      assertEquals(201, h.req("MKCOL", "/remote.php/dav/uploads/alice/u").header("Destination", t).send().statusCode());
      assertEquals(201, h.req("PUT", "/remote.php/dav/uploads/alice/u/1").header("Destination", t).header("OC-Total-Length", "3000")
          .body(java.util.Arrays.copyOfRange(content, 0, 1000)).send().statusCode());
      assertEquals(201, h.req("PUT", "/remote.php/dav/uploads/alice/u/2").header("Destination", t).header("OC-Total-Length", "3000")
          .body(java.util.Arrays.copyOfRange(content, 1000, 3000)).send().statusCode());
      assertEquals(400, h.req("MOVE", "/remote.php/dav/uploads/alice/u/.file").header("Destination", t)
          .header("OC-Total-Length", "2999").send().statusCode(), "OC-Total-Length must match the chunks");
      assertEquals(201, h.req("MOVE", "/remote.php/dav/uploads/alice/u/.file").header("Destination", t)
          .header("OC-Total-Length", "3000").send().statusCode());
      assertArrayEquals(content, Files.readAllBytes(small.filesDir().resolve("f.bin")));
    }
  }

  // ---- Bulk upload -------------------------------------------------------------------------------------------------

  @Test
  void bulkUploadAnswersPerFileAndStopsAtABadHash() throws Exception {
    String boundary = "boundary_" + dir;
    byte[] good = "good content".getBytes(StandardCharsets.UTF_8);
    List<byte[]> parts = new ArrayList<>();
    parts.add(part(boundary, "/" + dir + "/one.txt", good, md5Hex(good), "1700000000"));
    parts.add(part(boundary, dir + "/missing/two.txt", good, md5Hex(good), null));
    parts.add(part(boundary, "/" + dir + "/three.txt", good, "SHA256:" + sha256Hex(good), null));
    HttpResponse<byte[]> ok = bulk(boundary, parts);
    assertEquals(200, ok.statusCode(), text(ok));
    JsonNode answer = JSON.readTree(ok.body());
    JsonNode one = answer.get("/" + dir + "/one.txt");
    assertFalse(one.get("error").asBoolean());
    assertEquals(etag(dir + "/one.txt"), one.get("etag").asText());
    assertTrue(one.get("fileid").asText().startsWith(String.format("%08d", server.fileId(dir + "/one.txt"))));
    assertEquals("RGDNVW", one.get("permissions").asText());
    assertEquals(1_700_000_000_000L, Files.getLastModifiedTime(disk("one.txt")).toMillis());
    assertTrue(answer.get(dir + "/missing/two.txt").get("error").asBoolean(), "keyed by X-File-Path as sent");
    assertTrue(answer.get(dir + "/missing/two.txt").has("message"));
    assertFalse(answer.get("/" + dir + "/three.txt").get("error").asBoolean());

    // As Nextcloud's parser does: a part whose hash does not match ends the request with 400; parts before it stay.
    List<byte[]> bad = new ArrayList<>();
    bad.add(part(boundary, "/" + dir + "/four.txt", good, md5Hex(good), null));
    bad.add(part(boundary, "/" + dir + "/five.txt", good, md5Hex("other".getBytes(StandardCharsets.UTF_8)), null));
    bad.add(part(boundary, "/" + dir + "/six.txt", good, md5Hex(good), null));
    HttpResponse<byte[]> refused = bulk(boundary, bad);
    assertEquals(400, refused.statusCode());
    JsonNode partial = JSON.readTree(refused.body());
    assertFalse(partial.get("/" + dir + "/four.txt").get("error").asBoolean());
    assertFalse(partial.has("/" + dir + "/five.txt"));
    assertTrue(Files.exists(disk("four.txt")));
    assertFalse(Files.exists(disk("five.txt")));
    assertFalse(Files.exists(disk("six.txt")));
  }

  // ---- Versions, trashbin ------------------------------------------------------------------------------------------

  @Test
  void overwritesKeepVersionsThatCanBeListedDownloadedAndRestored() throws Exception {
    http.files("PUT", dir + "/v.txt").header("X-OC-MTime", "1700000001").body("first").send();
    http.files("PUT", dir + "/v.txt").header("X-OC-MTime", "1700000002").body("second!").send();
    http.files("PUT", dir + "/v.txt").header("X-OC-MTime", "1700000003").body("third").send();
    long id = server.fileId(dir + "/v.txt");
    String versions = "/remote.php/dav/versions/alice/versions/" + id;
    Map<String, Map<String, Prop>> ms = multistatus(http.req("PROPFIND", versions).header("Depth", "1")
        .body(propfindBody("d:getcontentlength", "d:getlastmodified", "d:getetag", "nc:version-label")).send());
    assertEquals(List.of(versions + "/", versions + "/1700000001", versions + "/1700000002"), List.copyOf(ms.keySet()));
    assertEquals("7", ms.get(versions + "/1700000002").get("{DAV:}getcontentlength").text());
    assertEquals("first", http.req("GET", versions + "/1700000001").text());

    HttpResponse<byte[]> restore = http.req("MOVE", versions + "/1700000001")
        .header("Destination", server.baseUrl() + "remote.php/dav/versions/alice/restore/target").send();
    assertEquals(201, restore.statusCode());
    assertEquals("first", Files.readString(disk("v.txt")));
    assertEquals(id, server.fileId(dir + "/v.txt"));
    assertEquals(1_700_000_001_000L, Files.getLastModifiedTime(disk("v.txt")).toMillis());
    Map<String, Map<String, Prop>> after = multistatus(http.req("PROPFIND", versions).header("Depth", "1").send());
    assertEquals(List.of(versions + "/", versions + "/1700000002", versions + "/1700000003"), List.copyOf(after.keySet()),
        "the replaced content became a version, the restored one left the list");
    assertEquals(404, http.req("PROPFIND", "/remote.php/dav/versions/alice/versions/999999").send().statusCode());
  }

  @Test
  void deletedItemsGoToTheTrashbinAndComeBack() throws Exception {
    http.files("MKCOL", dir + "/folder").send();
    http.files("PUT", dir + "/folder/inner.txt").body("inner").send();
    http.files("PUT", dir + "/f.txt").body("file").send();
    long fileId = server.fileId(dir + "/f.txt");
    assertEquals(204, http.files("DELETE", dir + "/f.txt").send().statusCode());
    assertEquals(204, http.files("DELETE", dir + "/folder").send().statusCode());

    String trash = "/remote.php/dav/trashbin/alice/trash";
    Map<String, Map<String, Prop>> ms = multistatus(http.req("PROPFIND", trash).header("Depth", "1")
        .body(propfindBody("nc:trashbin-filename", "nc:trashbin-original-location", "nc:trashbin-deletion-time",
            "nc:trashbin-deleted-by-id", "oc:fileid", "d:resourcetype")).send());
    String fileHref = null;
    String folderHref = null;
    for (var e : ms.entrySet()) {
      Prop location = e.getValue().get("{" + NC + "}trashbin-original-location");
      if (location == null || location.status() != 200) continue;
      if (location.text().equals(dir + "/f.txt")) fileHref = e.getKey();
      if (location.text().equals(dir + "/folder")) folderHref = e.getKey();
    }
    assertNotNull(fileHref, ms.keySet().toString());
    assertNotNull(folderHref);
    assertTrue(fileHref.matches(".*/f\\.txt\\.d\\d+"), fileHref);
    Map<String, Prop> item = ms.get(fileHref);
    assertEquals("f.txt", item.get("{" + NC + "}trashbin-filename").text());
    assertEquals("alice", item.get("{" + NC + "}trashbin-deleted-by-id").text());
    assertEquals(String.valueOf(fileId), item.get("{" + OC + "}fileid").text());
    assertTrue(Long.parseLong(item.get("{" + NC + "}trashbin-deletion-time").text()) > 1_600_000_000L);
    assertEquals(2, multistatus(http.req("PROPFIND", folderHref).header("Depth", "1").send()).size(), "a trashed folder lists its content");

    String name = fileHref.substring(fileHref.lastIndexOf('/') + 1);
    http.files("PUT", dir + "/f.txt").body("a new file took the name").send();
    assertEquals(201, http.req("MOVE", fileHref).header("Destination", server.baseUrl() + "remote.php/dav/trashbin/alice/restore/" + name).send().statusCode());
    assertEquals("file", Files.readString(disk("f (restored).txt")));
    assertEquals(fileId, server.fileId(dir + "/f (restored).txt"), "a restore keeps the fileid");

    assertEquals(204, http.req("DELETE", folderHref).send().statusCode(), "purge one");
    assertEquals(404, http.req("PROPFIND", folderHref).send().statusCode());
    http.files("DELETE", dir + "/f.txt").send();
    assertEquals(204, http.req("DELETE", trash).send().statusCode(), "empty the trashbin");
    assertEquals(1, multistatus(http.req("PROPFIND", trash).header("Depth", "1").send()).size());
  }

  // ---- Activity ----------------------------------------------------------------------------------------------------

  @Test
  void activityStreamPagesAndEndsWithNotModified() throws Exception {
    String url = "/ocs/v2.php/apps/activity/api/v2/activity/files?format=json&sort=asc&limit=2&since=";
    long since = lastActivityId();
    http.files("PUT", dir + "/a.txt").body("a").send();
    http.files("PUT", dir + "/a.txt").body("a2").send();
    http.files("MOVE", dir + "/a.txt").header("Destination", http.filesUrl(dir + "/b.txt")).send();
    http.files("DELETE", dir + "/b.txt").send();
    List<JsonNode> seen = new ArrayList<>();
    String next = url + since;
    for (int page = 0; page < 10; page++) {
      HttpResponse<byte[]> r = http.req("GET", next).header("OCS-APIRequest", "true").send();
      if (r.statusCode() == 304) break;
      assertEquals(200, r.statusCode(), text(r));
      JsonNode data = JSON.readTree(r.body()).at("/ocs/data");
      assertTrue(data.size() <= 2);
      data.forEach(seen::add);
      String lastGiven = header(r, "X-Activity-Last-Given");
      assertEquals(data.get(data.size() - 1).get("activity_id").asText(), lastGiven);
      String link = header(r, "Link");
      assertTrue(link.endsWith(">; rel=\"next\"") && link.contains("since=" + lastGiven), link);
      next = link.substring(link.indexOf('<') + 1, link.indexOf('>'));
    }
    assertEquals(List.of("file_created", "file_changed", "file_changed", "file_deleted"),
        seen.stream().map(a -> a.get("type").asText()).toList());
    long fileId = seen.get(0).get("object_id").asLong();
    for (JsonNode a : seen) {
      assertEquals("files", a.get("object_type").asText());
      assertEquals("alice", a.get("user").asText());
      assertEquals(fileId, a.get("object_id").asLong());
      assertTrue(a.get("objects").has(Long.toString(fileId)));
      assertTrue(a.has("datetime"));
    }
    assertEquals("/" + dir + "/a.txt", seen.get(0).get("object_name").asText());
    assertEquals("/" + dir + "/b.txt", seen.get(2).get("object_name").asText(), "a move names the new path");
    assertTrue(seen.get(2).get("subject").asText().contains("renamed"));
    assertEquals(304, http.req("GET", url + lastActivityId()).header("OCS-APIRequest", "true").send().statusCode());
  }

  // ---- files_lock --------------------------------------------------------------------------------------------------

  @Test
  void filesLockLocksAndOtherUsersLocksBlockWrites() throws Exception {
    http.files("PUT", dir + "/l.txt").body("x").send();
    HttpResponse<byte[]> lock = http.files("LOCK", dir + "/l.txt").header("X-User-Lock", "1").send();
    assertEquals(200, lock.statusCode(), text(lock));
    assertTrue(text(lock).contains("<nc:lock>1</nc:lock>"), text(lock));
    assertEquals("1", props(dir + "/l.txt", "nc:lock", "nc:lock-owner").get("{" + NC + "}lock").text());
    assertEquals(204, http.files("PUT", dir + "/l.txt").body("mine").send().statusCode(), "the owner may write");
    assertEquals(200, http.files("UNLOCK", dir + "/l.txt").header("X-User-Lock", "1").send().statusCode());
    assertEquals(412, http.files("UNLOCK", dir + "/l.txt").header("X-User-Lock", "1").send().statusCode());

    server.lockByOtherUser(dir + "/l.txt", "bob");
    assertEquals(423, http.files("PUT", dir + "/l.txt").body("theirs").send().statusCode());
    assertEquals(423, http.files("DELETE", dir + "/l.txt").send().statusCode());
    assertEquals(423, http.files("LOCK", dir + "/l.txt").header("X-User-Lock", "1").send().statusCode());
  }

  // ---- Faults ------------------------------------------------------------------------------------------------------

  @Test
  void errorRateAnswers500ButNeverOnStatusPhp() throws Exception {
    server.faults().errorRate(1.0);
    assertEquals(500, http.files("PROPFIND", dir).header("Depth", "0").send().statusCode());
    assertEquals(200, http.req("GET", "/status.php").send().statusCode());
    server.faults().clear();
    assertEquals(207, http.files("PROPFIND", dir).header("Depth", "0").send().statusCode());
  }

  @Test
  void resetRateDropsTheAnswerAfterTheChangeLanded() throws Exception {
    http.files("PUT", dir + "/big.txt").body(random(100_000)).send();
    server.faults().resetRate(1.0);
    assertThrows(IOException.class, () -> http.files("GET", dir + "/big.txt").send(), "cut off in the body");
    assertThrows(IOException.class, () -> http.files("PUT", dir + "/landed.txt").body("x").send(), "no answer at all");
    assertTrue(server.requests().entries().stream().anyMatch(e -> e.reset()));
    server.faults().clear();
    assertEquals("x", Files.readString(disk("landed.txt")), "the PUT happened, only its answer was lost");
  }

  @Test
  void latencyDelaysEveryRequest() throws Exception {
    server.faults().latency(Duration.ofMillis(300));
    long start = System.nanoTime();
    http.files("PROPFIND", dir).header("Depth", "0").send();
    assertTrue((System.nanoTime() - start) / 1_000_000 >= 300);
  }

  @Test
  void throttleAndServiceUnavailableCarryRetryAfter() throws Exception {
    server.faults().throttle(2, 7);
    for (int i = 0; i < 2; i++) {
      HttpResponse<byte[]> r = http.files("PROPFIND", dir).header("Depth", "0").send();
      assertEquals(429, r.statusCode());
      assertEquals("7", header(r, "Retry-After"));
    }
    assertEquals(207, http.files("PROPFIND", dir).header("Depth", "0").send().statusCode());
    server.faults().serviceUnavailable(1, 3);
    HttpResponse<byte[]> r = http.req("GET", "/ocs/v2.php/cloud/capabilities?format=json").header("OCS-APIRequest", "true").send();
    assertEquals(503, r.statusCode());
    assertEquals("3", header(r, "Retry-After"));
    assertEquals(200, http.req("GET", "/ocs/v2.php/cloud/capabilities?format=json").header("OCS-APIRequest", "true").send().statusCode());
  }

  @Test
  void quotaRefusesUploadsWith507() throws Exception {
    HttpResponse<byte[]> user = http.req("GET", "/ocs/v1.php/cloud/user?format=json").header("OCS-APIRequest", "true").send();
    long used = JSON.readTree(user.body()).at("/ocs/data/quota/used").asLong();
    server.faults().quotaBytes(used + 100);
    assertEquals(201, http.files("PUT", dir + "/small.txt").body(new byte[50]).send().statusCode());
    assertEquals(507, http.files("PUT", dir + "/large.txt").body(new byte[51]).send().statusCode());
    assertEquals(507, http.req("MKCOL", "/remote.php/dav/uploads/alice/" + dir + "-q").header("Destination", http.filesUrl(dir + "/q"))
        .header("OC-Total-Length", "1000").send().statusCode());
    assertEquals("50", props("", "d:quota-available-bytes").get("{DAV:}quota-available-bytes").text());
    assertFalse(Files.exists(disk("large.txt")));
  }

  @Test
  void maintenanceModeShowsInStatusAndStopsDavAndOcs() throws Exception {
    server.faults().maintenance(true);
    assertTrue(JSON.readTree(http.req("GET", "/status.php").send().body()).get("maintenance").asBoolean());
    assertEquals(503, http.files("PROPFIND", dir).header("Depth", "0").send().statusCode());
    assertEquals(503, http.req("GET", "/ocs/v1.php/cloud/capabilities?format=json").header("OCS-APIRequest", "true").send().statusCode());
    server.faults().maintenance(false);
    assertFalse(JSON.readTree(http.req("GET", "/status.php").send().body()).get("maintenance").asBoolean());
  }

  @Test
  void chunkAssemblyFaultsBendTheRules() throws Exception {
    String target = http.filesUrl(dir + "/c.bin");
    String upload = "/remote.php/dav/uploads/alice/" + dir + "-f";
    http.req("MKCOL", upload).header("Destination", target).send();
    chunk(upload + "/1", "abc".getBytes(StandardCharsets.UTF_8), 0, 3, target);

    server.faults().moveLocked(2);
    assertEquals(423, http.req("MOVE", upload + "/.file").header("Destination", target).send().statusCode());
    assertEquals(423, http.req("MOVE", upload + "/.file").header("Destination", target).send().statusCode());

    server.faults().moveFailsInBody(true);
    HttpResponse<byte[]> failed = http.req("MOVE", upload + "/.file").header("Destination", target).send();
    assertEquals(200, failed.statusCode());
    assertNull(header(failed, "OC-FileId"));
    assertTrue(text(failed).contains("<d:error"));
    assertFalse(Files.exists(disk("c.bin")), "nothing landed");
    server.faults().moveFailsInBody(false);

    server.faults().moveWithoutHeaders(true);
    HttpResponse<byte[]> bent = http.req("MOVE", upload + "/.file").header("Destination", target).send();
    assertEquals(200, bent.statusCode());
    assertNull(header(bent, "OC-FileId"));
    assertNull(header(bent, "OC-ETag"));
    assertEquals("abc", Files.readString(disk("c.bin")), "but it landed");
  }

  @Test
  void bruteForceProtectionThrottlesEveryoneUntilCleared() throws Exception {
    server.faults().bruteForceThreshold(2);
    NcHttp wrong = new NcHttp(server, "alice", "guess");
    assertEquals(401, wrong.files("PROPFIND", "").send().statusCode());
    assertEquals(401, wrong.files("PROPFIND", "").send().statusCode());
    assertEquals(429, http.files("PROPFIND", dir).header("Depth", "0").send().statusCode(), "even the right password");
    JsonNode caps = JSON.readTree(http.req("GET", "/status.php").send().body());
    assertFalse(caps.get("maintenance").asBoolean());
    server.faults().clear();
    assertEquals(207, http.files("PROPFIND", dir).header("Depth", "0").send().statusCode());
  }

  @Test
  void requestLogCountsEveryRequest() throws Exception {
    http.files("PROPFIND", dir).header("Depth", "0").send();
    http.files("PUT", dir + "/a").body("a").send();
    http.files("PUT", dir + "/b").body("b").send();
    http.req("GET", "/status.php").send();
    assertEquals(4, server.requests().count());
    assertEquals(2, server.requests().count("PUT"));
    assertEquals(1, server.requests().count("GET", "/status.php"));
    var last = server.requests().entries().get(3);
    assertEquals("GET", last.method());
    assertEquals(200, last.status());
    server.requests().reset();
    assertEquals(0, server.requests().count());
  }

  @Test
  void aKeptDataFolderKeepsFileIdsAndEtagsAcrossRestarts(@TempDir Path data) throws Exception {
    Options options = Options.defaults().withDataDir(data);
    long id;
    String etag;
    String rootEtag;
    try (NextcloudTestServer first = NextcloudTestServer.start(options)) {
      NcHttp h = new NcHttp(first);
      h.files("MKCOL", "keep").send();
      h.files("PUT", "keep/f.txt").body("x").send();
      h.files("PUT", "keep/f.txt").body("xy").send();
      id = first.fileId("keep/f.txt");
      etag = first.etag("keep/f.txt");
      rootEtag = first.etag("");
    }
    try (NextcloudTestServer second = NextcloudTestServer.start(options)) {
      assertEquals(id, second.fileId("keep/f.txt"));
      assertEquals(etag, second.etag("keep/f.txt"));
      assertEquals(rootEtag, second.etag(""));
      assertEquals(207, new NcHttp(second).req("PROPFIND", "/remote.php/dav/versions/alice/versions/" + id)
          .header("Depth", "1").send().statusCode());
      assertEquals("xy", Files.readString(second.filesDir().resolve("keep/f.txt")));
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------------------------

  private Path disk(String name) {
    return server.filesDir().resolve(dir).resolve(name);
  }

  private static String etag(String path) throws Exception {
    Map<String, Prop> p = props(path, "d:getetag");
    String quoted = p.get("{DAV:}getetag").text();
    return quoted.substring(1, quoted.length() - 1);
  }

  private static List<String> etags(List<String> paths) throws Exception {
    List<String> out = new ArrayList<>();
    for (String p : paths) out.add(etag(p));
    return out;
  }

  private static Map<String, Prop> props(String path, String... names) throws Exception {
    return multistatus(http.files("PROPFIND", path).header("Depth", "0").body(propfindBody(names)).send())
        .values().iterator().next();
  }

  private static HttpResponse<byte[]> chunk(String url, byte[] content, int from, int to, String destination) throws Exception {
    return http.req("PUT", url).header("Destination", destination).header("OC-Total-Length", Integer.toString(content.length))
        .body(java.util.Arrays.copyOfRange(content, from, to)).send();
  }

  private static byte[] part(String boundary, String path, byte[] content, String hash, String mtime) {
    StringBuilder head = new StringBuilder("--").append(boundary).append("\r\n")
        .append("X-File-Path: ").append(path).append("\r\n")
        .append("Content-Length: ").append(content.length).append("\r\n");
    if (hash.contains(":")) head.append("OC-Checksum: ").append(hash).append("\r\n");
    else head.append("X-File-MD5: ").append(hash).append("\r\n");
    if (mtime != null) head.append("X-File-Mtime: ").append(mtime).append("\r\n");
    head.append("\r\n");
    byte[] h = head.toString().getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[h.length + content.length + 2];
    System.arraycopy(h, 0, out, 0, h.length);
    System.arraycopy(content, 0, out, h.length, content.length);
    out[out.length - 2] = '\r';
    out[out.length - 1] = '\n';
    return out;
  }

  private static HttpResponse<byte[]> bulk(String boundary, List<byte[]> parts) throws Exception {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) body.write(p);
    body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return http.req("POST", "/remote.php/dav/bulk").header("Content-Type", "multipart/related; boundary=" + boundary)
        .body(body.toByteArray()).send();
  }

  private static long lastActivityId() throws Exception {
    HttpResponse<byte[]> r = http.req("GET", "/ocs/v2.php/apps/activity/api/v2/activity/files?format=json&limit=1")
        .header("OCS-APIRequest", "true").send();
    if (r.statusCode() == 304) return 0;
    return JSON.readTree(r.body()).at("/ocs/data/0/activity_id").asLong();
  }

  private static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }

  private static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }

  private static String sha256Hex(byte[] data) throws Exception {
    return HexFormat.of().formatHex(sha256(data));
  }

  private static String md5Hex(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
  }
}
