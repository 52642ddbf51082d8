package io.ncsync.persistence.sync;

/**
 * How a library's plan treats deletions: what a file deleted on the server does to the local copy, and whether a file
 * deleted in the workspace is deleted on the server.
 */
public record DeletionRules(RemoteDeletionPolicy remoteDeletions, LocalDeletions localDeletions) {
  public static final DeletionRules DEFAULTS = new DeletionRules(RemoteDeletionPolicy.TRASH, LocalDeletions.PROPAGATE);

  public DeletionRules {
    remoteDeletions = remoteDeletions == null ? RemoteDeletionPolicy.TRASH : remoteDeletions;
    localDeletions = localDeletions == null ? LocalDeletions.PROPAGATE : localDeletions;
  }

  boolean propagatesLocalDeletions() {
    return localDeletions == LocalDeletions.PROPAGATE;
  }

  /** The policy removes the local file from the workspace (into the trash, the archive, or for good). */
  public static boolean removesLocalFile(RemoteDeletionPolicy policy) {
    return policy == RemoteDeletionPolicy.TRASH || policy == RemoteDeletionPolicy.ARCHIVE || policy == RemoteDeletionPolicy.DELETE;
  }
}
