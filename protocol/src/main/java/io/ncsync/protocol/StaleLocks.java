package io.ncsync.protocol;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.headers.RawHeader;
import io.ncsync.protocol.http.HttpTransport.Call;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Locks of ours that a killed daemon left behind ({@link LockedUpload}). Only one upload of a path runs at a time, so a
 * lock in our way that carries our owner name belongs to nobody alive: a write refused with 423 looks for such locks
 * (RFC 4918 {@code DAV:lockdiscovery}), lifts them with UNLOCK, and is sent once more. Anyone else's lock is left.
 */
final class StaleLocks {
  private static final byte[] LOCKDISCOVERY = """
      <?xml version="1.0" encoding="utf-8"?>
      <d:propfind xmlns:d="DAV:"><d:prop><d:lockdiscovery/></d:prop></d:propfind>
      """.getBytes(StandardCharsets.UTF_8);

  private StaleLocks() {}

  /** {@code write}, and once more after lifting our stale locks on {@code paths} when it was refused as LOCKED. */
  static <T> CompletionStage<T> retryingAfterLifting(AkkaHttpRemoteStore store, List<String> paths,
      Supplier<CompletionStage<T>> write) {
    return write.get().exceptionallyCompose(error -> {
      Throwable cause = AkkaHttpRemoteStore.unwrap(error);
      if (!(cause instanceof DavException dav) || dav.error() != DavError.LOCKED) return CompletableFuture.failedFuture(cause);
      CompletionStage<Integer> lifted = CompletableFuture.completedFuture(0);
      for (String path : paths) lifted = lifted.thenCompose(before -> liftOurs(store, path).thenApply(n -> before + n));
      return lifted
          .exceptionally(lookupFailed -> 0) // the 423 is the answer worth reporting
          .thenCompose(count -> count == 0 ? CompletableFuture.<T>failedFuture(cause) : write.get());
    });
  }

  /** Lifts the locks on {@code path} that carry our owner name; completes with how many. */
  static CompletionStage<Integer> liftOurs(AkkaHttpRemoteStore store, String path) {
    String url = store.url(path);
    String owner = store.shared().writes().owner();
    return store.shared().transport().sendStrict(() -> HttpRequest.create(url).withMethod(AkkaHttpRemoteStore.PROPFIND)
                .addHeader(RawHeader.create("Depth", "0"))
                .withEntity(HttpEntities.create(ContentTypes.TEXT_XML_UTF8, LOCKDISCOVERY)),
            Call.idempotent("PROPFIND lockdiscovery " + store.describe(path), store.requestTimeout()), 1 << 20)
        .thenCompose(answer -> {
          List<String> ours = answer.status() != 207 ? List.of() : ActiveLocks.parse(answer.body()).stream()
              .filter(lock -> owner.equals(lock.owner()))
              .map(ActiveLocks.ActiveLock::token)
              .toList();
          CompletionStage<Void> done = CompletableFuture.completedFuture(null);
          for (String token : ours) done = done.thenCompose(previous -> unlock(store, path, token));
          return done.thenApply(all -> ours.size());
        });
  }

  /** Best effort: a lock that stays expires after its timeout. */
  static CompletionStage<Void> unlock(AkkaHttpRemoteStore store, String path, String token) {
    return store.shared().transport().send(() -> HttpRequest.create(store.url(path)).withMethod(LockedUpload.UNLOCK)
                .addHeader(RawHeader.create("Lock-Token", "<" + token + ">")),
            Call.idempotent("UNLOCK " + store.describe(path), store.requestTimeout()))
        .handle((response, error) -> {
          if (response != null) store.discard(response);
          return null;
        });
  }
}
