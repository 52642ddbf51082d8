package io.ncsync.persistence.library;

import io.ncsync.persistence.sync.TrashEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which trash-log lines the daily cleanup may drop, so the log does not grow with every run for ever. A line that still
 * holds content (restorable) stays until its content is purged; the newest line of a path that keeps the file in place
 * untracked ({@code ignored}, {@code orphaned}) stays, since it is what keeps the library from taking the file up again.
 * Every other line goes once it is older than the retention, and the oldest of them go earlier when the log holds more
 * than {@link #MAX_LINES}.
 */
final class TrashLogRetention {
  static final int MAX_LINES = 10_000;

  private TrashLogRetention() {}

  static List<String> droppable(Collection<TrashEntry> log, Instant olderThan, int maxLines) {
    Map<String, TrashEntry> newestOfPath = new HashMap<>();
    for (TrashEntry line : log) {
      TrashEntry known = newestOfPath.get(line.path());
      if (known == null || line.at().isAfter(known.at())) newestOfPath.put(line.path(), line);
    }
    List<TrashEntry> candidates = new ArrayList<>();
    for (TrashEntry line : log) {
      boolean holdsContent = line.kept() != null;
      boolean keepsUntracked = newestOfPath.get(line.path()) == line
          && (line.action() == TrashEntry.Action.IGNORED || line.action() == TrashEntry.Action.ORPHANED);
      if (!holdsContent && !keepsUntracked) candidates.add(line);
    }
    candidates.sort(Comparator.comparing(TrashEntry::at).thenComparing(TrashEntry::id));
    int tooMany = Math.max(0, log.size() - maxLines);
    List<String> dropped = new ArrayList<>();
    for (TrashEntry line : candidates) {
      if (line.at().isBefore(olderThan) || dropped.size() < tooMany) dropped.add(line.id());
    }
    return dropped;
  }
}
