package io.ncsync.daemon.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotates the master key while the daemon runs: secrets still under the master key are first encrypted under their
 * tenant's data key, then every data key is re-wrapped under the new master key in one transaction. With the key file,
 * the new key is written to {@value MasterKey#NEXT_FILE_NAME} before the switch and renamed over
 * {@value MasterKey#FILE_NAME} after it, so a stop at any point leaves a key that opens the journal (see
 * {@link MasterKey#settleRotation}). With {@code NCSYNC_SECRET_KEY}, the operator brings the new key and changes the
 * variable before the next start.
 */
public final class KeyRotation {
  private static final Logger log = LoggerFactory.getLogger(KeyRotation.class);

  /** What a rotation did; nothing secret. */
  public record Outcome(String fingerprint, int dataKeys, int migratedSecrets, String keyLocation, String next) {}

  /** The rotation cannot run now or with this input; the message says why and what to do. */
  public static final class Refused extends RuntimeException {
    public final boolean badInput;

    Refused(String message, boolean badInput) {
      super(message);
      this.badInput = badInput;
    }
  }

  private final TenantKeys keys;
  private final Supplier<CompletionStage<LegacySecretMigration.Outcome>> migrateLegacySecrets;
  private final Optional<Path> keyFileDir;
  private final Executor blocking;
  private final AtomicBoolean running = new AtomicBoolean();

  /** @param keyFileDir the data dir when the key is the key file; empty when it is NCSYNC_SECRET_KEY */
  public KeyRotation(TenantKeys keys, Supplier<CompletionStage<LegacySecretMigration.Outcome>> migrateLegacySecrets,
      Optional<Path> keyFileDir, Executor blocking) {
    this.keys = keys;
    this.migrateLegacySecrets = migrateLegacySecrets;
    this.keyFileDir = keyFileDir;
    this.blocking = blocking;
  }

  /** @param newKeyBase64 the new key; required with NCSYNC_SECRET_KEY, generated when absent with the key file */
  public CompletionStage<Outcome> rotate(Optional<String> newKeyBase64) {
    if (keyFileDir.isEmpty() && newKeyBase64.isEmpty()) {
      throw new Refused("the master key comes from " + MasterKey.ENV_NAME + ", which the daemon cannot change: give "
          + "the new key (newKey, base64 of 32 bytes; `ncsync keys rotate --new-key-file FILE`) and set the variable "
          + "to it before the next start", true);
    }
    MasterKey next;
    try {
      next = newKeyBase64.map(k -> MasterKey.decode(k, "newKey")).orElseGet(MasterKey::generate);
    } catch (IllegalArgumentException e) {
      throw new Refused(e.getMessage(), true);
    }
    if (next.fingerprint().equals(keys.master().fingerprint())) {
      throw new Refused("newKey is the master key in use", true);
    }
    if (!running.compareAndSet(false, true)) throw new Refused("a rotation is running already", false);
    return CompletableFuture.completedFuture(null).thenCompose(start -> migrateLegacySecrets.get())
        .thenApplyAsync(migrated -> {
          if (migrated.remaining() > 0) {
            throw new Refused(migrated.remaining() + " stored secrets are still under the master key and could not "
                + "be moved under their tenant's data key (see the log); nothing was rotated", false);
          }
          return rewrap(next, migrated.migrated());
        }, blocking)
        .whenComplete((outcome, error) -> running.set(false));
  }

  private Outcome rewrap(MasterKey next, int migrated) {
    Optional<Path> pending = keyFileDir.map(dir -> dir.resolve(MasterKey.NEXT_FILE_NAME));
    try {
      if (pending.isPresent()) {
        Files.deleteIfExists(pending.get());
        SecretFiles.create(pending.get(), next.encoded());
      }
      int dataKeys;
      try {
        dataKeys = keys.rotate(next);
      } catch (SQLException | RuntimeException e) {
        if (pending.isPresent()) Files.deleteIfExists(pending.get());
        throw e;
      }
      String location = MasterKey.ENV_NAME;
      if (pending.isPresent()) {
        Path file = keyFileDir.get().resolve(MasterKey.FILE_NAME);
        try {
          Files.move(pending.get(), file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          location = file.toString();
        } catch (IOException e) {
          // The journal is on the new key already; the next start renames the file (MasterKey.settleRotation).
          log.error("master key rotated, but {} could not replace {}: {}; the next start will", pending.get(), file,
              e.toString());
          location = pending.get().toString();
        }
      }
      log.info("master key rotated ({} data keys re-wrapped, {} older secrets moved under data keys); the key is "
          + "in {}", dataKeys, migrated, location);
      return new Outcome(next.fingerprint(), dataKeys, migrated, location, keyFileDir.isPresent()
          ? "back up the new " + location + " now: the journal can no longer be opened with the old key"
          : "set " + MasterKey.ENV_NAME + " to the new key before the next start: the journal can no longer be "
              + "opened with the old key");
    } catch (IOException | SQLException e) {
      throw new IllegalStateException("the rotation failed, the old master key stays in use: " + e.getMessage(), e);
    }
  }
}
