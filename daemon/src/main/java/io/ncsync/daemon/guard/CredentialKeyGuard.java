package io.ncsync.daemon.guard;

import io.ncsync.daemon.config.DbKind;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.db.CredentialKeyRecord;
import io.ncsync.daemon.db.JdbcDataKeys;
import io.ncsync.daemon.security.MasterKey;
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

  /**
   * The master key to use, after checking (and on first use recording) its fingerprint in the journal. A rotation a
   * stop interrupted is settled first (see {@link MasterKey#settleRotation}).
   */
  public static MasterKey open(Settings settings)
      throws IOException, SQLException, KeyMismatchException {
    String location = MasterKey.location(settings.secretKey(), settings.dataDir());
    String journal = DbKind.redactUrl(settings.dbUrl());
    try (Connection connection = DriverManager.getConnection(settings.dbUrl(), settings.dbUser(), settings.dbPassword())) {
      CredentialKeyRecord record = new CredentialKeyRecord(connection);
      if (settings.applySchema()) {
        record.createTable();
        JdbcDataKeys.createTable(connection);
      }
      Optional<String> recorded = record.fingerprint();
      if (settings.secretKey().isEmpty()) MasterKey.settleRotation(settings.dataDir(), recorded);
      Optional<MasterKey> existing = MasterKey.loadExisting(settings.secretKey(), settings.dataDir());
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
              + "your backup, or, after a rotation (`ncsync keys rotate`), the new key" + (settings.secretKey().isPresent()
              ? " (a rotation with NCSYNC_SECRET_KEY set needs the variable changed to the new key)" : ""));
        }
        return existing.get();
      }
      if (existing.isEmpty() && record.journalHasEvents()) {
        throw new KeyMismatchException("the journal " + journal + " already holds connections and libraries, but the "
            + "credential key " + location + " is missing: restore it from your backup (or set NCSYNC_SECRET_KEY to "
            + "it). No new key is made: it could not read a single stored app password");
      }
      MasterKey key = existing.isPresent()
          ? existing.get() : MasterKey.loadOrCreate(settings.secretKey(), settings.dataDir());
      if (!record.recordIfAbsent(key.fingerprint()).equals(key.fingerprint())) {
        throw new KeyMismatchException("another node recorded a different credential key in the journal " + journal
            + " at the same moment: give every node of the cluster the same key (" + location + ")");
      }
      log.info("master key: fingerprint recorded in the journal");
      return key;
    }
  }
}
