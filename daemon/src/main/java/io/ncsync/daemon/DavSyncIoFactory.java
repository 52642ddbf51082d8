package io.ncsync.daemon;

import akka.actor.typed.ActorSystem;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.connections.ConnectionRemoteStores;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.daemon.sync.DavSyncIo;
import io.ncsync.persistence.sync.SyncIo;
import java.util.concurrent.Executor;

/** The real I/O: workspaces on disk, remotes over WebDAV with each connection's decrypted credentials. */
public final class DavSyncIoFactory implements SyncIoFactory {
  @Override
  public SyncIo create(ActorSystem<?> system, Settings settings, CredentialCipher cipher, Executor blocking) {
    return new DavSyncIo(
        system, ConnectionRemoteStores.create(system, settings.askTimeout(), cipher), settings.trashDir(), blocking);
  }
}
