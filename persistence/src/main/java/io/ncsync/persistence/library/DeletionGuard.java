package io.ncsync.persistence.library;

import io.ncsync.persistence.sync.Discovery;

/**
 * Refuses runs whose view of one side looks like "everything was deleted" for a library that had files: a missing
 * mount, an unavailable external storage or a wrong folder answers exactly like that (PROTOCOL.md §8, lessons 1–3).
 */
final class DeletionGuard {
  private DeletionGuard() {}

  /** Why the run must not proceed, or null. */
  static String refusal(LibraryState state, Discovery discovery) {
    long files = state.fileCount();
    if (files == 0) return null;
    if (discovery.remote().isEmpty()) {
      return "the remote folder '" + state.config().remotePath() + "' listed empty but the library had " + files
          + " file(s): nothing was deleted (an unavailable server or mount looks like this)";
    }
    if (discovery.local().isEmpty()) {
      return "the workspace " + state.config().localRoot() + " is empty but the library had " + files
          + " file(s): nothing was deleted (an unmounted disk looks like this)";
    }
    return null;
  }
}
