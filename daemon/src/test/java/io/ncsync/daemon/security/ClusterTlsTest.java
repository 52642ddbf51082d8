package io.ncsync.daemon.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterTlsTest {
  @TempDir Path temp;

  @Test
  void firstStartGeneratesOwnerOnlyStoresAndArteryUsesThem() throws Exception {
    Path dataDir = temp.resolve("data");
    Config config = ClusterTls.prepare(ClusterTlsSettings.generated(), dataDir);

    Path dir = dataDir.resolve("cluster-tls");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    for (String file : new String[] {"node.p12", "trust.p12", "password"}) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(file))), file);
    }
    assertEquals("tls-tcp", config.getString("akka.remote.artery.transport"));
    assertTrue(config.getBoolean("akka.remote.artery.ssl.config-ssl-engine.require-mutual-authentication"));
    assertEquals(dir.resolve("node.p12").toString(), config.getString("akka.remote.artery.ssl.config-ssl-engine.key-store"));
    assertEquals(dir.resolve("trust.p12").toString(), config.getString("akka.remote.artery.ssl.config-ssl-engine.trust-store"));
    assertEquals(Files.readString(dir.resolve("password")).trim(),
        config.getString("akka.remote.artery.ssl.config-ssl-engine.key-store-password"));
    assertTrue(Files.list(dataDir).noneMatch(p -> p.getFileName().toString().contains(".new-")), "no leftover folder");
  }

  @Test
  void laterStartsKeepTheSameKey() throws Exception {
    ClusterTls.prepare(ClusterTlsSettings.generated(), temp);
    byte[] first = Files.readAllBytes(temp.resolve("cluster-tls/node.p12"));
    ClusterTls.prepare(ClusterTlsSettings.generated(), temp);
    assertArrayEquals(first, Files.readAllBytes(temp.resolve("cluster-tls/node.p12")));
  }

  @Test
  void aCorruptKeyStoreIsAStartErrorNamingTheFileAndTheWayOut() throws Exception {
    ClusterTls.prepare(ClusterTlsSettings.generated(), temp);
    Path keyStore = temp.resolve("cluster-tls/node.p12");
    Files.write(keyStore, new byte[] {1, 2, 3});
    var e = assertThrows(ClusterTls.UnusableKeyMaterial.class, () -> ClusterTls.prepare(ClusterTlsSettings.generated(), temp));
    assertTrue(e.getMessage().contains(keyStore.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("delete the folder " + temp.resolve("cluster-tls")), e.getMessage());
  }

  @Test
  void aMissingPasswordFileIsNamed() throws Exception {
    ClusterTls.prepare(ClusterTlsSettings.generated(), temp);
    Path password = temp.resolve("cluster-tls/password");
    Files.delete(password);
    var e = assertThrows(ClusterTls.UnusableKeyMaterial.class, () -> ClusterTls.prepare(ClusterTlsSettings.generated(), temp));
    assertTrue(e.getMessage().contains("password file " + password + " is missing"), e.getMessage());
  }

  @Test
  void operatorStoresAreUsedAsGiven() throws Exception {
    Path own = temp.resolve("operator");
    ClusterCertificates.generate(own);
    Config config = ClusterTls.prepare(operator(own, own, own), temp.resolve("data"));
    assertEquals(own.resolve("node.p12").toString(), config.getString("akka.remote.artery.ssl.config-ssl-engine.key-store"));
    assertTrue(Files.notExists(temp.resolve("data/cluster-tls")), "nothing is generated when the operator supplies keys");
  }

  @Test
  void aWrongOperatorPasswordNamesTheKeyStore() throws Exception {
    Path own = temp.resolve("operator");
    ClusterCertificates.generate(own);
    Path wrong = temp.resolve("wrong-password");
    Files.writeString(wrong, "not-the-password\n");
    var e = assertThrows(ClusterTls.UnusableKeyMaterial.class,
        () -> ClusterTls.prepare(new ClusterTlsSettings(Optional.of(own.resolve("node.p12")),
            Optional.of(own.resolve("trust.p12")), Optional.of(wrong)), temp));
    assertTrue(e.getMessage().contains(own.resolve("node.p12") + ": it does not open with the password"), e.getMessage());
    assertTrue(e.getMessage().contains("NCSYNC_CLUSTER_TLS_PASSWORD_FILE"), e.getMessage());
    assertTrue(!e.getMessage().contains(Files.readString(own.resolve("password")).trim()), "no password in the message");
  }

  @Test
  void aNodeCertificateFromAnotherCaIsRefused() throws Exception {
    Path one = temp.resolve("one");
    Path other = temp.resolve("other");
    ClusterCertificates.generate(one);
    ClusterCertificates.generate(other);
    // The other CA's trust store, re-encrypted with the first one's password, so only the chain is wrong.
    Path foreignTrust = temp.resolve("foreign-trust.p12");
    var store = java.security.KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(other.resolve("trust.p12"))) {
      store.load(in, Files.readString(other.resolve("password")).trim().toCharArray());
    }
    try (var out = Files.newOutputStream(foreignTrust)) {
      store.store(out, Files.readString(one.resolve("password")).trim().toCharArray());
    }
    var e = assertThrows(ClusterTls.UnusableKeyMaterial.class,
        () -> ClusterTls.prepare(new ClusterTlsSettings(Optional.of(one.resolve("node.p12")), Optional.of(foreignTrust),
            Optional.of(one.resolve("password"))), temp));
    assertTrue(e.getMessage().contains("is not signed by a CA in the trust store " + foreignTrust), e.getMessage());
  }

  @Test
  void settingOnlySomeOperatorFilesIsRefused() {
    Config partial = ConfigFactory.parseMap(Map.of("ncsync.cluster.tls.key-store", "/etc/ncsync/node.p12"));
    var e = assertThrows(IllegalArgumentException.class, () -> ClusterTlsSettings.fromConfig(partial));
    assertTrue(e.getMessage().contains("NCSYNC_CLUSTER_TLS_TRUST_STORE"), e.getMessage());
  }

  private static ClusterTlsSettings operator(Path keyDir, Path trustDir, Path passwordDir) {
    return new ClusterTlsSettings(Optional.of(keyDir.resolve("node.p12")), Optional.of(trustDir.resolve("trust.p12")),
        Optional.of(passwordDir.resolve("password")));
  }
}
