package io.ncsync.daemon.sync;

import io.ncsync.protocol.RemoteStore;
import java.util.concurrent.CompletionStage;

/** Opens the remote store of a tenant's connection (decrypting its credentials); the store is rooted at the connection's files root. */
public interface RemoteStores {
  CompletionStage<RemoteStore> forConnection(String tenantId, String connectionId);
}
