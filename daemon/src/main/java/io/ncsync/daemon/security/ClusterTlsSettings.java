package io.ncsync.daemon.security;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the cluster transport's TLS material comes from ({@code ncsync.cluster.tls.*}). Either all three files are
 * configured (an operator's own CA, for a cluster of several nodes), or none is and the daemon generates a
 * per-installation CA and node key into {@code <data dir>/cluster-tls} on first start.
 *
 * @param keyStore     PKCS12 file holding this node's private key and its certificate chain
 * @param trustStore   PKCS12 file holding the CA certificate(s) a peer's certificate must chain to
 * @param passwordFile file holding the one password of both stores and of the key
 */
public record ClusterTlsSettings(Optional<Path> keyStore, Optional<Path> trustStore, Optional<Path> passwordFile) {

  private static final String PREFIX = "ncsync.cluster.tls.";

  /** Nothing configured: generated material under the data dir. */
  public static ClusterTlsSettings generated() {
    return new ClusterTlsSettings(Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** Reads {@code ncsync.cluster.tls.*}; throws IllegalArgumentException when only some of the files are set. */
  public static ClusterTlsSettings fromConfig(Config config) {
    ClusterTlsSettings settings = new ClusterTlsSettings(
        path(config, "key-store"), path(config, "trust-store"), path(config, "password-file"));
    boolean any = settings.keyStore.isPresent() || settings.trustStore.isPresent() || settings.passwordFile.isPresent();
    boolean all = settings.keyStore.isPresent() && settings.trustStore.isPresent() && settings.passwordFile.isPresent();
    if (any && !all) {
      throw new IllegalArgumentException("set all three of " + PREFIX + "key-store, trust-store and password-file "
          + "(NCSYNC_CLUSTER_TLS_KEY_STORE, NCSYNC_CLUSTER_TLS_TRUST_STORE, NCSYNC_CLUSTER_TLS_PASSWORD_FILE), or none "
          + "to have them generated for a single node; see docs/CLUSTER-SECURITY.md");
    }
    return settings;
  }

  /** True when the operator supplies the material. */
  public boolean configured() {
    return keyStore.isPresent();
  }

  private static Optional<Path> path(Config config, String key) {
    String value = config.hasPath(PREFIX + key) ? config.getString(PREFIX + key).trim() : "";
    return value.isEmpty() ? Optional.empty() : Optional.of(Path.of(value).toAbsolutePath().normalize());
  }
}
