package io.ncsync.persistence.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ncsync.persistence.library.SettingsPatch;
import io.ncsync.persistence.sync.SyncFilters;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Files outside a library's filters are excluded: never transferred, never deleted because of a filter. */
class FiltersEngineTest extends EngineHarness {

  private static SettingsPatch filters(SyncFilters filters) {
    return new SettingsPatch(null, null, null, null, filters, null, null, null, null);
  }

  @Test
  void aNewFilterExcludesButNeverDeletesAndLiftingItMergesAgain() {
    local.write("keep.txt", "k");
    local.write("logs/old.log", "synced before the filter");
    syncOk();
    changeSettings(filters(new SyncFilters(List.of(), List.of("*.log"), List.of(), null, null, null)));
    local.write("logs/new.log", "written after the filter");
    remote.put("lib/remote.log", "remote, after the filter");
    local.delete("logs/old.log"); // deleted here while excluded: the server's copy must stay

    syncOk();

    assertEquals(Map.of("keep.txt", "k", "logs/new.log", "written after the filter"), local.files());
    assertEquals(Map.of("keep.txt", "k", "logs/old.log", "synced before the filter", "remote.log",
        "remote, after the filter"), remote.files("lib"));
    assertEquals(3, status().counts().excluded());

    changeSettings(filters(SyncFilters.NONE));
    syncOk();

    assertTreesEqual();
    assertEquals(Map.of("keep.txt", "k", "logs/new.log", "written after the filter", "remote.log", "remote, after the filter"),
        local.files(), "the deletion made while excluded is carried out once the filter is lifted");
    assertEquals(0, conflicts().size());
  }

  @Test
  void sizeExtensionAndFolderFiltersEachExclude() {
    local.write("docs/a.pdf", "pdf");
    local.write("docs/b.txt", "txt");
    local.write("big.pdf", "x".repeat(2000));
    local.write("build/out.pdf", "generated");
    changeSettings(filters(new SyncFilters(List.of(), List.of("build"), List.of("pdf"), null, null, 1000L)));

    syncOk();

    assertEquals(Map.of("docs/a.pdf", "pdf"), remote.files("lib"));
    assertEquals(4, status().counts().excluded(), "b.txt, big.pdf, the folder build and build/out.pdf");
  }
}
