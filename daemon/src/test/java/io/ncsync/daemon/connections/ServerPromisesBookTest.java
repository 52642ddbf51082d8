package io.ncsync.daemon.connections;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.PromiseKeepingRemoteStore;
import io.ncsync.protocol.RemoteStore;
import io.ncsync.protocol.ServerPromises;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the daemon does when a connection's promise probe cannot run: trust nothing, or try again later. */
class ServerPromisesBookTest {
  @TempDir Path tmp;
  private final ServerPromisesBook book = new ServerPromisesBook();

  @Test
  void aProbeRefusedForGoodLeavesTheConnectionTrustingNothing() throws Exception {
    RemoteStore root = refusing(new DavException(DavError.FORBIDDEN, 403, "MKCOL: 403 Forbidden"));

    RemoteStore kept = book.keepPromises("t", "c", root, tmp.resolve("probe")).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);

    PromiseKeepingRemoteStore wrapped = assertInstanceOf(PromiseKeepingRemoteStore.class, kept);
    assertEquals(ServerPromises.NONE_TRUSTED, wrapped.promises());
    ServerPromisesStatus status = book.status("t", "c").orElseThrow();
    assertFalse(status.ifNoneMatch() || status.ifMatch() || status.moveChangesFolderEtag() || status.moveOverwriteF());
    assertTrue(status.fullWalks());
    assertTrue(status.problem().contains("403"), status.problem());
  }

  @Test
  void aProbeThatMayPassFailsTheOpeningAndRecordsNothing() {
    RemoteStore root = refusing(new DavException(DavError.TRANSPORT, 0, "MKCOL: connection refused"));

    ExecutionException failed = assertThrows(ExecutionException.class, () -> book.keepPromises("t", "c", root,
        tmp.resolve("probe")).toCompletableFuture().get(10, TimeUnit.SECONDS));

    assertEquals(DavError.TRANSPORT, assertInstanceOf(DavException.class, failed.getCause()).error());
    assertTrue(book.status("t", "c").isEmpty(), "the next use probes again");
  }

  /** A server that refuses the probe's first step; nothing else may be asked of it. */
  private static RemoteStore refusing(DavException refusal) {
    return (RemoteStore) Proxy.newProxyInstance(RemoteStore.class.getClassLoader(), new Class<?>[] {RemoteStore.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "mkcol" -> CompletableFuture.failedFuture(refusal);
          case "etagsPropagate" -> true;
          case "toString" -> "a store refusing with " + refusal.getMessage();
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }
}
