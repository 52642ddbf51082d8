package io.ncsync.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MultistatusParserTest {
  private static final String NC_ROOT = "/remote.php/dav/files/alice/";
  private static final String DAV_ROOT = "/dav/";

  /** What Nextcloud (sabre/dav) answers: quoted ETags, oc: properties, unknown ones in a 404 propstat. */
  private static final String NEXTCLOUD = """
      <?xml version="1.0"?>
      <d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
       <d:response>
        <d:href>/remote.php/dav/files/alice/Docs/</d:href>
        <d:propstat>
         <d:prop>
          <d:getetag>&quot;6436d084d4805&quot;</d:getetag>
          <d:getlastmodified>Wed, 12 Apr 2023 15:00:20 GMT</d:getlastmodified>
          <d:resourcetype><d:collection/></d:resourcetype>
          <oc:fileid>123</oc:fileid>
          <oc:permissions>RGDNVCK</oc:permissions>
          <oc:size>1004</oc:size>
          <oc:data-fingerprint>8a9f0c1d</oc:data-fingerprint>
         </d:prop>
         <d:status>HTTP/1.1 200 OK</d:status>
        </d:propstat>
        <d:propstat>
         <d:prop><d:getcontentlength/><oc:checksums/></d:prop>
         <d:status>HTTP/1.1 404 Not Found</d:status>
        </d:propstat>
       </d:response>
       <d:response>
        <d:href>/remote.php/dav/files/alice/Docs/Report%202023%20%C3%BC.pdf</d:href>
        <d:propstat>
         <d:prop>
          <d:getetag>&quot;a1b2c3-gzip&quot;</d:getetag>
          <d:getlastmodified>Thu, 13 Apr 2023 08:01:02 GMT</d:getlastmodified>
          <d:getcontentlength>1000</d:getcontentlength>
          <d:resourcetype/>
          <oc:fileid>124</oc:fileid>
          <oc:permissions>RGDNVW</oc:permissions>
          <oc:size>1000</oc:size>
          <oc:checksums><oc:checksum>SHA1:da39a3ee5e6b4b0d3255bfef95601890afd80709 MD5:d41d8cd98f00b204e9800998ecf8427e</oc:checksum></oc:checksums>
         </d:prop>
         <d:status>HTTP/1.1 200 OK</d:status>
        </d:propstat>
       </d:response>
       <d:response>
        <d:href>/remote.php/dav/files/alice/Docs/Sub%20Folder/</d:href>
        <d:propstat>
         <d:prop>
          <d:getetag>&quot;6436d084d0000&quot;</d:getetag>
          <d:resourcetype><d:collection/></d:resourcetype>
          <oc:fileid>125</oc:fileid>
          <oc:size>4</oc:size>
         </d:prop>
         <d:status>HTTP/1.1 200 OK</d:status>
        </d:propstat>
        <d:propstat>
         <d:prop><d:getcontentlength/><oc:checksums/></d:prop>
         <d:status>HTTP/1.1 404 Not Found</d:status>
        </d:propstat>
       </d:response>
      </d:multistatus>
      """;

  /** What Apache mod_dav answered in AkkaHttpRemoteStoreApacheTest's server: prefixes per response, weak ETags. */
  private static final String MOD_DAV = """
      <?xml version="1.0" encoding="utf-8"?>
      <D:multistatus xmlns:D="DAV:" xmlns:ns1="http://owncloud.org/ns" xmlns:ns0="DAV:">
      <D:response xmlns:lp1="DAV:" xmlns:lp2="http://apache.org/dav/props/" xmlns:g0="DAV:" xmlns:g1="http://owncloud.org/ns">
      <D:href>/dav/sub/</D:href>
      <D:propstat>
      <D:prop>
      <lp1:getetag>W/"1000-660d8bc53171c"</lp1:getetag>
      <lp1:getlastmodified>Sun, 22 Nov 2026 07:50:49 GMT</lp1:getlastmodified>
      <lp1:resourcetype><D:collection/></lp1:resourcetype>
      </D:prop>
      <D:status>HTTP/1.1 200 OK</D:status>
      </D:propstat>
      <D:propstat>
      <D:prop>
      <g0:getcontentlength/>
      <g1:fileid/>
      <g1:size/>
      </D:prop>
      <D:status>HTTP/1.1 404 Not Found</D:status>
      </D:propstat>
      </D:response>
      <D:response xmlns:lp1="DAV:" xmlns:lp2="http://apache.org/dav/props/" xmlns:g0="http://owncloud.org/ns">
      <D:href>/dav/sub/a%20b.txt</D:href>
      <D:propstat>
      <D:prop>
      <lp1:getetag>"3-660d8bc53171c"</lp1:getetag>
      <lp1:getlastmodified>Sun, 22 Nov 2026 07:50:49 GMT</lp1:getlastmodified>
      <lp1:getcontentlength>3</lp1:getcontentlength>
      <lp1:resourcetype/>
      </D:prop>
      <D:status>HTTP/1.1 200 OK</D:status>
      </D:propstat>
      <D:propstat>
      <D:prop>
      <g0:fileid/>
      <g0:size/>
      </D:prop>
      <D:status>HTTP/1.1 404 Not Found</D:status>
      </D:propstat>
      </D:response>
      </D:multistatus>
      """;

  @Test
  void readsNextcloudListing() {
    Listing listing = parse(NEXTCLOUD, NC_ROOT, "Docs");

    DavEntry self = listing.self();
    assertEquals("Docs", self.path());
    assertTrue(self.collection());
    assertEquals("6436d084d4805", self.etag());
    assertEquals(1004, self.size());
    assertEquals(Instant.parse("2023-04-12T15:00:20Z"), self.lastModified());
    assertEquals("123", self.fileId());
    assertEquals("RGDNVCK", self.permissions());
    assertEquals("8a9f0c1d", self.dataFingerprint(), "a change of it tells a restore from backup");

    assertEquals(2, listing.children().size());
    DavEntry file = listing.children().get(0);
    assertEquals("Docs/Report 2023 ü.pdf", file.path());
    assertFalse(file.collection());
    assertEquals("a1b2c3", file.etag(), "quotes and -gzip stripped");
    assertEquals(1000, file.size());
    assertEquals("124", file.fileId());
    assertEquals("SHA1:da39a3ee5e6b4b0d3255bfef95601890afd80709", file.checksum());

    DavEntry folder = listing.children().get(1);
    assertEquals("Docs/Sub Folder", folder.path());
    assertTrue(folder.collection());
    assertEquals(4, folder.size(), "oc:size gives a folder's recursive size");
    assertNull(folder.dataFingerprint(), "not offered");
    assertEquals("", parse(NEXTCLOUD.replace("<oc:data-fingerprint>8a9f0c1d</oc:data-fingerprint>",
        "<oc:data-fingerprint/>"), NC_ROOT, "Docs").self().dataFingerprint(),
        "offered but not set yet: a value, whose change to a set one is a restore");
    assertNull(folder.lastModified());
  }

  @Test
  void readsModDavListingAndIgnores404Propstats() {
    Listing listing = parse(MOD_DAV, DAV_ROOT, "sub");

    assertEquals("sub", listing.self().path());
    assertTrue(listing.self().collection());
    assertEquals("1000-660d8bc53171c", listing.self().etag(), "W/ stripped");
    assertEquals(-1, listing.self().size(), "no oc:size on plain WebDAV");
    assertNull(listing.self().fileId(), "empty elements of the 404 propstat are not values");

    DavEntry file = listing.children().get(0);
    assertEquals("sub/a b.txt", file.path());
    assertEquals("a b.txt", file.name());
    assertEquals(3, file.size());
    assertEquals("3-660d8bc53171c", file.etag());
    assertNull(file.fileId());
    assertNull(file.permissions());
    assertNull(file.checksum());
  }

  @Test
  void acceptsAbsoluteUrlsAndFoldersWithoutTrailingSlash() {
    String body = multistatus(
        response("https://cloud.example.com/dav/", "\"r\"", true),
        response("https://cloud.example.com:8443/dav/child", "\"c\"", true),
        response("/dav/file.txt", "\"f\"", false));
    Listing listing = parse(body, DAV_ROOT, "");
    assertEquals("", listing.self().path());
    assertEquals(List.of("child", "file.txt"), listing.children().stream().map(DavEntry::path).toList());
  }

  @Test
  void comparesHrefsDecodedSoEncodingVariantsOfTheRootMatch() {
    String body = multistatus(
        response("/remote.php/dav/files/bob%40example.com/", "\"r\"", true),
        response("/remote.php/dav/files/bob@example.com/%C3%A9t%C3%A9.txt", "\"f\"", false));
    Listing listing = parse(body, "/remote.php/dav/files/bob@example.com/", "");
    assertEquals("été.txt", listing.children().get(0).path());
  }

  @Test
  void keepsReservedCharactersOfNames() {
    String body = multistatus(
        response("/dav/", "\"r\"", true),
        response("/dav/a%23b%3Fc%25d%2Be&amp;f.txt", "\"f\"", false));
    assertEquals("a#b?c%d+e&f.txt", parse(body, DAV_ROOT, "").children().get(0).path());
  }

  @Test
  void depthZeroOfAFileGivesTheFileAsSelf() {
    String body = multistatus(response("/dav/a/b.txt", "\"x\"", false));
    Listing listing = parse(body, DAV_ROOT, "a/b.txt");
    assertEquals("a/b.txt", listing.self().path());
    assertTrue(listing.children().isEmpty());
  }

  @Test
  void manyPredefinedEntitiesAreFine() {
    StringBuilder body = new StringBuilder("<d:multistatus xmlns:d=\"DAV:\">");
    body.append(response("/dav/", "&quot;r&quot;", true));
    for (int i = 0; i < 20_000; i++) body.append(response("/dav/f" + i + "&amp;x", "&quot;e" + i + "&quot;", false));
    body.append("</d:multistatus>");
    Listing listing = parse(body.toString(), DAV_ROOT, "");
    assertEquals(20_000, listing.children().size());
    assertEquals("f19999&x", listing.children().get(19_999).path());
    assertEquals("e19999", listing.children().get(19_999).etag());
  }

  @Test
  void missingEtagIsMalformedAndNamesTheHref() {
    String body = multistatus(response("/dav/", "\"r\"", true), response("/dav/no-etag.txt", null, false));
    DavException e = assertFails(DavError.MALFORMED_RESPONSE, body, DAV_ROOT, "");
    assertTrue(e.getMessage().contains("/dav/no-etag.txt"), e.getMessage());
  }

  @Test
  void etagOnlyIn404PropstatCountsAsMissing() {
    String body = """
        <d:multistatus xmlns:d="DAV:"><d:response><d:href>/dav/</d:href>
        <d:propstat><d:prop><d:getetag>"x"</d:getetag></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
        </d:response></d:multistatus>""";
    assertFails(DavError.MALFORMED_RESPONSE, body, DAV_ROOT, "");
  }

  @Test
  void missingSelfIsMalformed() {
    assertFails(DavError.MALFORMED_RESPONSE, multistatus(response("/dav/x/a/b", "\"b\"", false)), DAV_ROOT, "x/a");
  }

  @Test
  void duplicateEntriesAreMalformed() {
    String body = multistatus(response("/dav/", "\"r\"", true), response("/dav/a", "\"1\"", false),
        response("/dav/a", "\"2\"", false));
    assertFails(DavError.MALFORMED_RESPONSE, body, DAV_ROOT, "");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "not xml at all",
      "<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>/dav/</d:href>",
      "<d:multistatus xmlns:d=\"DAV:\"><d:response></d:multistatus>",
      "<html><body>Login</body></html>",
      "<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>/dav/</d:href><d:propstat><d:prop><d:getetag>\"a\"</d:getetag>"
          + "<d:getcontentlength>12x</d:getcontentlength></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
          + "</d:response></d:multistatus>",
      "<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>/dav/%zz</d:href></d:response></d:multistatus>",
  })
  void malformedBodiesAreRejected(String body) {
    assertFails(DavError.MALFORMED_RESPONSE, body, DAV_ROOT, "");
  }

  @Test
  void externalEntityIsRefusedWithoutReadingTheFile() {
    String body = """
        <?xml version="1.0"?>
        <!DOCTYPE d:multistatus [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
        <d:multistatus xmlns:d="DAV:"><d:response><d:href>/dav/&xxe;</d:href>
        <d:propstat><d:prop><d:getetag>"a"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
        </d:response></d:multistatus>""";
    DavException e = assertFails(DavError.MALFORMED_RESPONSE, body, DAV_ROOT, "");
    assertFalse(e.getMessage().contains("root:"), e.getMessage());
  }

  @Test
  void billionLaughsIsRefusedQuickly() {
    String body = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [
         <!ENTITY lol "lol">
         <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
         <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
         <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
         <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
         <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
         <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
         <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
         <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
        ]>
        <d:multistatus xmlns:d="DAV:"><d:response><d:href>/dav/&lol9;</d:href></d:response></d:multistatus>""";
    assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertFails(DavError.MALFORMED_RESPONSE, body, DAV_ROOT, ""));
  }

  @Test
  void internalDoctypeWithoutEntitiesIsRefusedToo() {
    String body = "<!DOCTYPE d:multistatus><d:multistatus xmlns:d=\"DAV:\"/>";
    assertFails(DavError.MALFORMED_RESPONSE, body, DAV_ROOT, "");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/dav/../etc/passwd",     // climbs out of the folder
      "/dav/a/../../x",
      "/dav//b",                // empty segment
      "/other/x",               // outside the store's root
      "/",
      "/dav-evil/x",
      "/dav/sub/grandchild",    // Depth 1 must name direct children only
  })
  void hrefsNamingOtherPlacesFailTheListing(String href) {
    String body = multistatus(response("/dav/", "\"r\"", true), response(href, "\"h\"", false));
    DavException e = assertFails(DavError.HOSTILE_NAME, body, DAV_ROOT, "");
    assertFalse(e.getMessage().contains("\n"), "message must be printable: " + e.getMessage());
  }

  /** Each child name no local file can have costs that entry only: its siblings are listed, the reason names it. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "..          | ..             | relative reference",
      "%2E%2E      | ..             | relative reference",
      ".           | .              | relative reference",
      "a%2Fb       | a\\x2fb       | contains '/'",
      "a%5Cb       | a\\x5cb       | contains '\\'",
      "a%00b       | a\\x00b       | NUL",
      "a%0Ab       | a\\x0ab       | control character 0xa",
      "a%1Bb       | a\\x1bb       | control character 0x1b",
      "a%7Fb       | a\\x7fb       | control character 0x7f",
      "a%FFb       | a\uFFFDb       | invalid UTF-8",
      "a%C3%28.txt | a\uFFFD(.txt   | invalid UTF-8",
  })
  void childNamesThatCannotBeLocalNamesAreExcludedOneByOne(String encoded, String key, String problem) {
    String body = multistatus(response("/dav/sub/", "\"r\"", true), response("/dav/sub/before.txt", "\"b\"", false),
        response("/dav/sub/" + encoded, "\"h\"", false), response("/dav/sub/after/", "\"a\"", true));

    Listing listing = parse(body, DAV_ROOT, "sub");

    assertEquals(List.of("sub/before.txt", "sub/after"), listing.children().stream().map(DavEntry::path).toList());
    assertEquals(java.util.Set.of("sub/" + key), listing.excluded().keySet());
    String reason = listing.excluded().get("sub/" + key);
    assertTrue(reason.contains(problem), reason);
    assertTrue(reason.startsWith("the server's name '"), reason);
    assertFalse(reason.chars().anyMatch(c -> c < 32), "the reason is printable: " + reason);
  }

  @Test
  void aNameLongerThanALocalNameIsExcluded() {
    String longName = "\u00e9".repeat(150); // 150 characters, 300 bytes in UTF-8
    String body = multistatus(response("/dav/", "\"r\"", true), response("/dav/ok.txt", "\"o\"", false),
        response("/dav/" + UrlPaths.encodeSegment(longName), "\"h\"", false));

    Listing listing = parse(body, DAV_ROOT, "");

    assertEquals(List.of("ok.txt"), listing.children().stream().map(DavEntry::path).toList());
    assertTrue(listing.excluded().get(longName).contains("300 bytes"), listing.excluded().toString());
  }

  @Test
  void hrefOutsideTheRequestedFolderIsHostile() {
    String body = multistatus(response("/dav/folder/", "\"r\"", true), response("/dav/sibling.txt", "\"s\"", false));
    assertFails(DavError.HOSTILE_NAME, body, DAV_ROOT, "folder");
  }

  @Test
  void normalizesEtags() {
    assertEquals("abc", ETags.normalize("W/\"abc\""));
    assertEquals("abc", ETags.normalize("\"abc-gzip\""));
    assertEquals("abc", ETags.normalize(" abc "));
    assertNull(ETags.normalize("\"\""));
    assertNull(ETags.normalize(null));
    assertEquals("\"abc\"", ETags.quote("W/\"abc\""));
  }

  @Test
  void unparsableDateIsNullNotAFailure() {
    assertNull(MultistatusParser.parseHttpDate("yesterday"));
    assertEquals(Instant.parse("1994-11-06T08:49:37Z"), MultistatusParser.parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"));
  }

  // ---- helpers -----------------------------------------------------------------------------------------------------

  private static Listing parse(String body, String root, String path) {
    return MultistatusParser.parse(body.getBytes(StandardCharsets.UTF_8), root, path);
  }

  private static DavException assertFails(DavError expected, String body, String root, String path) {
    DavException e = assertThrows(DavException.class, () -> parse(body, root, path));
    assertEquals(expected, e.error(), e.getMessage());
    return e;
  }

  private static String multistatus(String... responses) {
    return "<?xml version=\"1.0\"?>\n<d:multistatus xmlns:d=\"DAV:\" xmlns:oc=\"http://owncloud.org/ns\">"
        + String.join("\n", responses) + "</d:multistatus>";
  }

  private static String response(String href, String etag, boolean collection) {
    return "<d:response><d:href>" + href + "</d:href><d:propstat><d:prop>"
        + (etag == null ? "" : "<d:getetag>" + etag + "</d:getetag>")
        + (collection ? "<d:resourcetype><d:collection/></d:resourcetype>" : "<d:resourcetype/><d:getcontentlength>1</d:getcontentlength>")
        + "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>";
  }
}
