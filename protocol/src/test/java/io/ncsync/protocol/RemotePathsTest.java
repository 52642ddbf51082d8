package io.ncsync.protocol;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RemotePathsTest {

  @ParameterizedTest
  @ValueSource(strings = {"a.txt", "with space", "ünïcödé 日本", "hash#tag", "per%cent", "q?mark", ".hidden", "a..b",
      "emoji \uD83D\uDE00", "+&=;@!'()[]{}"})
  void acceptsOrdinaryNames(String name) {
    assertNull(RemotePaths.unsafeReason(name));
    assertEquals(name, RemotePaths.requireSafeName(name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "a/b", "a\\b", "a\u0000b", "a\nb", "a\rb", "a\tb", "a\u001Bb", "a\u007Fb",
      "lone \uD83D surrogate", "bad \uFFFD utf8"})
  void refusesUnsafeNames(String name) {
    assertNotNull(RemotePaths.unsafeReason(name));
    DavException e = assertThrows(DavException.class, () -> RemotePaths.requireSafeName(name));
    assertEquals(DavError.HOSTILE_NAME, e.error());
  }

  @Test
  void refusesNamesLongerThan255BytesInUtf8() {
    assertNull(RemotePaths.unsafeReason("a".repeat(255)));
    assertNotNull(RemotePaths.unsafeReason("a".repeat(256)));
    assertTrue(RemotePaths.unsafeReason("\u00e9".repeat(150)).contains("300 bytes"), "150 characters, 300 bytes");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "a/b", "a\\b", "a\u0000b", "a\nb", "a\u007Fb", "lone \uD83D surrogate",
      "bad \uFFFD utf8"})
  void anExcludedKeyOfAnUnsafeNameIsUnsafeTooAndKeepsItsParent(String name) {
    String key = RemotePaths.excludedKey("dir/sub", name);
    assertEquals("dir/sub", RemotePaths.parent(key));
    assertNotNull(RemotePaths.unsafeReason(RemotePaths.name(key)), key);
    assertTrue(RemotePaths.name(key).chars().allMatch(c -> c >= 32 && c != 127), "printable: " + key);
  }

  @Test
  void escapingTellsNamesApart() {
    assertEquals("a\\x2fb", RemotePaths.escaped("a/b"));
    assertEquals("a\\x5cx2fb", RemotePaths.escaped("a\\x2fb"));
    assertEquals("ok.txt", RemotePaths.escaped("ok.txt"));
  }

  @Test
  void checksEverySegmentOfAPath() {
    assertDoesNotThrow(() -> RemotePaths.requireSafePath(""));
    assertDoesNotThrow(() -> RemotePaths.requireSafePath("a/b c/d"));
    for (String bad : List.of("/a", "a/", "a//b", "a/../b", "a/./b")) {
      assertEquals(DavError.HOSTILE_NAME,
          assertThrows(DavException.class, () -> RemotePaths.requireSafePath(bad)).error(), bad);
    }
  }

  @Test
  void splitsAndJoinsPaths() {
    assertEquals("a", RemotePaths.join("", "a"));
    assertEquals("a/b", RemotePaths.join("a", "b"));
    assertEquals("a/b", RemotePaths.parent("a/b/c"));
    assertEquals("", RemotePaths.parent("a"));
    assertEquals("", RemotePaths.parent(""));
    assertEquals("c", RemotePaths.name("a/b/c"));
    assertEquals(0, RemotePaths.depth(""));
    assertEquals(3, RemotePaths.depth("a/b/c"));
  }

  @Test
  void printableEscapesControlCharacters() {
    assertEquals("'a\\x0ab\\x00'", RemotePaths.printable("a\nb\u0000"));
    assertEquals("null", RemotePaths.printable(null));
  }

  @Test
  void urlEncodingRoundTripsEveryAwkwardName() {
    for (String name : List.of("with space", "ünïcödé 日本", "hash#tag", "per%cent", "q?mark", "plus+sign", "a;b=c&d",
        "emoji \uD83D\uDE00", "~tilde_-.")) {
      String encoded = UrlPaths.encodeSegment(name);
      assertEquals(-1, encoded.indexOf('/'));
      assertEquals(-1, encoded.indexOf('#'));
      assertEquals(-1, encoded.indexOf('?'));
      assertEquals(-1, encoded.indexOf(' '));
      assertEquals(name, UrlPaths.decodeSegment(encoded), encoded);
    }
    assertEquals("a%20b/c%23d", UrlPaths.encodePath("a b/c#d"));
    assertEquals(List.of("dav", "a/b", ""), UrlPaths.decodeSegments("/dav/a%2Fb/"));
    assertEquals("a+b", UrlPaths.decodeSegment("a+b"), "'+' is not a space in paths");
  }
}
