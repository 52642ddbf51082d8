package io.ncsync.persistence.sync;

/** What a document action moved, for the run's counters. */
public enum Transfer {
  UPLOADED,
  DOWNLOADED,
  DELETED_LOCAL,
  DELETED_REMOTE,
  /** Only the base changed: both sides already agreed. */
  NONE
}
