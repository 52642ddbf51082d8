package io.ncsync.daemon.security;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates the cluster transport: Artery runs over TLS with mutual authentication, so only a process holding a
 * key signed by this installation's CA can connect to the daemon's cluster port, join it or send any of its actors a
 * message. Before the ActorSystem starts, this finds the key material (the operator's, or the one generated on first
 * start under {@code <data dir>/cluster-tls}), checks that it opens and that the node's certificate chains to the
 * trust store, and yields the Akka settings that use it. Artery itself would only find a broken file at the first
 * connection, long after start.
 *
 * <p>The settings that make the transport authenticated are set here rather than only in {@code cluster.conf}, so that
 * no configuration file can turn them off; cipher suites, protocol and hostname verification stay in
 * {@code cluster.conf}.
 */
public final class ClusterTls {
  private static final Logger log = LoggerFactory.getLogger(ClusterTls.class);

  /** Folder under the data dir holding the generated material. */
  public static final String GENERATED_DIR = "cluster-tls";

  private static final String ENGINE = "akka.remote.artery.ssl.config-ssl-engine.";

  private ClusterTls() {}

  /** The key material cannot be used. The message names the file and the way out; it never holds a password. */
  public static final class UnusableKeyMaterial extends Exception {
    UnusableKeyMaterial(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The three files Artery loads.
   *
   * @param passwordFile holds the password of both stores and of the node's key
   */
  public record Stores(Path keyStore, Path trustStore, Path passwordFile) {
    /** The generated layout inside {@code dir}. */
    public static Stores in(Path dir) {
      return new Stores(dir.resolve(ClusterCertificates.KEY_STORE), dir.resolve(ClusterCertificates.TRUST_STORE),
          dir.resolve(ClusterCertificates.PASSWORD));
    }
  }

  /**
   * Finds (generating on first start when none is configured) and checks the key material.
   *
   * @return settings to lay over the ActorSystem's configuration
   */
  public static Config prepare(ClusterTlsSettings settings, Path dataDir) throws UnusableKeyMaterial {
    Stores stores;
    String wayOut;
    if (settings.configured()) {
      stores = new Stores(settings.keyStore().get(), settings.trustStore().get(), settings.passwordFile().get());
      wayOut = "check NCSYNC_CLUSTER_TLS_KEY_STORE, NCSYNC_CLUSTER_TLS_TRUST_STORE and NCSYNC_CLUSTER_TLS_PASSWORD_FILE "
          + "(docs/CLUSTER-SECURITY.md)";
      log.info("cluster transport: TLS with the configured key store {} and trust store {}", stores.keyStore(),
          stores.trustStore());
    } else {
      Path dir = dataDir.resolve(GENERATED_DIR);
      boolean created = ensureGenerated(dir);
      stores = Stores.in(dir);
      wayOut = "on a single node, delete the folder " + dir + " to have a new CA and key generated at the next start";
      log.info("cluster transport: TLS with this installation's own CA and key, {} {}",
          created ? "generated in" : "read from", dir);
    }
    return akkaConfig(stores, verify(stores, wayOut));
  }

  /** Artery over TLS with mutual authentication, with these stores opened by {@code password}. */
  public static Config akkaConfig(Stores stores, String password) {
    return ConfigFactory.parseMap(Map.of(
        "akka.remote.artery.transport", "tls-tcp",
        "akka.remote.artery.ssl.ssl-engine-provider", "akka.remote.artery.tcp.ConfigSSLEngineProvider",
        ENGINE + "require-mutual-authentication", true,
        ENGINE + "key-store", stores.keyStore().toString(),
        ENGINE + "trust-store", stores.trustStore().toString(),
        ENGINE + "key-store-password", password,
        ENGINE + "key-password", password,
        ENGINE + "trust-store-password", password), "cluster TLS key material (io.ncsync.daemon.security.ClusterTls)");
  }

  /**
   * Checks what Artery will need at the first connection: both stores open with the password, the key store holds one
   * private key with a certificate that is valid now and chains to a CA of the trust store.
   *
   * @return the password
   */
  static String verify(Stores stores, String wayOut) throws UnusableKeyMaterial {
    String password = readPassword(stores.passwordFile(), wayOut);
    KeyStore keys = load(stores.keyStore(), "key store", password, wayOut);
    KeyStore trust = load(stores.trustStore(), "trust store", password, wayOut);
    X509Certificate[] chain = nodeChain(keys, stores.keyStore(), password, wayOut);
    try {
      chain[0].checkValidity();
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      throw new UnusableKeyMaterial("the node certificate in the cluster TLS key store " + stores.keyStore()
          + " is valid only from " + chain[0].getNotBefore().toInstant() + " to " + chain[0].getNotAfter().toInstant()
          + "; " + wayOut, e);
    }
    Set<TrustAnchor> anchors = anchors(trust, stores.trustStore(), wayOut);
    try {
      List<Certificate> path = new ArrayList<>();
      for (X509Certificate certificate : chain) {
        if (anchors.stream().noneMatch(a -> a.getTrustedCert().equals(certificate))) path.add(certificate);
      }
      PKIXParameters parameters = new PKIXParameters(anchors);
      parameters.setRevocationEnabled(false);
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
    } catch (CertPathValidatorException e) {
      throw new UnusableKeyMaterial("the node certificate in the cluster TLS key store " + stores.keyStore()
          + " is not signed by a CA in the trust store " + stores.trustStore() + " (" + e.getMessage()
          + "), so every peer would refuse it; " + wayOut, e);
    } catch (GeneralSecurityException e) {
      throw new UnusableKeyMaterial("cannot check the cluster TLS certificate chain of " + stores.keyStore() + ": " + e
          + "; " + wayOut, e);
    }
    return password;
  }

  /** @return whether the material was generated now */
  private static boolean ensureGenerated(Path dir) throws UnusableKeyMaterial {
    if (Files.exists(dir)) return false;
    // Generated aside and renamed into place in one step: a crash midway leaves no half-written folder that later
    // starts would refuse, and of two daemons starting at once the second uses the first one's material.
    Path fresh = dir.resolveSibling(dir.getFileName() + ".new-" + UUID.randomUUID());
    try {
      ClusterCertificates.generate(fresh);
      Files.move(fresh, dir, StandardCopyOption.ATOMIC_MOVE);
      return true;
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
      deleteQuietly(fresh);
      return false;
    } catch (IOException e) {
      deleteQuietly(fresh);
      throw new UnusableKeyMaterial("cannot write the cluster TLS key material to " + dir + ": " + e
          + "; make the data dir writable for the daemon's user", e);
    }
  }

  /** Read as it is: an operator's file may sit on a read-only mount (a Kubernetes secret) we could not chmod. */
  private static String readPassword(Path file, String wayOut) throws UnusableKeyMaterial {
    try {
      String password = Files.readString(file, java.nio.charset.StandardCharsets.UTF_8).trim();
      if (password.isEmpty()) {
        throw new UnusableKeyMaterial("the cluster TLS password file " + file + " is empty; " + wayOut, null);
      }
      return password;
    } catch (NoSuchFileException e) {
      throw new UnusableKeyMaterial("the cluster TLS password file " + file + " is missing; " + wayOut, e);
    } catch (IOException e) {
      throw new UnusableKeyMaterial("cannot read the cluster TLS password file " + file + ": " + e.getMessage()
          + "; " + wayOut, e);
    }
  }

  private static KeyStore load(Path file, String what, String password, String wayOut) throws UnusableKeyMaterial {
    try (InputStream in = Files.newInputStream(file)) {
      // The type Artery uses too (PKCS12 since Java 9; it also reads JKS files).
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(in, password.toCharArray());
      return store;
    } catch (NoSuchFileException e) {
      throw new UnusableKeyMaterial("the cluster TLS " + what + " " + file + " is missing; " + wayOut, e);
    } catch (IOException | GeneralSecurityException e) {
      String reason = e.getCause() instanceof UnrecoverableKeyException
          ? "it does not open with the password in its password file" : e.getMessage();
      throw new UnusableKeyMaterial("cannot read the cluster TLS " + what + " " + file + ": " + reason + "; " + wayOut, e);
    }
  }

  private static X509Certificate[] nodeChain(KeyStore keys, Path file, String password, String wayOut)
      throws UnusableKeyMaterial {
    try {
      List<String> keyAliases = new ArrayList<>();
      for (String alias : Collections.list(keys.aliases())) {
        if (keys.isKeyEntry(alias)) keyAliases.add(alias);
      }
      if (keyAliases.size() != 1) {
        throw new UnusableKeyMaterial("the cluster TLS key store " + file + " must hold exactly one private key, it holds "
            + keyAliases.size() + "; " + wayOut, null);
      }
      String alias = keyAliases.get(0);
      Key key = keys.getKey(alias, password.toCharArray());
      Certificate[] chain = keys.getCertificateChain(alias);
      if (!(key instanceof PrivateKey) || chain == null || chain.length == 0) {
        throw new UnusableKeyMaterial("the cluster TLS key store " + file + " holds no private key with a certificate "
            + "chain under '" + alias + "'; " + wayOut, null);
      }
      X509Certificate[] x509 = new X509Certificate[chain.length];
      for (int i = 0; i < chain.length; i++) x509[i] = (X509Certificate) chain[i];
      return x509;
    } catch (UnrecoverableKeyException e) {
      throw new UnusableKeyMaterial("the private key in the cluster TLS key store " + file
          + " does not open with the store's password (use one password for the store and the key); " + wayOut, e);
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new UnusableKeyMaterial("cannot read the private key in the cluster TLS key store " + file + ": " + e
          + "; " + wayOut, e);
    }
  }

  private static Set<TrustAnchor> anchors(KeyStore trust, Path file, String wayOut) throws UnusableKeyMaterial {
    Set<TrustAnchor> anchors = new HashSet<>();
    try {
      for (String alias : Collections.list(trust.aliases())) {
        if (trust.isCertificateEntry(alias) && trust.getCertificate(alias) instanceof X509Certificate certificate) {
          anchors.add(new TrustAnchor(certificate, null));
        }
      }
    } catch (GeneralSecurityException e) {
      throw new UnusableKeyMaterial("cannot read the cluster TLS trust store " + file + ": " + e + "; " + wayOut, e);
    }
    if (anchors.isEmpty()) {
      throw new UnusableKeyMaterial("the cluster TLS trust store " + file + " holds no trusted CA certificate; "
          + wayOut, null);
    }
    return anchors;
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) return;
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("could not remove the unused folder {}: {}", dir, e.toString());
    }
  }
}
