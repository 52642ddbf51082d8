package io.ncsync.daemon.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.Daemon;
import io.ncsync.daemon.FakeSyncEngine;
import io.ncsync.daemon.TestDaemons;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NCSYNC_HTTP_TLS_CERT and _KEY: the admin API speaks HTTPS with the operator's certificate, or refuses to start. */
class AdminApiTlsTest {
  @TempDir Path dir;

  private static KeyPair keys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }

  private static X509Certificate certificate(KeyPair keys) throws Exception {
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("CN=ncsync test"),
        BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))),
        new X500Name("CN=ncsync test"), keys.getPublic());
    builder.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
  }

  private static Path pem(Path file, Object object) throws Exception {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return Files.writeString(file, out.toString());
  }

  private Map<String, String> env(Path cert, Path key) {
    Map<String, String> env = new HashMap<>(TestDaemons.embeddedEnv(dir.resolve("data")));
    if (cert != null) env.put("NCSYNC_HTTP_TLS_CERT", cert.toString());
    if (key != null) env.put("NCSYNC_HTTP_TLS_KEY", key.toString());
    return env;
  }

  @Test
  void theApiAnswersOverHttpsWithTheOperatorsCertificate() throws Exception {
    KeyPair keys = keys();
    X509Certificate certificate = certificate(keys);
    Path cert = pem(dir.resolve("api.crt"), certificate);
    Path key = pem(dir.resolve("api.key"), new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(keys.getPrivate(), null));
    try (TestDaemons.Running daemon = TestDaemons.start(env(cert, key), new FakeSyncEngine().factory())) {
      int port = URI.create(daemon.baseUrl()).getPort();
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("api", certificate);
      TrustManagerFactory trusting = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trusting.init(trust);
      SSLContext client = SSLContext.getInstance("TLS");
      client.init(null, trusting.getTrustManagers(), null);
      HttpClient https = HttpClient.newBuilder().sslContext(client).connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> live = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
          + "/api/v1/libraries")).header("Authorization", "Bearer " + TestDaemons.TOKEN).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, live.statusCode(), live.body());
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      assertThrows(java.io.IOException.class, () -> plain.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/health/live")).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString()), "no plain HTTP on a TLS port");
    }
  }

  @Test
  void aKeyThatIsNotTheCertificatesOrOnlyHalfThePairStopsTheStart() throws Exception {
    KeyPair keys = keys();
    Path cert = pem(dir.resolve("api.crt"), certificate(keys));
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    // OpenSSL's "BEGIN RSA PRIVATE KEY" form, read too, but not the certificate's key.
    Path otherKey = pem(dir.resolve("other.key"), rsa.generateKeyPair().getPrivate());
    assertTrue(Files.readString(otherKey).contains("BEGIN RSA PRIVATE KEY"));
    Daemon.StartupException wrong = assertThrows(Daemon.StartupException.class,
        () -> TestDaemons.start(env(cert, otherKey), new FakeSyncEngine().factory()));
    assertTrue(wrong.getMessage().contains("is not the key of the certificate"), wrong.getMessage());
    Daemon.StartupException half = assertThrows(Daemon.StartupException.class,
        () -> TestDaemons.start(env(cert, null), new FakeSyncEngine().factory()));
    assertTrue(half.getMessage().contains("set both NCSYNC_HTTP_TLS_CERT and NCSYNC_HTTP_TLS_KEY"), half.getMessage());
    Daemon.StartupException missing = assertThrows(Daemon.StartupException.class,
        () -> TestDaemons.start(env(dir.resolve("nope.crt"), otherKey), new FakeSyncEngine().factory()));
    assertTrue(missing.getMessage().contains("nope.crt"), missing.getMessage());
  }
}
