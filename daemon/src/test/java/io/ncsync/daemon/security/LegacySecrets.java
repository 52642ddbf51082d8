package io.ncsync.daemon.security;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Secrets as daemons stored them before data keys ({@code v1:}), written with the JDK, not with the code under test:
 * AES-256-GCM under the master key, 12-byte IV in front, base64url without padding.
 */
public final class LegacySecrets {
  private LegacySecrets() {}

  public static String v1(String base64MasterKey, String secret, String associatedData) throws Exception {
    byte[] iv = new byte[12];
    new SecureRandom().nextBytes(iv);
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(Base64.getDecoder().decode(base64MasterKey.trim()), "AES"),
        new GCMParameterSpec(128, iv));
    gcm.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
    byte[] sealed = gcm.doFinal(secret.getBytes(StandardCharsets.UTF_8));
    byte[] all = new byte[iv.length + sealed.length];
    System.arraycopy(iv, 0, all, 0, iv.length);
    System.arraycopy(sealed, 0, all, iv.length, sealed.length);
    return "v1:" + Base64.getUrlEncoder().withoutPadding().encodeToString(all);
  }
}
