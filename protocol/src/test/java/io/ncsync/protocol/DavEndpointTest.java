package io.ncsync.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import org.junit.jupiter.api.Test;

class DavEndpointTest {

  @Test
  void toStringNeverShowsThePassword() {
    DavEndpoint endpoint = DavEndpoint.of("https://cloud.example.com/remote.php/dav/files/alice", "alice", "s3cr3t-app-pw");
    assertFalse(endpoint.toString().contains("s3cr3t-app-pw"), endpoint.toString());
    assertEquals(URI.create("https://cloud.example.com/remote.php/dav/files/alice/"), endpoint.root(), "slash added");
  }

  @Test
  void refusesRootsThatCannotBeExtended() {
    assertThrows(IllegalArgumentException.class, () -> new DavEndpoint(URI.create("https://h/dav"), "u", "p"));
    assertThrows(IllegalArgumentException.class, () -> new DavEndpoint(URI.create("ftp://h/dav/"), "u", "p"));
    assertThrows(IllegalArgumentException.class, () -> new DavEndpoint(URI.create("https://u:p@h/dav/"), "u", "p"));
    assertThrows(IllegalArgumentException.class, () -> new DavEndpoint(URI.create("https://h/dav/?x=1"), "u", "p"));
    assertThrows(IllegalArgumentException.class, () -> new DavEndpoint(URI.create("/dav/"), "u", "p"));
  }

  @Test
  void resolvesSubFoldersEncoded() {
    DavEndpoint endpoint = DavEndpoint.of("http://127.0.0.1:8080/dav/", "u", "p");
    assertEquals(URI.create("http://127.0.0.1:8080/dav/My%20Docs/%C3%A9t%C3%A9%20%231/"),
        endpoint.resolve("My Docs/été #1").root());
    assertEquals(endpoint, endpoint.resolve(""));
  }
}
