package io.ncsync.protocol;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * How one upload should go.
 *
 * @param ifMatchEtag     when non-null, the upload only replaces this version (412 → PRECONDITION_FAILED otherwise)
 * @param mustNotExist    when true, the upload fails with PRECONDITION_FAILED if anything exists at the path
 * @param resume          a chunked upload persisted earlier for this path, or null: its chunks already on the server
 *                        are kept
 * @param sessionListener told about the chunked upload's session when it starts and after every chunk, so the caller
 *                        can persist it; not called for plain PUTs. Drop the persisted session once the upload
 *                        completes, or fails with an error that is not {@link DavError#retryable()}.
 */
public record UploadOptions(
    String ifMatchEtag, boolean mustNotExist, UploadSession resume, Consumer<UploadSession> sessionListener) {

  private static final Consumer<UploadSession> IGNORE = session -> {};

  public UploadOptions {
    Objects.requireNonNull(sessionListener, "sessionListener");
    if (ifMatchEtag != null && mustNotExist) {
      throw new IllegalArgumentException("an upload cannot both replace a version and require that nothing exists");
    }
  }

  public static UploadOptions of(Optional<String> ifMatchEtag, boolean mustNotExist) {
    return new UploadOptions(ifMatchEtag.orElse(null), mustNotExist, null, IGNORE);
  }

  /** Creates a new file; fails if something exists at the path. */
  public static UploadOptions createOnly() {
    return new UploadOptions(null, true, null, IGNORE);
  }

  /** Replaces the version with this ETag. */
  public static UploadOptions replacing(String etag) {
    return new UploadOptions(etag, false, null, IGNORE);
  }

  /** Writes whatever is there (no guard). */
  public static UploadOptions unguarded() {
    return new UploadOptions(null, false, null, IGNORE);
  }

  public UploadOptions resuming(UploadSession session) {
    return new UploadOptions(ifMatchEtag, mustNotExist, session, sessionListener);
  }

  public UploadOptions withSessionListener(Consumer<UploadSession> listener) {
    return new UploadOptions(ifMatchEtag, mustNotExist, resume, listener);
  }

  public Optional<String> ifMatch() {
    return Optional.ofNullable(ifMatchEtag);
  }
}
