package io.ncsync.daemon;

import akka.actor.typed.ActorSystem;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.persistence.sync.SyncIo;
import java.util.concurrent.Executor;

/** Creates the libraries' I/O once the ActorSystem exists. Production: {@link DavSyncIoFactory}; tests: fakes. */
@FunctionalInterface
public interface SyncIoFactory {
  /**
   * @param blocking executor for blocking file-system work (the {@code ncsync.blocking-io-dispatcher})
   */
  SyncIo create(ActorSystem<?> system, Settings settings, CredentialCipher cipher, Executor blocking);
}
