package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;
import java.time.Instant;

/**
 * A lock an API client holds on a document: runs leave the document alone on both sides until it is released or
 * expires; its pending change waits.
 *
 * @param path     where the document was when it was locked (a move since is followed through its document id)
 * @param onServer the lock is also held on the server (Nextcloud's files_lock), released with this one
 */
public record DocumentLock(String documentId, String path, String owner, Instant lockedAt, Instant expiresAt,
    boolean onServer) implements CborSerializable {

  public boolean expired(Instant now) {
    return !expiresAt.isAfter(now);
  }

  DocumentLock renewed(Instant until) {
    return new DocumentLock(documentId, path, owner, lockedAt, until, onServer);
  }
}
