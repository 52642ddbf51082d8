package io.ncsync.persistence.library;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ncsync.persistence.sync.TrashEntry;
import io.ncsync.persistence.sync.TrashEntry.Action;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class TrashLogRetentionTest {
  private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
  private static final Instant CUTOFF = NOW.minus(Duration.ofDays(30));

  private static TrashEntry line(String id, String path, int daysAgo, Action action, String kept) {
    return new TrashEntry(id, path, 1, null, NOW.minus(Duration.ofDays(daysAgo)), "r", "why", action, kept);
  }

  private static Set<String> dropped(List<TrashEntry> log, int max) {
    return new TreeSet<>(TrashLogRetention.droppable(log, CUTOFF, max));
  }

  @Test
  void oldLinesWithoutContentGoAndEverythingThatStillMattersStays() {
    List<TrashEntry> log = List.of(
        line("purged-old", "a.txt", 40, Action.PURGED, null),
        line("deleted-old", "b.txt", 40, Action.DELETED, null),
        line("trashed-old-still-kept", "c.txt", 40, Action.TRASHED, "trash/c"),
        line("orphaned-old-newest", "d.txt", 40, Action.ORPHANED, null),
        line("ignored-old-superseded", "e.txt", 50, Action.IGNORED, null),
        line("restored-e", "e.txt", 45, Action.RESTORED, null),
        line("deleted-recent", "f.txt", 3, Action.DELETED, null));

    assertEquals(Set.of("purged-old", "deleted-old", "ignored-old-superseded", "restored-e"), dropped(log, 10_000));
  }

  @Test
  void aLogOverItsLimitLosesItsOldestDroppableLinesFirst() {
    List<TrashEntry> log = new ArrayList<>();
    for (int i = 0; i < 10; i++) log.add(line("d" + i, "p" + i, 10 - i, Action.DELETED, null)); // recent: d0 oldest
    log.add(line("kept", "k", 20, Action.TRASHED, "trash/k"));

    assertEquals(Set.of("d0", "d1", "d2", "d3"), dropped(log, 7), "11 lines, limit 7: the four oldest droppable go");
    assertEquals(Set.of(), dropped(log, 100));
  }
}
