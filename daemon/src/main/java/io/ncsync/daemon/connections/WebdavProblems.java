package io.ncsync.daemon.connections;

import io.ncsync.protocol.DavException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * What a failed test of a plain WebDAV connection tells a person: the same outcomes and the same kind of advice as
 * the Nextcloud test, never a stack trace or a transport's internal message.
 */
final class WebdavProblems {
  private WebdavProblems() {}

  static ConnectionChecker.Result of(URI root, Throwable cause) {
    String host = root.getHost();
    if (cause instanceof DavException dav && dav.status() > 0) return status(root, dav.status());
    for (Throwable t = cause; t != null; t = t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
      if (t instanceof UnknownHostException || message.contains("unknownhost") || message.contains("name or service")) {
        return failed("dns_failure", "The host name '" + host + "' cannot be resolved (DNS). Check the URL for typos.");
      }
      if (t instanceof SSLException || message.contains("certificate") || message.contains("handshake")) {
        return failed("tls_failure", "The secure connection to " + host + " failed (" + t.getMessage()
            + "). Check the server's certificate.");
      }
      if (t instanceof ConnectException || t instanceof NoRouteToHostException || message.contains("connection refused")
          || message.contains("tcp command [connect(")) {
        return failed("connect_failure", "Nothing answers at " + host + ":" + port(root)
            + " (connection refused or unreachable). Is the server running, and is the port right?");
      }
      if (t instanceof TimeoutException || message.contains("no answer within") || message.contains("timed out")) {
        return failed("timeout", "The server at " + host + " did not answer in time.");
      }
    }
    return failed("unexpected", "The WebDAV folder " + root + " could not be read: " + cause.getClass().getSimpleName()
        + (cause.getMessage() == null ? "" : ": " + firstLine(cause.getMessage())));
  }

  private static ConnectionChecker.Result status(URI root, int code) {
    return switch (code) {
      case 401 -> failed("unauthorized", "The server refused the user name or password (401) for " + root
          + ". Check them (for Nextcloud, use an app password and the kind 'nextcloud').");
      case 403 -> failed("forbidden", "The server does not let this user read " + root + " (403).");
      case 404 -> failed("not_found", "There is no WebDAV folder at " + root + " (404). Check the URL's path.");
      case 405, 501 -> failed("not_webdav", "The server at " + root + " does not speak WebDAV (" + code
          + " to PROPFIND). Check the URL: it must be the WebDAV folder itself.");
      case 429 -> failed("throttled", "The server is limiting this client (429); wait, then try again.");
      default -> code >= 500
          ? failed("server_error", "The server failed to list " + root + " (" + code + ").")
          : failed("unexpected", "Listing " + root + " answered " + code + ".");
    };
  }

  private static ConnectionChecker.Result failed(String outcome, String message) {
    return new ConnectionChecker.Result(false, outcome, message);
  }

  private static int port(URI root) {
    return root.getPort() >= 0 ? root.getPort() : "https".equalsIgnoreCase(root.getScheme()) ? 443 : 80;
  }

  private static String firstLine(String message) {
    int newline = message.indexOf('\n');
    String line = newline < 0 ? message : message.substring(0, newline);
    return line.length() > 300 ? line.substring(0, 300) + "…" : line;
  }
}
