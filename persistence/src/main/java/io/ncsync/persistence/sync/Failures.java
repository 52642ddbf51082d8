package io.ncsync.persistence.sync;

import io.ncsync.protocol.DavException;
import io.ncsync.protocol.SourceChangedException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;

/**
 * The one place where errors from the wire and the disk become {@link FailureCode}s (and so {@link FailureClass}es).
 * Which HTTP statuses a request repeats by itself is listed once too, in the protocol's {@code DavError.retryable()};
 * what reaches this class already went through those repeats.
 */
public final class Failures {
  private Failures() {}

  /** The failure {@code error} stands for, with {@code message} for people. */
  public static Failure of(Throwable error, String message) {
    return new Failure(codeOf(error), message);
  }

  /** The failure a WebDAV error stands for; its message names the operation and the path already. */
  public static Failure of(DavException error) {
    return new Failure(codeOf(error), error.getMessage());
  }

  public static FailureCode codeOf(Throwable error) {
    Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (e instanceof DavException dav) return codeOf(dav);
    if (e instanceof SourceChangedException) return FailureCode.SOURCE_CHANGED;
    if (e instanceof NoSuchFileException) return FailureCode.CHANGED_MEANWHILE;
    if (e instanceof AccessDeniedException) return FailureCode.LOCAL_ACCESS_DENIED;
    if (e instanceof IOException io) return diskFull(io) ? FailureCode.DISK_FULL : FailureCode.LOCAL_IO;
    if (e instanceof java.io.UncheckedIOException unchecked) return codeOf(unchecked.getCause());
    return FailureCode.INTERNAL;
  }

  private static FailureCode codeOf(DavException e) {
    return switch (e.error()) {
      case UNAUTHORIZED -> FailureCode.UNAUTHORIZED;
      case INSUFFICIENT_STORAGE -> FailureCode.QUOTA_FULL;
      case TRANSPORT -> e.getCause() instanceof akka.pattern.CircuitBreakerOpenException
          ? FailureCode.SERVER_UNREACHABLE : FailureCode.NETWORK;
      case TOO_MANY_REQUESTS -> FailureCode.THROTTLED;
      case SERVER_ERROR -> FailureCode.SERVER_ERROR;
      case LOCKED -> FailureCode.LOCKED;
      // The version an If-Match named, or the file an action was about, is gone or different: the next run sees it.
      case PRECONDITION_FAILED, NOT_FOUND -> FailureCode.CHANGED_MEANWHILE;
      case FORBIDDEN -> FailureCode.FORBIDDEN;
      case CONFLICT, METHOD_NOT_ALLOWED -> FailureCode.PATH_CONFLICT;
      case INTEGRITY -> FailureCode.INTEGRITY;
      case MALFORMED_RESPONSE -> FailureCode.MALFORMED_RESPONSE;
      case HOSTILE_NAME -> FailureCode.HOSTILE_NAME;
      case UNEXPECTED_STATUS -> FailureCode.UNEXPECTED_STATUS;
    };
  }

  /** The JDK has no type for it: ENOSPC comes as an IOException with the C library's text (ENOSPC, "No space left"). */
  private static boolean diskFull(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null && (message.contains("No space left on device") || message.contains("Disk quota exceeded"))) {
        return true;
      }
    }
    return false;
  }
}
