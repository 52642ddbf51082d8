package io.ncsync.persistence.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.pattern.StatusReply;
import io.ncsync.persistence.library.FailureRecord;
import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.library.LibraryStatus;
import io.ncsync.protocol.ForbiddenNames;
import io.ncsync.protocol.RemotePaths;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Names one side cannot hold (issue 10 §7): each such document is excluded with a reason, the rest of the library
 * syncs, nothing is merged, deleted or written outside the workspace because of it.
 */
class HostileNamesEngineTest extends EngineHarness {
  private static final String LONG_NAME = "\u00e9".repeat(150) + ".txt"; // 154 characters, 304 bytes

  @AfterEach
  void everyLocalPathIsASafePathInsideTheWorkspace() {
    for (String path : local.files().keySet()) RemotePaths.requireSafePath(path);
    for (String path : local.folders()) RemotePaths.requireSafePath(path);
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", ".", "nul\u0000byte.txt", "line\nbreak.txt", "esc\u001b.txt", "bad \uFFFD utf8.txt",
      "back\\slash.txt"})
  void aHostileRemoteFileIsExcludedAndTheRestSyncs(String name) {
    remote.put("lib/fine.txt", "fine");
    remote.put("lib/docs/also-fine.txt", "also");
    remote.put("lib/docs/" + name, "hostile");

    syncOk();

    assertEquals(Map.of("fine.txt", "fine", "docs/also-fine.txt", "also"), local.files());
    String key = RemotePaths.excludedKey("docs", name);
    assertEquals(java.util.Set.of(key), excluded().keySet());
    assertTrue(excluded().get(key).startsWith("excluded: the server's name " + RemotePaths.printable(name) + " cannot"),
        excluded().get(key));
    assertTrue(remote.files("lib").containsKey("docs/" + name), "the server's file is left alone");
  }

  @Test
  void aNameLongerThanALocalNameIsExcluded() {
    remote.put("lib/" + LONG_NAME, "long");
    remote.put("lib/short.txt", "short");

    syncOk();

    assertEquals(Map.of("short.txt", "short"), local.files());
    assertTrue(excluded().get(LONG_NAME).contains("304 bytes"), excluded().toString());
  }

  @Test
  void aHostileFolderIsExcludedWithEverythingInItAndIsNotListed() {
    remote.put("lib/ok/a.txt", "a");
    remote.put("lib/evil\u0007/inside.txt", "x");
    remote.put("lib/evil\u0007/deeper/more.txt", "y");

    syncOk();

    assertEquals(Map.of("ok/a.txt", "a"), local.files());
    assertEquals(java.util.Set.of("evil\\x07"), excluded().keySet());
    assertTrue(remote.listings().keySet().stream().noneMatch(p -> p.contains("evil")), remote.listings().toString());
  }

  @Test
  void anExclusionStaysRecordedWhileTheNameIsThereAndIsLiftedOnceItIsRenamed() {
    remote.propagate = true; // Nextcloud: folders whose ETag did not change are not listed again
    remote.put("lib/docs/ok.txt", "ok");
    remote.put("lib/docs/tab\there.txt", "t");
    syncOk();
    syncOk();
    syncOk();
    assertEquals(java.util.Set.of("docs/tab\\x09here.txt"), excluded().keySet(), "still excluded while it is there");

    remote.rename("lib/docs/tab\there.txt", "lib/docs/tab-here.txt");
    syncOk();

    assertEquals(Map.of(), excluded());
    assertEquals(Map.of("docs/ok.txt", "ok", "docs/tab-here.txt", "t"), local.files());
    assertTreesEqual();
  }

  @Test
  void anExclusionIsSeenAgainWhenTheLibraryFollowsAChangeFeed() {
    remote.propagate = true;
    remote.feedEnabled = true;
    remote.put("lib/a/b/ok.txt", "ok");
    remote.put("lib/a/b/..", "dots");
    syncOk();
    remote.put("lib/a/b/c/d/new.txt", "new"); // the feed points the walk below the excluded name's folder
    syncOk();
    syncOk();

    assertEquals(java.util.Set.of("a/b/.."), excluded().keySet());
    assertEquals(Map.of("a/b/ok.txt", "ok", "a/b/c/d/new.txt", "new"), local.files());
  }

  @Test
  void localNamesTheServerRefusesAreExcludedNotUploadedNorDeleted() {
    remote.forbidden = ForbiddenNames.NEXTCLOUD;
    local.write("a:b.txt", "colon");
    local.write(" leading.txt", "space");
    local.write("trailing.txt ", "space");
    local.write("notes:2024/inside.txt", "in a refused folder");
    local.write("ok.txt", "ok");

    syncOk();

    assertEquals(Map.of("ok.txt", "ok"), remote.files("lib"));
    assertEquals(5, local.files().size(), "nothing local went anywhere");
    assertEquals(java.util.Set.of("a:b.txt", " leading.txt", "trailing.txt ", "notes:2024"), excluded().keySet());
    assertTrue(excluded().get("a:b.txt").contains("':'"), excluded().get("a:b.txt"));

    local.rename("a:b.txt", "a-b.txt");
    syncOk();

    assertEquals(java.util.Set.of(" leading.txt", "trailing.txt ", "notes:2024"), excluded().keySet());
    assertEquals("colon", remote.read("lib/a-b.txt"));
  }

  @Test
  void namesEqualButForCaseAreBothExcludedOnACaseInsensitiveWorkspace() {
    local.caseInsensitive = true;
    remote.put("lib/Report.txt", "upper");
    remote.put("lib/report.txt", "lower");
    remote.put("lib/other.txt", "other");

    syncOk();

    assertEquals(Map.of("other.txt", "other"), local.files(), "neither is written over the other");
    assertEquals(java.util.Set.of("Report.txt", "report.txt"), excluded().keySet());

    remote.remove("lib/Report.txt");
    syncOk();

    assertEquals(Map.of(), excluded());
    assertEquals("lower", local.read("report.txt"));
    assertTreesEqual();
  }

  @Test
  void aNewRemoteNameCollidingWithASyncedLocalOneDeletesNothing() {
    local.caseInsensitive = true;
    local.write("docs/plan.txt", "mine");
    syncOk();
    remote.put("lib/docs/PLAN.txt", "theirs");

    syncOk();

    assertEquals(Map.of("docs/plan.txt", "mine"), local.files());
    assertEquals(Map.of("docs/plan.txt", "mine", "docs/PLAN.txt", "theirs"), remote.files("lib"));
    assertEquals(java.util.Set.of("docs/plan.txt", "docs/PLAN.txt"), excluded().keySet());
    assertTrue(local.trashed().isEmpty());
  }

  @Test
  void aCaseSensitiveWorkspaceSyncsBoth() {
    remote.put("lib/Report.txt", "upper");
    remote.put("lib/report.txt", "lower");

    syncOk();

    assertTreesEqual();
    assertEquals(Map.of(), excluded());
  }

  /** The library's exclusions, path → reason. */
  private Map<String, String> excluded() {
    LibraryStatus status = this.<StatusReply<LibraryStatus>>ask(Library.GetStatus::new).getValue();
    Map<String, String> excluded = new TreeMap<>();
    for (FailureRecord failure : status.failures()) {
      assertTrue(failure.reason().startsWith(io.ncsync.persistence.sync.Discovery.EXCLUDED_PREFIX), failure.toString());
      excluded.put(failure.path(), failure.reason());
    }
    return excluded;
  }
}
