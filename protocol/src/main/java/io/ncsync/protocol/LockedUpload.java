package io.ncsync.protocol;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.RequestEntityAcceptances;
import akka.http.javadsl.model.headers.RawHeader;
import akka.event.Logging;
import akka.event.LoggingAdapter;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.HttpTransport.Call;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A replacement on a server that answers PUT without an ETag (mod_dav and other plain WebDAV servers), made under a
 * WebDAV write lock (RFC 4918 §9.10) so that the ETag recorded is surely of our bytes. Without it another writer could
 * replace the file between our PUT and the PROPFIND that reads its ETag with content of the same size, and we would
 * record their ETag as ours: their version would then look synced for ever and a later edit of ours would overwrite it.
 *
 * <p>{@link #replace}: LOCK (with {@code If-Match}: a stale base costs no body), PUT under a staging name, PROPFIND it,
 * MOVE it over the locked file ({@code If:} carrying the token and the base ETag), UNLOCK: three requests more than a bare PUT and its PROPFIND. The lock alone is not
 * enough: mod_dav checks locks when a request starts, so a PUT of another writer's that started before our LOCK can
 * land after our PUT; the staging name makes the ETag we read ours whatever lands later. {@link #run} (LOCK, PUT with
 * {@code If: (<token>)}, PROPFIND, UNLOCK) is left for a file our LOCK had to create. A LOCK
 * of a path that does not exist makes either an empty file (RFC 4918, answered 201) or a lock-null resource that ends
 * with the lock (RFC 2518, mod_dav); should the PUT fail after a 201, the empty file is deleted under the same lock. A
 * lock left by a crash expires after the transfer's deadline and a minute. A server that does not know LOCK (405, 501)
 * is remembered and written to without one, as before; one that answers PUT with an ETag needs none.
 */
final class LockedUpload {
  static final HttpMethod LOCK = HttpMethods.custom("LOCK", false, false, RequestEntityAcceptances.Tolerated);
  static final HttpMethod UNLOCK = HttpMethods.custom("UNLOCK", false, true, RequestEntityAcceptances.Tolerated);

  private static final String LOCKINFO = """
      <?xml version="1.0" encoding="utf-8"?>
      <d:lockinfo xmlns:d="DAV:">
        <d:lockscope><d:exclusive/></d:lockscope>
        <d:locktype><d:write/></d:locktype>
        <d:owner>%s</d:owner>
      </d:lockinfo>
      """;

  /** Held for the transfer's own deadline and a minute more; a lock left by a crash expires on its own then. */
  private static final Duration LOCK_MARGIN = Duration.ofSeconds(60);

  private record Grant(String token, boolean created) {}

  private final AkkaHttpRemoteStore store;
  private final String path;
  private final LocalFile local;
  private final UploadOptions options;
  private final String url;

  LockedUpload(AkkaHttpRemoteStore store, String path, LocalFile local, UploadOptions options) {
    this.store = store;
    this.path = path;
    this.local = local;
    this.options = options;
    this.url = store.url(path);
  }

  /**
   * Runs {@code put} (given the lock token and the options left to send with it) under a lock, or without one when the
   * server refuses locks; the result carries the ETag read back while the lock was held.
   */
  CompletionStage<UploadResult> run(Function<Locked, CompletionStage<UploadResult>> put) {
    return lock().thenCompose(grant -> grant == null ? put.apply(new Locked(null, options)) : underLock(grant, put));
  }

  private CompletionStage<UploadResult> underLock(Grant grant, Function<Locked, CompletionStage<UploadResult>> put) {
    // 201: our LOCK made an empty file (RFC 4918), so "must not exist" held and If-None-Match would now refuse. A 200
    // may also mean a lock-null resource (RFC 2518, mod_dav), which a conditional PUT still sees as absent.
    UploadOptions underLock = grant.created && options.mustNotExist()
        ? new UploadOptions(null, false, options.resume(), options.sessionListener()) : options;
    return put.apply(new Locked(grant.token, underLock))
        .thenCompose(result -> readBack(result).handle((withEtag, error) -> unlock(grant).thenApply(unlocked -> {
          if (error != null) throw error instanceof CompletionException c ? c : new CompletionException(error);
          return withEtag;
        })).thenCompose(Function.identity()))
        .handle((result, error) -> {
          if (error == null) return CompletableFuture.completedFuture(result);
          CompletionStage<Void> released = grant.created ? deleteEmpty(grant) : unlock(grant);
          return released.<UploadResult>thenApply(done -> {
            throw error instanceof CompletionException c ? c : new CompletionException(error);
          });
        })
        .thenCompose(Function.identity());
  }

  /**
   * A replacement of an existing file: under the lock, PUT under a staging name nobody else writes ({@link StagedCreate}),
   * read the ETag there, then MOVE it over the locked file, the base ETag checked by the MOVE itself ({@code If:} with
   * the lock token and the ETag). The ETag recorded is then surely of our bytes, even when another writer's PUT that
   * passed the lock check before our LOCK lands after ours: theirs gets another ETag, which the next run sees as a
   * change. A server that refuses locks, or a file our LOCK had to create, goes the way of {@link #run}.
   */
  CompletionStage<UploadResult> replace(java.nio.file.Path source, Function<Locked, CompletionStage<UploadResult>> unstaged) {
    return lock().thenCompose(grant -> {
      if (grant == null) return unstaged.apply(new Locked(null, options));
      if (grant.created) return underLock(grant, unstaged);
      CompletionStage<UploadResult> moved = StagedCreate.staged(store, path, staging -> putAndMove(source, staging, grant));
      return moved.handle((result, error) -> unlock(grant).thenApply(unlocked -> {
        if (error != null) throw error instanceof CompletionException c ? c : new CompletionException(error);
        return result;
      })).thenCompose(Function.identity());
    });
  }

  private CompletionStage<UploadResult> putAndMove(java.nio.file.Path source, String staging, Grant grant) {
    // A replacement, not a creation, whatever the staging PUT answered; the identity is our staged bytes'.
    return StagedCreate.putThenPlace(store, path, staging, source, local, options,
        (result, entry) -> moveOver(staging, grant).thenApply(done -> new UploadResult(false, entry.etag(), entry.fileId(),
            result.checksum(), result.size(), result.mtimeAccepted(), result.sha256(), true)));
  }

  /** MOVE the staged file over ours, locked; refused (412) when the file is no longer the version the caller based on. */
  private CompletionStage<Void> moveOver(String staging, Grant grant) {
    String what = "PUT " + store.describe(path) + " (MOVE from its staging name)";
    String condition = "<" + grant.token + ">"
        + (options.ifMatchEtag() == null ? "" : " [" + ETags.quote(options.ifMatchEtag()) + "]");
    return store.sendExpecting(() -> HttpRequest.create(store.url(staging)).withMethod(AkkaHttpRemoteStore.MOVE)
            .addHeader(RawHeader.create("Destination", url))
            .addHeader(RawHeader.create("Overwrite", "T"))
            .addHeader(RawHeader.create("If", "<" + url + "> (" + condition + ")")),
        Call.unsafe(what, store.requestTimeout()), 201, 204);
  }

  /** The token to send as {@code If: (<token>)} (null: no lock) and the conditions that still apply. */
  record Locked(String token, UploadOptions options) {}

  private CompletionStage<UploadResult> readBack(UploadResult result) {
    if (result.etag() != null) return CompletableFuture.completedFuture(result); // the server told, no need to ask
    return store.stat(path).thenApply(entry -> {
      if (entry.size() != result.size()) {
        // Nobody else can write while we hold the lock: a different size means the server broke it.
        throw new DavException(DavError.CONFLICT, 0, "PUT " + store.describe(path) + ": " + result.size()
            + " bytes sent, " + entry.size() + " listed under our lock");
      }
      return result.withListedIdentity(entry.etag(), entry.fileId());
    });
  }

  /**
   * The grant, or null when this server does not take locks (remembered for the connection). A lock of ours in the way
   * is one a killed daemon left ({@link StaleLocks}): it is lifted and the LOCK sent once more.
   */
  private CompletionStage<Grant> lock() {
    return StaleLocks.retryingAfterLifting(store, java.util.List.of(path), this::lockOnce);
  }

  private CompletionStage<Grant> lockOnce() {
    String what = "LOCK " + store.describe(path);
    long seconds = store.settings().transferTimeout(local.size()).plus(LOCK_MARGIN).toSeconds();
    HttpTransport transport = store.shared().transport();
    // Not repeated after a lost answer: a repeat would meet our own lock (423) until it expires. The base ETag goes
    // with the LOCK too: a stale one is refused (412) before any body is sent, not after the staged PUT.
    java.util.List<akka.http.javadsl.model.HttpHeader> guard = options.ifMatchEtag() == null ? java.util.List.of()
        : java.util.List.of(RawHeader.create("If-Match", ETags.quote(options.ifMatchEtag())));
    return transport.send(() -> HttpRequest.create(url).withMethod(LOCK)
                .addHeaders(guard)
                .addHeader(RawHeader.create("Depth", "0"))
                .addHeader(RawHeader.create("Timeout", "Second-" + seconds))
                .withEntity(HttpEntities.create(ContentTypes.TEXT_XML_UTF8,
                    LOCKINFO.formatted(store.shared().writes().owner()).getBytes(StandardCharsets.UTF_8))),
            Call.unsafe(what, store.requestTimeout()))
        .thenApply(response -> {
          int status = store.discard(response).status().intValue();
          String token = lockToken(AkkaHttpRemoteStore.header(response, "Lock-Token"));
          if ((status == 200 || status == 201) && token != null) return new Grant(token, status == 201);
          // Only "no such method" means no locks: anything else may be this path's or this moment's trouble.
          if (status == 405 || status == 501 || ((status == 200 || status == 201) && token == null)) {
            refused(status);
            return null;
          }
          if (status == 207) {
            throw new DavException(DavError.LOCKED, status, what + ": refused for a resource below or above it (207)");
          }
          throw HttpTransport.failure(what, response);
        });
  }

  private void refused(int status) {
    store.shared().writes().refusedLocks();
    LoggingAdapter log = Logging.getLogger(store.shared().transport().system().classicSystem(), LockedUpload.class);
    log.warning("{} does not take WebDAV locks ({}): uploads go without one, and a same-size change by another writer"
        + " right after one of ours may be taken for ours", store.endpoint().root(), status);
  }

  /** {@code <opaquelocktoken:…>} → {@code opaquelocktoken:…}; null when absent or not a coded URL. */
  static String lockToken(String header) {
    if (header == null) return null;
    String h = header.strip();
    if (h.length() < 3 || h.charAt(0) != '<' || h.charAt(h.length() - 1) != '>') return null;
    String token = h.substring(1, h.length() - 1);
    return token.isEmpty() || token.indexOf('>') >= 0 || token.indexOf('<') >= 0 ? null : token;
  }

  private CompletionStage<Void> unlock(Grant grant) {
    return StaleLocks.unlock(store, path, grant.token);
  }

  /** The PUT failed after our LOCK created the file: remove the empty file (which also ends the lock). */
  private CompletionStage<Void> deleteEmpty(Grant grant) {
    return store.shared().transport().send(() -> HttpRequest.create(url).withMethod(HttpMethods.DELETE)
                .addHeader(RawHeader.create("If", "(<" + grant.token + ">)")),
            Call.idempotent("DELETE " + store.describe(path), store.requestTimeout()))
        .handle((response, error) -> {
          if (response != null) store.discard(response);
          boolean deleted = response != null && response.status().isSuccess();
          return deleted ? CompletableFuture.<Void>completedFuture(null) : unlock(grant);
        })
        .thenCompose(Function.identity());
  }
}
