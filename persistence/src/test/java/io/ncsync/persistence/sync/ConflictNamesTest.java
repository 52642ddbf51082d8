package io.ncsync.persistence.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConflictNamesTest {
  private static final Instant AT = Instant.parse("2026-11-22T07:45:12Z");

  @Test
  void followsNextcloudNaming() {
    assertEquals("docs/report (conflicted copy 2026-11-22 074512).pdf", ConflictNames.conflictCopy("docs/report.pdf", AT, p -> false));
    assertEquals("Makefile (conflicted copy 2026-11-22 074512)", ConflictNames.conflictCopy("Makefile", AT, p -> false));
    assertEquals(".bashrc (conflicted copy 2026-11-22 074512)", ConflictNames.conflictCopy(".bashrc", AT, p -> false));
    assertEquals("a.tar (conflicted copy 2026-11-22 074512).gz", ConflictNames.conflictCopy("a.tar.gz", AT, p -> false));
  }

  @Test
  void neverReusesATakenName() {
    Set<String> taken = Set.of("x (conflicted copy 2026-11-22 074512).txt");
    assertEquals("x (conflicted copy 2026-11-22 074512 2).txt", ConflictNames.conflictCopy("x.txt", AT, taken::contains));
  }
}
