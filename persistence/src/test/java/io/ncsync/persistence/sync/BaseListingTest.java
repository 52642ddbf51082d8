package io.ncsync.persistence.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.protocol.DavEntry;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BaseListingTest {
  private final Map<String, BaseEntry> base = Map.of(
      "", BaseEntry.folder("", "1", "root"),
      "docs", BaseEntry.folder("docs", "2", "e-docs"),
      "docs/a.txt", new BaseEntry("docs/a.txt", false, "3", "e-a", 5, 1000, "sha-a"));

  @Test
  void itShowsTheBaseAsTheServerListedItWithoutTheRoot() {
    BaseListing listing = BaseListing.of(base);
    assertEquals(2, listing.size());
    assertNull(listing.get(""));
    assertFalse(listing.containsKey(""));
    DavEntry a = listing.get("docs/a.txt");
    assertEquals("e-a", a.etag());
    assertEquals(5, a.size());
    assertEquals("3", a.fileId());
    assertTrue(listing.get("docs").collection());
    assertEquals(Map.of("docs", listing.get("docs"), "docs/a.txt", a), new TreeMap<>(new HashMap<>(listing)));
  }

  @Test
  void aSettledLibraryListedFromItsBasePlansNothingAndALocalEditStillUploads() {
    Map<String, LocalEntry> local = new HashMap<>(Map.of(
        "docs", LocalEntry.folder("docs"),
        "docs/a.txt", new LocalEntry("docs/a.txt", false, 5, 1000, null)));
    Discovery settled = new Discovery(local, BaseListing.of(base), Map.of(), new DavEntry("", true, "root", -1, null, "1", null, null));
    assertTrue(Reconciler.plan(base, settled, SyncMode.BIDIRECTIONAL).isEmpty());

    local.put("docs/a.txt", new LocalEntry("docs/a.txt", false, 6, 2000, null));
    SyncPlan plan = Reconciler.plan(base, new Discovery(local, BaseListing.of(base), Map.of()), SyncMode.BIDIRECTIONAL);
    SyncAction.Upload upload = assertInstanceOf(SyncAction.Upload.class, plan.actions(SyncAction.Phase.TRANSFER_FILES).get(0));
    assertEquals("e-a", upload.base().etag(), "guarded by the ETag the base holds");
  }
}
