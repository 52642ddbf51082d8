package io.ncsync.daemon.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * TLS for the admin API itself ({@code NCSYNC_HTTP_TLS_CERT} and {@code NCSYNC_HTTP_TLS_KEY}): a PEM certificate
 * chain and its PEM private key (PKCS#8, or the RSA and EC forms OpenSSL writes), read with Bouncy Castle. Both or
 * neither; a pair that does not load, or a key that is not the certificate's, stops the start naming the file.
 */
public final class AdminApiTls {
  private AdminApiTls() {}

  /** A pair that cannot be used; the message names the file and the problem. */
  public static final class Unusable extends Exception {
    Unusable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The server's TLS context, or empty when neither file is configured. */
  public static Optional<SSLContext> load(String certFile, String keyFile) throws Unusable {
    boolean cert = certFile != null && !certFile.isBlank();
    boolean key = keyFile != null && !keyFile.isBlank();
    if (!cert && !key) return Optional.empty();
    if (cert != key) {
      throw new Unusable("set both NCSYNC_HTTP_TLS_CERT and NCSYNC_HTTP_TLS_KEY, or neither (only "
          + (cert ? "the certificate" : "the key") + " is set)", null);
    }
    X509Certificate[] chain = chain(Path.of(certFile));
    PrivateKey privateKey = privateKey(Path.of(keyFile));
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] password = new char[0];
      store.setKeyEntry("admin-api", privateKey, password, chain);
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      if (!matches(chain[0], privateKey)) {
        throw new Unusable("the key in " + keyFile + " is not the key of the certificate in " + certFile, null);
      }
      return Optional.of(context);
    } catch (GeneralSecurityException | IOException e) {
      throw new Unusable("cannot use the certificate " + certFile + " with the key " + keyFile + ": " + e.getMessage(), e);
    }
  }

  private static X509Certificate[] chain(Path file) throws Unusable {
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) throw new Unusable(file + " holds no PEM certificate", null);
      X509Certificate[] chain = certificates.toArray(new X509Certificate[0]);
      chain[0].checkValidity();
      return chain;
    } catch (IOException | GeneralSecurityException e) {
      throw new Unusable("cannot read the certificate " + file + ": " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path file) throws Unusable {
    try (Reader reader = Files.newBufferedReader(file); PEMParser parser = new PEMParser(reader)) {
      Object object = parser.readObject();
      PrivateKeyInfo info;
      // OpenSSL's RSA and EC forms (an EC key may come without its public half), or PKCS#8.
      if (object instanceof PEMKeyPair pair) info = pair.getPrivateKeyInfo();
      else if (object instanceof PrivateKeyInfo plain) info = plain;
      else throw new Unusable(file + " holds no unencrypted PEM private key", null);
      // Bouncy Castle reads every form (an EC key's curve may sit outside its algorithm identifier); the JDK's own
      // key is made from its PKCS#8 encoding, for the JDK's TLS.
      PrivateKey read = new JcaPEMKeyConverter().setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
          .getPrivateKey(info);
      String algorithm = read.getAlgorithm().equals("ECDSA") ? "EC" : read.getAlgorithm(); // Bouncy Castle's name
      return java.security.KeyFactory.getInstance(algorithm)
          .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(read.getEncoded()));
    } catch (IOException | GeneralSecurityException e) {
      throw new Unusable("cannot read the key " + file + ": " + e.getMessage(), e);
    }
  }

  /** Whether the key signs what the certificate's public key verifies. */
  private static boolean matches(X509Certificate certificate, PrivateKey key) throws GeneralSecurityException {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
    java.security.Signature signer = java.security.Signature.getInstance(algorithm);
    signer.initSign(key);
    byte[] probe = "ncsync".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    signer.update(probe);
    byte[] signature = signer.sign();
    java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
    try {
      verifier.initVerify(certificate.getPublicKey());
    } catch (java.security.InvalidKeyException otherAlgorithm) {
      return false; // an RSA key beside an EC certificate, or the reverse
    }
    verifier.update(probe);
    return verifier.verify(signature);
  }
}
