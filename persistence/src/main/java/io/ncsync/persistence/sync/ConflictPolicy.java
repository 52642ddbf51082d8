package io.ncsync.persistence.sync;

import java.util.Map;

/**
 * What the plan needs to know about conflicts: the library's strategy, its conflicts not yet resolved, by path
 * (nothing is planned for such a path until it is resolved or both sides become identical), and whether a file on both
 * sides without a base must be compared by content even when its size and modification time agree
 * ({@code verifyOnAdopt}).
 */
public record ConflictPolicy(ConflictStrategy strategy, Map<String, ConflictRecord> unresolved, boolean verifyOnAdopt) {
  public static final ConflictPolicy DEFAULT = new ConflictPolicy(ConflictStrategy.KEEP_BOTH, Map.of());

  public ConflictPolicy(ConflictStrategy strategy, Map<String, ConflictRecord> unresolved) {
    this(strategy, unresolved, false);
  }

  public ConflictPolicy {
    strategy = strategy == null ? ConflictStrategy.KEEP_BOTH : strategy;
    unresolved = unresolved == null ? Map.of() : unresolved;
  }

  /**
   * The strategy for two edited files under {@code mode}: a one-way library writes only in its direction, so a strategy
   * that would write the other way waits for the operator instead.
   */
  public ConflictStrategy forBothModified(SyncMode mode) {
    return switch (mode) {
      case BIDIRECTIONAL -> strategy;
      case LOCAL_TO_REMOTE -> strategy == ConflictStrategy.KEEP_LOCAL ? strategy : ConflictStrategy.MANUAL;
      case REMOTE_TO_LOCAL -> strategy == ConflictStrategy.KEEP_REMOTE ? strategy : ConflictStrategy.MANUAL;
    };
  }

  /**
   * The strategy for a file against a folder: neither can replace the other, so every strategy but {@code manual} keeps
   * both (the local one moves to a conflict-copy name); one-way libraries wait for the operator.
   */
  public ConflictStrategy forTypeMismatch(SyncMode mode) {
    return mode == SyncMode.BIDIRECTIONAL && strategy != ConflictStrategy.MANUAL ? ConflictStrategy.KEEP_BOTH : ConflictStrategy.MANUAL;
  }
}
