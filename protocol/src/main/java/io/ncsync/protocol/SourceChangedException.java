package io.ncsync.protocol;

import java.io.IOException;

/** The local file changed while it was being uploaded: what was sent is stale. Upload it again once it settles. */
public final class SourceChangedException extends IOException {
  public SourceChangedException(String message) {
    super(message);
  }
}
