package io.ncsync.persistence.sync;

import io.ncsync.persistence.library.LibraryConfig;
import java.io.IOException;
import java.util.concurrent.CompletionStage;

/**
 * Where the engine finds a library's two sides: its {@link Workspace} and its folder on the server (the protocol's
 * {@link io.ncsync.protocol.RemoteStore} of its connection). The daemon supplies disk and HTTP.
 */
public interface LibraryPorts {

  Workspace workspace(LibraryConfig config) throws IOException;

  /** The store of the library's connection, rooted at the connection's files root (the engine scopes it). */
  CompletionStage<io.ncsync.protocol.RemoteStore> connection(LibraryConfig config);

  /** Starts watching the library's workspace for changes; the default cannot (the schedule alone syncs). */
  default ChangeWatch watch(LibraryConfig config, ChangeWatch.Listener listener) {
    return ChangeWatch.unavailable("this workspace cannot be watched");
  }

  /** Starts watching the library's server folder for changes; the default cannot (the schedule alone syncs). */
  default ChangeWatch watchRemote(LibraryConfig config, ChangeWatch.Listener listener) {
    return ChangeWatch.unavailable("the server folder cannot be watched");
  }

  /** The store scoped to the library's remote folder. */
  default CompletionStage<io.ncsync.protocol.RemoteStore> remote(LibraryConfig config) {
    return connection(config).thenApply(store -> store.scoped(config.remotePath()));
  }
}
