package io.ncsync.persistence.library;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A {@link DocumentHistory} in memory, with the same limit: for engine and actor tests. Thread-safe. */
public final class InMemoryDocumentHistory implements DocumentHistory {
  private final Map<String, Deque<DocumentTransition>> byDocument = new HashMap<>();

  @Override
  public synchronized void record(String tenantId, String libraryId, List<DocumentTransition> transitions) {
    for (DocumentTransition t : transitions) {
      Deque<DocumentTransition> steps = byDocument.computeIfAbsent(key(tenantId, libraryId, t.documentId()), k -> new ArrayDeque<>());
      steps.addFirst(t);
      while (steps.size() > KEPT) steps.removeLast();
    }
  }

  @Override
  public synchronized CompletionStage<List<DocumentTransition>> of(String tenantId, String libraryId, String documentId,
      int limit) {
    Deque<DocumentTransition> steps = byDocument.getOrDefault(key(tenantId, libraryId, documentId), new ArrayDeque<>());
    return CompletableFuture.completedFuture(
        List.copyOf(new ArrayList<>(steps).subList(0, Math.min(steps.size(), Math.min(limit, KEPT)))));
  }

  private static String key(String tenantId, String libraryId, String documentId) {
    return tenantId + "\u0000" + libraryId + "\u0000" + documentId;
  }
}
