package io.ncsync.daemon.connections;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** A failed plain-WebDAV connection test says what is wrong in words, never as a transport's dump. */
class WebdavProblemsTest {
  private static final URI ROOT = URI.create("https://dav.example.com:8443/files/");

  @Test
  void statusesAreNamedWithAdvice() {
    ConnectionChecker.Result unauthorized = WebdavProblems.of(ROOT, new DavException(DavError.UNAUTHORIZED, 401,
        "PROPFIND '' at https://dav.example.com:8443/files/: 401 Unauthorized"));
    assertEquals("unauthorized", unauthorized.outcome());
    assertTrue(unauthorized.message().contains("refused the user name or password"), unauthorized.message());
    assertFalse(unauthorized.message().contains("PROPFIND ''"));
    assertEquals("not_found", WebdavProblems.of(ROOT, new DavException(DavError.NOT_FOUND, 404, "x")).outcome());
    assertEquals("not_webdav", WebdavProblems.of(ROOT, new DavException(DavError.UNEXPECTED_STATUS, 405, "x")).outcome());
    assertEquals("server_error", WebdavProblems.of(ROOT, new DavException(DavError.SERVER_ERROR, 502, "x")).outcome());
  }

  @Test
  void transportFailuresAreNamedFromTheirCause() {
    ConnectionChecker.Result refused = WebdavProblems.of(ROOT, new CompletionException(
        new RuntimeException("Tcp command [Connect(dav.example.com:8443,None,List(),Some(10 seconds),true)] failed",
            new ConnectException("Connection refused"))));
    assertEquals("connect_failure", refused.outcome());
    assertTrue(refused.message().contains("dav.example.com:8443"), refused.message());
    assertFalse(refused.message().contains("Tcp command"), "no transport dump: " + refused.message());
    assertEquals("dns_failure", WebdavProblems.of(ROOT, new UnknownHostException("dav.example.com")).outcome());
    assertEquals("tls_failure", WebdavProblems.of(ROOT, new javax.net.ssl.SSLHandshakeException("PKIX path")).outcome());
  }
}
