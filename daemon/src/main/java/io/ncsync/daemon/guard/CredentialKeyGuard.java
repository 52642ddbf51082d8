package io.ncsync.daemon.guard;

import io.ncsync.daemon.config.DbKind;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.db.CredentialKeyRecord;
import io.ncsync.daemon.security.CredentialCipher;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the credential key only if it is the one the journal's credentials were stored with. A lost {@code secret.key}
 * used to be replaced silently, and then every sync failed with "stored credential does not decrypt". Now the journal
 * records the key's fingerprint when the key is first used, and a start with a missing or different key is refused,
 * naming where the key was expected. A new key is only ever created for a journal that has never held anything.
 */
public final class CredentialKeyGuard {
  private static final Logger log = LoggerFactory.getLogger(CredentialKeyGuard.class);

  private CredentialKeyGuard() {}

  /** The key does not fit the journal; the message names the key's location and what to restore. */
  public static final class KeyMismatchException extends Exception {
    KeyMismatchException(String message) {
      super(message);
    }
  }

  /** The cipher to use, after checking (and on first use recording) the key's fingerprint in the journal. */
  public static CredentialCipher open(Settings settings)
      throws IOException, SQLException, KeyMismatchException {
    Optional<CredentialCipher> existing = CredentialCipher.loadExisting(settings.secretKey(), settings.dataDir());
    String location = CredentialCipher.keyLocation(settings.secretKey(), settings.dataDir());
    String journal = DbKind.redactUrl(settings.dbUrl());
    try (Connection connection = DriverManager.getConnection(settings.dbUrl(), settings.dbUser(), settings.dbPassword())) {
      CredentialKeyRecord record = new CredentialKeyRecord(connection);
      if (settings.applySchema()) record.createTable();
      Optional<String> recorded = record.fingerprint();
      if (recorded.isPresent()) {
        if (existing.isEmpty()) {
          throw new KeyMismatchException("the journal " + journal + " was created with a credential key that is "
              + "missing: restore " + location + " from your backup (or set NCSYNC_SECRET_KEY to it). No new key is "
              + "made: it could not read a single stored app password. If the key is lost for good, so are the stored "
              + "passwords: start over with an empty journal and add the connections again");
        }
        if (!recorded.get().equals(existing.get().fingerprint())) {
          throw new KeyMismatchException("the credential key in " + location + " is not the one the journal "
              + journal + " stored its credentials with (the fingerprints differ): restore the original key from "
              + "your backup" + (settings.secretKey().isPresent() ? ", or unset NCSYNC_SECRET_KEY if the key file "
              + "holds it" : ""));
        }
        return existing.get();
      }
      if (existing.isEmpty() && record.journalHasEvents()) {
        throw new KeyMismatchException("the journal " + journal + " already holds connections and libraries, but the "
            + "credential key " + location + " is missing: restore it from your backup (or set NCSYNC_SECRET_KEY to "
            + "it). No new key is made: it could not read a single stored app password");
      }
      CredentialCipher cipher = existing.isPresent()
          ? existing.get() : CredentialCipher.load(settings.secretKey(), settings.dataDir());
      if (!record.recordIfAbsent(cipher.fingerprint()).equals(cipher.fingerprint())) {
        throw new KeyMismatchException("another node recorded a different credential key in the journal " + journal
            + " at the same moment: give every node of the cluster the same key (" + location + ")");
      }
      log.info("credential key: fingerprint recorded in the journal");
      return cipher;
    }
  }
}
