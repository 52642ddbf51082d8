package io.ncsync.daemon.connections;

import io.ncsync.persistence.tenant.ConnectionKind;
import io.ncsync.protocol.UrlPaths;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/** Rules for a connection's URL, and how it maps to the WebDAV root of the user's files. */
public final class ConnectionUrls {
  private ConnectionUrls() {}

  /** A URL that cannot be used; the message names the field and the problem. */
  public static final class InvalidUrl extends IllegalArgumentException {
    public InvalidUrl(String message) {
      super(message);
    }
  }

  /**
   * Checks a connection URL: absolute http(s), a host, no credentials, query or fragment; plain http only when
   * {@code allowInsecureHttp} is set and the host is loopback (127.0.0.0/8, ::1, localhost), since anything else would
   * send the app password in clear text over a network.
   *
   * @return the URL without a trailing '/'
   */
  public static String validate(String url, boolean allowInsecureHttp) {
    if (url == null || url.isBlank()) throw new InvalidUrl("url is required");
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new InvalidUrl("url is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https"))) {
      throw new InvalidUrl("url must be an absolute http:// or https:// URL");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) throw new InvalidUrl("url has no host");
    if (uri.getRawUserInfo() != null) {
      throw new InvalidUrl("url must not contain credentials; pass username and appPassword instead");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new InvalidUrl("url must not have a query or a fragment");
    }
    if (scheme.equals("http")) {
      if (!allowInsecureHttp) {
        throw new InvalidUrl("url uses plain http, which would send the password unencrypted; use https "
            + "(plain http is only allowed with allowInsecureHttp=true for a loopback host)");
      }
      if (!isLoopback(uri.getHost())) {
        throw new InvalidUrl("url uses plain http to a non-loopback host '" + uri.getHost()
            + "'; allowInsecureHttp only permits 127.0.0.0/8, ::1 and localhost");
      }
    }
    String normalised = uri.toString();
    while (normalised.endsWith("/")) normalised = normalised.substring(0, normalised.length() - 1);
    return normalised;
  }

  /** Loopback by its literal form only: a DNS name other than "localhost" is never looked up. */
  public static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost") || h.equals("localhost.")) return true;
    if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
    boolean ipv4 = h.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean ipv6 = h.indexOf(':') >= 0 && h.matches("[0-9a-f:.]+");
    if (!ipv4 && !ipv6) return false;
    if (ipv4) {
      for (String octet : h.split("\\.")) if (Integer.parseInt(octet) > 255) return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress(); // a literal: no DNS lookup happens
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * The WebDAV root URL of a connection: the URL itself for {@code webdav}; {@code <url>/remote.php/dav/files/<user>/}
   * for {@code nextcloud}. Always ends with '/'.
   */
  public static URI davRoot(ConnectionKind kind, String url, String username) {
    String base = url;
    while (base.endsWith("/")) base = base.substring(0, base.length() - 1);
    String root = switch (kind) {
      case WEBDAV -> base + "/";
      case NEXTCLOUD -> base + "/remote.php/dav/files/" + UrlPaths.encodeSegment(username) + "/";
    };
    return URI.create(root);
  }
}
