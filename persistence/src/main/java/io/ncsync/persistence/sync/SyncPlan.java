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

  /** Groups actions: folder creations shallow first, folder deletions deep first, the rest by path. */
  public static SyncPlan of(List<SyncAction> actions) {
    EnumMap<SyncAction.Phase, List<SyncAction>> byPhase = new EnumMap<>(SyncAction.Phase.class);
    for (SyncAction action : actions) byPhase.computeIfAbsent(action.phase(), p -> new ArrayList<>()).add(action);
    Comparator<SyncAction> shallowFirst =
        Comparator.<SyncAction>comparingInt(a -> io.ncsync.protocol.RemotePaths.depth(a.path())).thenComparing(SyncAction::path);
    byPhase.forEach((phase, list) -> list.sort(phase == SyncAction.Phase.DELETE_FOLDERS ? shallowFirst.reversed() : shallowFirst));
    return new SyncPlan(byPhase);
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
