package io.ncsync.daemon.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a notification is signed: {@code X-Ncsync-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">} with the
 * webhook's secret, {@code X-Ncsync-Timestamp} the epoch seconds. A receiver recomputes it (and may refuse old
 * timestamps), so neither a forged nor a replayed body passes.
 */
public final class WebhookSignature {
  public static final String SIGNATURE_HEADER = "X-Ncsync-Signature";
  public static final String TIMESTAMP_HEADER = "X-Ncsync-Timestamp";

  private WebhookSignature() {}

  public static String sign(String secret, long timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }
}
