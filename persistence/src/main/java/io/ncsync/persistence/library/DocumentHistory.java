package io.ncsync.persistence.library;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The port where a library keeps its documents' transitions, apart from its state (a library of 100,000 documents
 * with 50 steps each would not fit in a snapshot). Written after the events that caused them are journaled: the
 * journal stays the truth, the history explains it.
 */
public interface DocumentHistory {
  /** How many transitions are kept per document; older ones are compacted away. */
  int KEPT = 50;

  /** Appends transitions of one library, in order. Does not block; a failure to write is logged, never thrown. */
  void record(String tenantId, String libraryId, List<DocumentTransition> transitions);

  /** The newest {@code limit} (at most {@link #KEPT}) transitions of a document, newest first; empty when unknown. */
  CompletionStage<List<DocumentTransition>> of(String tenantId, String libraryId, String documentId, int limit);

  /** The newest transition of each of these documents that has one. The default knows none. */
  default CompletionStage<java.util.Map<String, DocumentTransition>> latest(String tenantId, String libraryId,
      java.util.Collection<String> documentIds) {
    return java.util.concurrent.CompletableFuture.completedFuture(java.util.Map.of());
  }

  /** The documents with a transition at or after {@code since}. The default knows none. */
  default CompletionStage<java.util.Set<String>> changedSince(String tenantId, String libraryId,
      java.time.Instant since) {
    return java.util.concurrent.CompletableFuture.completedFuture(java.util.Set.of());
  }

  /** Records nothing: for tests that do not look at history. */
  DocumentHistory NONE = new DocumentHistory() {
    @Override
    public void record(String tenantId, String libraryId, List<DocumentTransition> transitions) {}

    @Override
    public CompletionStage<List<DocumentTransition>> of(String tenantId, String libraryId, String documentId, int limit) {
      return java.util.concurrent.CompletableFuture.completedFuture(List.of());
    }
  };
}
