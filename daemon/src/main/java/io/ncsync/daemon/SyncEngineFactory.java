package io.ncsync.daemon;

import akka.actor.typed.ActorSystem;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.persistence.sync.SyncEngine;
import java.util.concurrent.Executor;

/** Creates the libraries' I/O once the ActorSystem exists. Production: {@link DiskDavEngineFactory}; tests: fakes. */
public interface SyncEngineFactory {
  /**
   * @param blocking executor for blocking file-system work (the {@code ncsync.blocking-io-dispatcher})
   */
  SyncEngine create(ActorSystem<?> system, Settings settings, CredentialCipher cipher, Executor blocking);

  /**
   * The connections' stores of the engine {@link #create} made, for what the API asks of a server directly (versions,
   * trash bin); empty when the engine has none (then those calls answer 409).
   */
  default java.util.Optional<io.ncsync.daemon.sync.RemoteStores> remoteStores() {
    return java.util.Optional.empty();
  }
}
