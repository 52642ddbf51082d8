package io.ncsync.daemon.security;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Generates the TLS material of a single-node installation: a CA of its own and a node key with a certificate signed
 * by it, written as the PKCS12 key and trust stores Artery's {@code config-ssl-engine} loads, with a random password
 * in a file beside them. The CA's private key is used once and discarded: nothing can later sign another node into
 * this installation's cluster, so only a process that can read these files (the daemon's user) can talk to it.
 *
 * <p>EC P-256 keys with SHA-256 signatures: every JDK's TLS handles them (the ECDHE_ECDSA suites in
 * {@code cluster.conf}), and generating them takes milliseconds where RSA keys take a second or more on a busy machine,
 * which every fresh start would pay.
 */
public final class ClusterCertificates {
  /** This node's key and certificate chain. */
  public static final String KEY_STORE = "node.p12";
  /** The CA certificate peers must chain to. */
  public static final String TRUST_STORE = "trust.p12";
  /** The stores' and the key's password. */
  public static final String PASSWORD = "password";

  static final String KEY_ALIAS = "node";
  static final String CA_ALIAS = "ca";
  /** Long, because an expired certificate would cut the daemon off from itself; the key never leaves the data dir. */
  static final Duration VALIDITY = Duration.ofDays(20 * 365);

  private static final String SIGNATURE = "SHA256withECDSA";

  private ClusterCertificates() {}

  /**
   * Writes {@link #KEY_STORE}, {@link #TRUST_STORE} and {@link #PASSWORD} into {@code dir} (created 0700; files 0600,
   * created with that mode).
   */
  public static void generate(Path dir) throws IOException {
    SecureRandom random = new SecureRandom();
    String installation = randomHex(random);
    String password = AdminToken.generate();
    try {
      KeyPair caKeys = ecKeys(random);
      KeyPair nodeKeys = ecKeys(random);
      X509Certificate ca = caCertificate(caKeys, new X500Name("CN=ncsync cluster CA " + installation), random);
      X509Certificate node = nodeCertificate(nodeKeys, new X500Name("CN=ncsync node " + installation), ca, caKeys, random);

      KeyStore keyStore = emptyStore();
      keyStore.setKeyEntry(KEY_ALIAS, nodeKeys.getPrivate(), password.toCharArray(), new Certificate[] {node, ca});
      KeyStore trustStore = emptyStore();
      trustStore.setCertificateEntry(CA_ALIAS, ca);

      SecretFiles.ensureDirectory(dir);
      SecretFiles.create(dir.resolve(PASSWORD), password);
      SecretFiles.create(dir.resolve(KEY_STORE), bytes(keyStore, password));
      SecretFiles.create(dir.resolve(TRUST_STORE), bytes(trustStore, password));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("the JDK cannot generate EC P-256 keys or SHA-256 signatures: " + e, e);
    }
  }

  private static KeyPair ecKeys(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), random);
    return generator.generateKeyPair();
  }

  private static X509Certificate caCertificate(KeyPair keys, X500Name name, SecureRandom random)
      throws GeneralSecurityException, OperatorCreationException, CertIOException {
    Instant now = Instant.now();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
        name, serial(random), notBefore(now), Date.from(now.plus(VALIDITY)), name, keys.getPublic());
    JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
    // Path length 0: this CA signs node certificates only, never another CA.
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
    return sign(builder, keys);
  }

  private static X509Certificate nodeCertificate(KeyPair keys, X500Name name, X509Certificate ca, KeyPair caKeys,
      SecureRandom random) throws GeneralSecurityException, OperatorCreationException, CertIOException {
    Instant now = Instant.now();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
        ca, serial(random), notBefore(now), Date.from(now.plus(VALIDITY)), name, keys.getPublic());
    JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    // A node is the TLS server for inbound and the client for outbound connections.
    builder.addExtension(Extension.extendedKeyUsage, false,
        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    // Right for the default loopback address, should someone turn hostname verification on.
    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
    builder.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(ca));
    return sign(builder, caKeys);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
      throws GeneralSecurityException, OperatorCreationException {
    return new JcaX509CertificateConverter()
        .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer.getPrivate())));
  }

  /** A little in the past, so a peer whose clock runs slightly behind accepts it too. */
  private static Date notBefore(Instant now) {
    return Date.from(now.minus(Duration.ofHours(1)));
  }

  private static String randomHex(SecureRandom random) {
    byte[] bytes = new byte[8];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(64, random).add(BigInteger.ONE);
  }

  private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    return store;
  }

  private static byte[] bytes(KeyStore store, String password) throws GeneralSecurityException, IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    store.store(out, password.toCharArray());
    return out.toByteArray();
  }
}
