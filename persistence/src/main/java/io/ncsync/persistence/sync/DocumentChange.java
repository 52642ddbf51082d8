package io.ncsync.persistence.sync;

/** One change to the base that a document action produced. */
public sealed interface DocumentChange {

  /** Both sides now hold this version of the path. */
  record BaseRecorded(BaseEntry entry, Transfer transfer) implements DocumentChange {}

  /** The path is gone from both sides. */
  record BaseForgotten(String path, Transfer transfer) implements DocumentChange {}

  /** Both sides now hold what was at {@code from} (and everything below it) at {@code to}. */
  record BaseMoved(String from, String to) implements DocumentChange {}
}
