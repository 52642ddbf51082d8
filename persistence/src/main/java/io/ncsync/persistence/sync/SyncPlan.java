package io.ncsync.persistence.sync;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** A run's actions grouped by phase, each phase in the order it must run. */
public record SyncPlan(Map<SyncAction.Phase, List<SyncAction>> phases) {

  public SyncPlan {
    EnumMap<SyncAction.Phase, List<SyncAction>> copy = new EnumMap<>(SyncAction.Phase.class);
    phases.forEach((phase, actions) -> copy.put(phase, List.copyOf(actions)));
    phases = java.util.Collections.unmodifiableMap(copy);
  }

  /**
   * Groups actions: folder creations shallow first, folder deletions deep first, moves in the order given (each may
   * depend on the one before), the rest by path.
   */
  public static SyncPlan of(List<SyncAction> actions) {
    EnumMap<SyncAction.Phase, List<SyncAction>> byPhase = new EnumMap<>(SyncAction.Phase.class);
    for (SyncAction action : actions) byPhase.computeIfAbsent(action.phase(), p -> new ArrayList<>()).add(action);
    Comparator<SyncAction> shallowFirst =
        Comparator.<SyncAction>comparingInt(a -> io.ncsync.protocol.RemotePaths.depth(a.path())).thenComparing(SyncAction::path);
    byPhase.forEach((phase, list) -> {
      if (phase != SyncAction.Phase.MOVES) list.sort(phase == SyncAction.Phase.DELETE_FOLDERS ? shallowFirst.reversed() : shallowFirst);
    });
    return new SyncPlan(byPhase);
  }

  /**
   * Groups uploads of new files no larger than {@code maxFileBytes} into batches of up to {@code maxFiles}: many small
   * files then cost a few bulk requests instead of one PUT each.
   */
  public SyncPlan batchingNewSmallFiles(int maxFiles, long maxFileBytes) {
    List<SyncAction> transfers = actions(SyncAction.Phase.TRANSFER_FILES);
    List<SyncAction> regrouped = new ArrayList<>();
    List<SyncAction.Upload> batch = new ArrayList<>();
    for (SyncAction action : transfers) {
      if (action instanceof SyncAction.Upload upload && upload.base() == null && upload.resume() == null
          && upload.local().size() <= maxFileBytes && maxFiles > 1) {
        batch.add(upload);
        if (batch.size() == maxFiles) {
          regrouped.add(new SyncAction.UploadBatch(batch));
          batch = new ArrayList<>();
        }
      } else {
        regrouped.add(action);
      }
    }
    if (batch.size() == 1) regrouped.add(batch.get(0));
    else if (!batch.isEmpty()) regrouped.add(new SyncAction.UploadBatch(batch));
    EnumMap<SyncAction.Phase, List<SyncAction>> next = new EnumMap<>(SyncAction.Phase.class);
    next.putAll(phases);
    next.put(SyncAction.Phase.TRANSFER_FILES, regrouped);
    return new SyncPlan(next);
  }

  /** Documents the plan touches (a batch counts each of its files). */
  public int documents() {
    return phases.values().stream().flatMap(List::stream).mapToInt(a -> a.paths().size()).sum();
  }

  public List<SyncAction> actions(SyncAction.Phase phase) {
    return phases.getOrDefault(phase, List.of());
  }

  public int size() {
    return phases.values().stream().mapToInt(List::size).sum();
  }

  public boolean isEmpty() {
    return size() == 0;
  }
}
