package io.ncsync.protocol;

import java.net.URI;
import java.util.Objects;

/**
 * Where a store lives and how to log in.
 *
 * @param root     URL of the folder that path "" maps to; http or https, always ending with '/', already percent-encoded
 * @param username login name sent with Basic auth
 * @param password password or app password; never printed
 */
public record DavEndpoint(URI root, String username, String password) {

  public DavEndpoint {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    String scheme = root.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      throw new IllegalArgumentException("root must be an http or https URL: " + root);
    }
    if (root.getRawAuthority() == null || root.getRawPath() == null || !root.getRawPath().endsWith("/")) {
      throw new IllegalArgumentException("root must have a host and a path ending with '/': " + root);
    }
    if (root.getRawQuery() != null || root.getRawFragment() != null || root.getRawUserInfo() != null) {
      // Credentials in the URL would leak into logs and the Destination header; queries break path building.
      throw new IllegalArgumentException("root must not carry user info, a query or a fragment: " + root);
    }
  }

  /** Accepts a root without its trailing slash and adds it. */
  public static DavEndpoint of(String root, String username, String password) {
    return new DavEndpoint(URI.create(root.endsWith("/") ? root : root + "/"), username, password);
  }

  /** The endpoint of a sub-folder (relative path, already checked by the caller). */
  public DavEndpoint resolve(String relativeFolder) {
    if (relativeFolder.isEmpty()) return this;
    return new DavEndpoint(URI.create(root + UrlPaths.encodePath(relativeFolder) + "/"), username, password);
  }

  @Override
  public String toString() {
    return "DavEndpoint[root=" + root + ", username=" + username + "]";
  }
}
