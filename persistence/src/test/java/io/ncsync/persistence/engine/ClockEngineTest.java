package io.ncsync.persistence.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * PROTOCOL.md §8, lesson 6: never decide by wall clock. Direction comes from the ETag and the base's content; a clock a
 * day off either way overwrites nothing.
 */
class ClockEngineTest extends EngineHarness {
  private static final long DAY = Duration.ofDays(1).toMillis();

  @Test
  void aLocalEditStampedADayInThePastStillGoesUp() {
    local.write("a.txt", "base");
    syncOk();
    remote.resetCounts();

    local.writeAt("a.txt", "edited here, clock a day behind", Instant.now().toEpochMilli() - DAY);
    syncOk();

    assertEquals("edited here, clock a day behind", remote.read("lib/a.txt"), "the edit went up");
    assertEquals(0, remote.downloads(), "the server's older-looking copy did not come down over it");
    assertTreesEqual();
  }

  @Test
  void aFileTouchedADayAheadButUnchangedGoesNowhere() {
    local.write("b.txt", "same bytes");
    syncOk();
    remote.resetCounts();

    local.writeAt("b.txt", "same bytes", Instant.now().toEpochMilli() + DAY);
    syncOk();

    assertEquals(0, remote.uploads(), "an mtime is not a change");
    assertEquals(0, remote.downloads());
    assertTreesEqual();
  }

  @Test
  void aServerModificationTimeInTheFutureOrAtTheEpochIsNotWrittenHere() {
    remote.putAt("lib/future.txt", "from a client a week ahead", Instant.now().plus(Duration.ofDays(7)));
    remote.putAt("lib/epoch.txt", "from a client without a clock", Instant.EPOCH);
    syncOk();

    long now = Instant.now().toEpochMilli();
    assertTrue(local.stat("future.txt").mtimeMillis() <= now + Duration.ofHours(1).toMillis(), "no time from the future");
    assertTrue(local.stat("epoch.txt").mtimeMillis() > Duration.ofDays(1).toMillis(), "no time at the epoch");
    assertTreesEqual();
  }

  @Test
  void keepNewestDoesNotBelieveAServerClockRunningAWeekAhead() {
    local.write("d.txt", "base");
    syncOk();
    changeSettings(new io.ncsync.persistence.library.SettingsPatch(null, io.ncsync.persistence.sync.ConflictStrategy.KEEP_NEWEST,
        null, null, null, null, null, null, null));
    local.writeAt("d.txt", "edited here, just now", Instant.now().toEpochMilli());
    remote.putAt("lib/d.txt", "edited there, stamped a week ahead", Instant.now().plus(Duration.ofDays(7)));

    syncOk();

    // keep_newest believing the stamp would have kept the server's alone (the local edit only in the trash).
    assertTrue(local.files().containsValue("edited here, just now"), "the local edit stays in the tree: " + local.files());
    assertTrue(local.files().containsValue("edited there, stamped a week ahead"), "beside the server's: " + local.files());
    assertTreesEqual();
  }

  @Test
  void aServerEditComesDownOverALocalFileWhoseClockRunsADayAhead() {
    local.write("c.txt", "base");
    syncOk();
    local.writeAt("c.txt", "base", Instant.now().toEpochMilli() + DAY); // newer-looking, same content
    remote.put("lib/c.txt", "edited on the server");
    remote.resetCounts();

    syncOk();

    assertEquals("edited on the server", local.read("c.txt"), "the ETag said the server changed; the clock says nothing");
    assertEquals(0, remote.uploads());
    assertTreesEqual();
  }
}
