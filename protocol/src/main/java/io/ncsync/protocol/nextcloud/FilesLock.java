package io.ncsync.protocol.nextcloud;

import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.RequestEntityAcceptances;
import akka.http.javadsl.model.headers.RawHeader;
import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.UrlPaths;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.HttpTransport.Call;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files_lock app's user locks ({@code LOCK} / {@code UNLOCK} with {@code X-User-Lock: 1}): people working in
 * Nextcloud see the file locked by the connection's user. A file someone else holds answers 423; the failure names
 * the holder as the server does.
 */
public final class FilesLock {
  static final HttpMethod LOCK = HttpMethods.custom("LOCK", false, false, RequestEntityAcceptances.Tolerated);
  static final HttpMethod UNLOCK = HttpMethods.custom("UNLOCK", false, true, RequestEntityAcceptances.Tolerated);
  private static final Pattern SABRE_MESSAGE = Pattern.compile("<s:message>(.*?)</s:message>", Pattern.DOTALL);

  private final AkkaHttpRemoteStore files;

  private FilesLock(AkkaHttpRemoteStore files) {
    this.files = files;
  }

  /** User locks on the store's server, or null when the server does not announce files_lock. */
  public static FilesLock of(AkkaHttpRemoteStore files) {
    return files.features().nextcloud() && files.features().filesLocking() ? new FilesLock(files) : null;
  }

  /** Locks {@code path} (below the store's root) for the connection's user; fails LOCKED naming another holder. */
  public CompletionStage<Void> lock(String path) {
    return send(LOCK, path, 200);
  }

  /** Releases our lock on {@code path}; a file not locked (412) counts as released. */
  public CompletionStage<Void> unlock(String path) {
    return send(UNLOCK, path, 200, 412);
  }

  private CompletionStage<Void> send(HttpMethod method, String path, int... ok) {
    String url;
    try {
      url = files.endpoint().root().toASCIIString() + UrlPaths.encodePath(path);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String what = method.name() + " (files_lock) " + path;
    return files.transport().sendStrict(() -> HttpRequest.create(url).withMethod(method)
                .addHeader(RawHeader.create("X-User-Lock", "1")),
            Call.unsafe(what, files.settings().requestTimeout()), 64 * 1024)
        .thenApply(response -> {
          for (int code : ok) if (response.status() == code) return null;
          if (response.status() == 423) {
            throw new DavException(DavError.LOCKED, 423, what + ": " + serverMessage(response.body()), null, null);
          }
          throw HttpTransport.failure(what, response);
        });
  }

  /** The Sabre error's message ("File is locked by bob"), or a plain "locked by someone else". */
  static String serverMessage(byte[] body) {
    Matcher m = SABRE_MESSAGE.matcher(new String(body, StandardCharsets.UTF_8));
    return m.find() ? m.group(1).trim() : "locked by someone else";
  }
}
