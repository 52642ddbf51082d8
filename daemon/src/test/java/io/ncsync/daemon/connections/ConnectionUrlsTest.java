package io.ncsync.daemon.connections;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.persistence.tenant.ConnectionKind;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConnectionUrlsTest {

  private static String refusal(String url, boolean allowInsecureHttp) {
    return assertThrows(ConnectionUrls.InvalidUrl.class, () -> ConnectionUrls.validate(url, allowInsecureHttp))
        .getMessage();
  }

  @Test
  void httpsIsAcceptedAndTrailingSlashesDropped() {
    assertEquals("https://cloud.example.com", ConnectionUrls.validate("https://cloud.example.com/", false));
    assertEquals("https://example.com/nextcloud", ConnectionUrls.validate("https://example.com/nextcloud", false));
  }

  @Test
  void plainHttpNeedsTheFlagAndALoopbackHost() {
    assertTrue(refusal("http://127.0.0.1:8081/dav", false).contains("allowInsecureHttp"));
    assertTrue(refusal("http://cloud.example.com", true).contains("non-loopback"));
    assertTrue(refusal("http://10.0.0.1", true).contains("non-loopback"));
    assertTrue(refusal("http://127.0.0.1.nip.io", true).contains("non-loopback"));
    assertEquals("http://127.0.0.1:8081/dav", ConnectionUrls.validate("http://127.0.0.1:8081/dav/", true));
    assertEquals("http://localhost:8081", ConnectionUrls.validate("http://localhost:8081", true));
    assertEquals("http://[::1]:8081", ConnectionUrls.validate("http://[::1]:8081", true));
    assertEquals("http://127.10.20.30", ConnectionUrls.validate("http://127.10.20.30", true));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://example.com", "example.com", "/relative", "https://", "https://user:pw@example.com",
      "https://example.com/?q=1", "https://example.com/#x", "https://exa mple.com", "  "})
  void malformedUrlsAreRefused(String url) {
    assertTrue(refusal(url, true).startsWith("url"), refusal(url, true));
  }

  @Test
  void credentialsInTheUrlAreNotEchoed() {
    assertFalse(refusal("https://user:hunter2@example.com", false).contains("hunter2"));
  }

  @Test
  void loopbackIsDecidedByLiteralOnly() {
    assertTrue(ConnectionUrls.isLoopback("127.0.0.1"));
    assertTrue(ConnectionUrls.isLoopback("127.255.255.254"));
    assertTrue(ConnectionUrls.isLoopback("[::1]"));
    assertTrue(ConnectionUrls.isLoopback("LOCALHOST"));
    assertFalse(ConnectionUrls.isLoopback("128.0.0.1"));
    assertFalse(ConnectionUrls.isLoopback("327.0.0.1"));
    assertFalse(ConnectionUrls.isLoopback("localhost.example.com"));
    assertFalse(ConnectionUrls.isLoopback("[::2]"));
  }

  @Test
  void davRootOfEachKind() {
    assertEquals(URI.create("https://cloud.example.com/remote.php/dav/files/alice/"),
        ConnectionUrls.davRoot(ConnectionKind.NEXTCLOUD, "https://cloud.example.com", "alice"));
    assertEquals(URI.create("https://cloud.example.com/nc/remote.php/dav/files/alice%40example.com/"),
        ConnectionUrls.davRoot(ConnectionKind.NEXTCLOUD, "https://cloud.example.com/nc/", "alice@example.com"));
    assertEquals(URI.create("https://h/remote.php/dav/files/J%C3%BCrgen%20M%2F/"),
        ConnectionUrls.davRoot(ConnectionKind.NEXTCLOUD, "https://h", "Jürgen M/"));
    assertEquals(URI.create("http://127.0.0.1:8081/dav/"),
        ConnectionUrls.davRoot(ConnectionKind.WEBDAV, "http://127.0.0.1:8081/dav", "ignored"));
  }
}
