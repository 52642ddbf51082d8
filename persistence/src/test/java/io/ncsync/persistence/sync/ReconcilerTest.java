package io.ncsync.persistence.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.protocol.DavEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The decision table: local × remote × base, per mode. */
class ReconcilerTest {

  // Side states of one file "f.txt" relative to its base (size 10, mtime 1000, etag "e1").
  enum L { ABSENT, SAME, TOUCHED, CHANGED }

  enum R { ABSENT, SAME, CHANGED }

  static final BaseEntry BASE = new BaseEntry("f.txt", false, "1", "e1", 10, 1000, "aaa");

  static LocalEntry local(L l) {
    return switch (l) {
      case ABSENT -> null;
      case SAME -> new LocalEntry("f.txt", false, 10, 1000, null);
      case TOUCHED -> new LocalEntry("f.txt", false, 10, 2000, "aaa");
      case CHANGED -> new LocalEntry("f.txt", false, 11, 2000, "bbb");
    };
  }

  static DavEntry remote(R r) {
    return switch (r) {
      case ABSENT -> null;
      case SAME -> file("f.txt", "e1");
      case CHANGED -> file("f.txt", "e2");
    };
  }

  static DavEntry file(String path, String etag) {
    return new DavEntry(path, false, etag, 10, null, "1", null, null);
  }

  static DavEntry folder(String path) {
    return new DavEntry(path, true, "f-" + path, -1, null, null, null, null);
  }

  static Stream<Arguments> withBase() {
    return Stream.of(
        // local, remote, bidirectional, local_to_remote, remote_to_local
        Arguments.of(L.SAME, R.SAME, null, null, null),
        Arguments.of(L.TOUCHED, R.SAME, SyncAction.RefreshBase.class, SyncAction.RefreshBase.class, SyncAction.RefreshBase.class),
        Arguments.of(L.CHANGED, R.SAME, SyncAction.Upload.class, SyncAction.Upload.class, null),
        Arguments.of(L.SAME, R.CHANGED, SyncAction.Download.class, null, SyncAction.Download.class),
        Arguments.of(L.TOUCHED, R.CHANGED, SyncAction.Download.class, null, SyncAction.Download.class),
        Arguments.of(L.CHANGED, R.CHANGED, SyncAction.ReconcileBoth.class, SyncAction.ReconcileBoth.class, SyncAction.ReconcileBoth.class),
        Arguments.of(L.ABSENT, R.SAME, SyncAction.DeleteRemote.class, SyncAction.DeleteRemote.class, SyncAction.Download.class),
        Arguments.of(L.ABSENT, R.CHANGED, SyncAction.SettleConflict.class, null, SyncAction.SettleConflict.class),
        Arguments.of(L.SAME, R.ABSENT, SyncAction.DeleteLocal.class, SyncAction.Upload.class, SyncAction.DeleteLocal.class),
        Arguments.of(L.CHANGED, R.ABSENT, SyncAction.SettleConflict.class, SyncAction.SettleConflict.class, null),
        Arguments.of(L.ABSENT, R.ABSENT, SyncAction.Forget.class, SyncAction.Forget.class, SyncAction.Forget.class));
  }

  @ParameterizedTest(name = "base present, local {0}, remote {1}")
  @MethodSource("withBase")
  void fileWithBase(L l, R r, Class<?> bidirectional, Class<?> localToRemote, Class<?> remoteToLocal) {
    Map<SyncMode, Class<?>> expected = Map.of();
    expected = new HashMap<>();
    expected.put(SyncMode.BIDIRECTIONAL, bidirectional);
    expected.put(SyncMode.LOCAL_TO_REMOTE, localToRemote);
    expected.put(SyncMode.REMOTE_TO_LOCAL, remoteToLocal);
    for (SyncMode mode : SyncMode.values()) {
      SyncPlan plan = planOne(Map.of("f.txt", BASE), local(l), remote(r), mode);
      Class<?> want = expected.get(mode);
      if (want == null) {
        assertTrue(plan.isEmpty(), mode + ": expected no action, got " + plan);
      } else {
        assertEquals(1, plan.size(), mode + ": " + plan);
        assertInstanceOf(want, all(plan).get(0), mode + ": " + plan);
      }
    }
  }

  @Test
  void changedOnBothSidesKeepsBothOnlyWhenBidirectional() {
    SyncPlan bi = planOne(Map.of("f.txt", BASE), local(L.CHANGED), remote(R.CHANGED), SyncMode.BIDIRECTIONAL);
    assertTrue(((SyncAction.ReconcileBoth) all(bi).get(0)).keepBoth());
    SyncPlan oneWay = planOne(Map.of("f.txt", BASE), local(L.CHANGED), remote(R.CHANGED), SyncMode.LOCAL_TO_REMOTE);
    assertTrue(!((SyncAction.ReconcileBoth) all(oneWay).get(0)).keepBoth());
  }

  @Test
  void uploadOfAChangedFileIsGuardedByTheBaseEtag() {
    SyncPlan plan = planOne(Map.of("f.txt", BASE), local(L.CHANGED), remote(R.SAME), SyncMode.BIDIRECTIONAL);
    SyncAction.Upload upload = (SyncAction.Upload) all(plan).get(0);
    assertEquals("e1", upload.base().etag());
  }

  @Test
  void withoutBaseNothingIsEverDeleted() {
    Map<String, LocalEntry> local = Map.of("only-local.txt", new LocalEntry("only-local.txt", false, 1, 1, "x"),
        "both.txt", new LocalEntry("both.txt", false, 1, 1, "y"));
    Map<String, DavEntry> remote = Map.of("only-remote.txt", file("only-remote.txt", "r1"), "both.txt", file("both.txt", "r2"));
    SyncPlan plan = Reconciler.plan(Map.of(), new Discovery(local, remote, Map.of()), SyncMode.BIDIRECTIONAL);
    assertEquals(3, plan.size());
    assertInstanceOf(SyncAction.Upload.class, find(plan, "only-local.txt"));
    assertInstanceOf(SyncAction.Download.class, find(plan, "only-remote.txt"));
    SyncAction.ReconcileBoth both = (SyncAction.ReconcileBoth) find(plan, "both.txt");
    assertNull(both.base());
    assertTrue(plan.actions(SyncAction.Phase.DELETE_FILES).isEmpty());
    assertTrue(plan.actions(SyncAction.Phase.DELETE_FOLDERS).isEmpty());
  }

  @Test
  void newFoldersAreCreatedBeforeTheirFilesAndShallowFirst() {
    Map<String, LocalEntry> local = new HashMap<>();
    local.put("a", LocalEntry.folder("a"));
    local.put("a/b", LocalEntry.folder("a/b"));
    local.put("a/b/f.txt", new LocalEntry("a/b/f.txt", false, 3, 3, "z"));
    SyncPlan plan = Reconciler.plan(Map.of(), new Discovery(local, Map.of(), Map.of()), SyncMode.BIDIRECTIONAL);
    List<SyncAction> creates = plan.actions(SyncAction.Phase.CREATE_FOLDERS);
    assertEquals(List.of("a", "a/b"), creates.stream().map(SyncAction::path).toList());
    assertInstanceOf(SyncAction.Upload.class, plan.actions(SyncAction.Phase.TRANSFER_FILES).get(0));
  }

  @Test
  void aRemoteFolderIsCreatedFirstAndItsEtagRecordedLast() {
    Map<String, DavEntry> remote = new HashMap<>();
    remote.put("n", folder("n"));
    remote.put("n/f.txt", file("n/f.txt", "ef"));
    SyncPlan plan = Reconciler.plan(Map.of(), new Discovery(Map.of(), remote, Map.of()), SyncMode.BIDIRECTIONAL);
    assertInstanceOf(SyncAction.CreateLocalFolder.class, plan.actions(SyncAction.Phase.CREATE_FOLDERS).get(0));
    List<SyncAction> records = plan.actions(SyncAction.Phase.RECORD_FOLDERS);
    assertEquals(1, records.size());
    SyncAction.RecordFolder record = (SyncAction.RecordFolder) records.get(0);
    assertEquals("n", record.path());
    assertEquals(folder("n").etag(), record.base().etag(), "recorded after its file is down, not before");
  }

  @Test
  void aFolderDeletedLocallyIsDeletedRemotelyDeepestFirstAfterItsFiles() {
    Map<String, BaseEntry> base = new HashMap<>();
    base.put("a", BaseEntry.folder("a", "1", "fa"));
    base.put("a/b", BaseEntry.folder("a/b", "2", "fb"));
    base.put("a/b/f.txt", new BaseEntry("a/b/f.txt", false, "3", "e", 1, 1, "s"));
    Map<String, DavEntry> remote = new HashMap<>();
    remote.put("a", folder("a"));
    remote.put("a/b", folder("a/b"));
    remote.put("a/b/f.txt", file("a/b/f.txt", "e"));
    SyncPlan plan = Reconciler.plan(base, new Discovery(Map.of(), remote, Map.of()), SyncMode.BIDIRECTIONAL);
    assertInstanceOf(SyncAction.DeleteRemote.class, plan.actions(SyncAction.Phase.DELETE_FILES).get(0));
    assertEquals(List.of("a/b", "a"), plan.actions(SyncAction.Phase.DELETE_FOLDERS).stream().map(SyncAction::path).toList());
  }

  @Test
  void aFolderDeletedLocallyStaysWhenTheRemoteChangedSomethingInIt() {
    Map<String, BaseEntry> base = new HashMap<>();
    base.put("a", BaseEntry.folder("a", "1", "fa"));
    base.put("a/f.txt", new BaseEntry("a/f.txt", false, "3", "e", 1, 1, "s"));
    Map<String, DavEntry> remote = new HashMap<>();
    remote.put("a", folder("a"));
    remote.put("a/f.txt", file("a/f.txt", "changed"));
    remote.put("a/new.txt", file("a/new.txt", "n"));
    SyncPlan plan = Reconciler.plan(base, new Discovery(Map.of(), remote, Map.of()), SyncMode.BIDIRECTIONAL);
    assertInstanceOf(SyncAction.CreateLocalFolder.class, find(plan, "a"));
    assertEquals(ConflictType.DELETED_LOCALLY, ((SyncAction.SettleConflict) find(plan, "a/f.txt")).type());
    assertInstanceOf(SyncAction.Download.class, find(plan, "a/new.txt"));
    assertTrue(plan.actions(SyncAction.Phase.DELETE_FOLDERS).isEmpty());
  }

  @Test
  void aFolderDeletedRemotelyKeepsLocallyChangedFilesAndIsRecreated() {
    Map<String, BaseEntry> base = new HashMap<>();
    base.put("a", BaseEntry.folder("a", "1", "fa"));
    base.put("a/keep.txt", new BaseEntry("a/keep.txt", false, "3", "e", 1, 1, "s"));
    base.put("a/gone.txt", new BaseEntry("a/gone.txt", false, "4", "e", 1, 1, "s"));
    Map<String, LocalEntry> local = new HashMap<>();
    local.put("a", LocalEntry.folder("a"));
    local.put("a/keep.txt", new LocalEntry("a/keep.txt", false, 2, 2, "changed"));
    local.put("a/gone.txt", new LocalEntry("a/gone.txt", false, 1, 1, null));
    SyncPlan plan = Reconciler.plan(base, new Discovery(local, Map.of(), Map.of()), SyncMode.BIDIRECTIONAL);
    assertInstanceOf(SyncAction.CreateRemoteFolder.class, find(plan, "a"));
    assertEquals(ConflictType.DELETED_REMOTELY, ((SyncAction.SettleConflict) find(plan, "a/keep.txt")).type());
    assertInstanceOf(SyncAction.DeleteLocal.class, find(plan, "a/gone.txt"));
  }

  @Test
  void aFileOnOneSideAndAFolderOnTheOtherIsAConflictNotAnOverwrite() {
    Map<String, LocalEntry> local = Map.of("x", LocalEntry.folder("x"));
    Map<String, DavEntry> remote = Map.of("x", file("x", "e"));
    // Keep-both: the remote file steps aside first (MOVES phase), then the folder goes up under the name.
    SyncPlan plan = Reconciler.plan(Map.of(), new Discovery(local, remote, Map.of()), SyncMode.BIDIRECTIONAL);
    assertEquals(2, plan.size(), plan.toString());
    SyncAction.SeparateTypes apart = assertInstanceOf(SyncAction.SeparateTypes.class, plan.actions(SyncAction.Phase.MOVES).get(0));
    assertFalse(apart.fileIsLocal());
    assertInstanceOf(SyncAction.CreateRemoteFolder.class, plan.actions(SyncAction.Phase.CREATE_FOLDERS).get(0));
    // A one-way library leaves it open for the operator.
    SyncPlan oneWay = Reconciler.plan(Map.of(), new Discovery(local, remote, Map.of()), SyncMode.LOCAL_TO_REMOTE);
    assertEquals(1, oneWay.size());
    SyncAction.SettleConflict settle = (SyncAction.SettleConflict) find(oneWay, "x");
    assertEquals(ConflictType.TYPE_MISMATCH, settle.type());
  }

  @Test
  void skippedLocalPathsAreNeverMistakenForDeletions() {
    Map<String, BaseEntry> base = Map.of("bad\\name", new BaseEntry("bad\\name", false, "1", "e", 1, 1, "s"));
    Map<String, DavEntry> remote = Map.of("bad\\name", file("bad\\name", "e"));
    SyncPlan plan = Reconciler.plan(base, new Discovery(Map.of(), remote, Map.of("bad\\name", "not synced")), SyncMode.BIDIRECTIONAL);
    assertTrue(plan.isEmpty(), plan.toString());
  }

  /** An exclusion is no deletion: whatever either side lacks at or below it, nothing is planned there. */
  @Test
  void nothingIsPlannedAtOrBelowAnExcludedPath() {
    Map<String, BaseEntry> base = Map.of(
        "Docs", new BaseEntry("Docs", true, "1", "f", -1, 0, null),
        "Docs/a.txt", new BaseEntry("Docs/a.txt", false, "2", "a", 1, 1, "s"),
        "Docs/sub/b.txt", new BaseEntry("Docs/sub/b.txt", false, "3", "b", 1, 1, "s"));
    Map<String, LocalEntry> local = Map.of("Docs", LocalEntry.folder("Docs"),
        "Docs/a.txt", new LocalEntry("Docs/a.txt", false, 1, 1, null),
        "new.txt", new LocalEntry("new.txt", false, 1, 1, null));
    Map<String, DavEntry> remote = Map.of("Docs", new DavEntry("Docs", true, "f2", -1, null, "1", null, null),
        "Docs/sub", new DavEntry("Docs/sub", true, "g", -1, null, "4", null, null),
        "Docs/sub/b.txt", file("Docs/sub/b.txt", "b"), "Docs/DOCS.txt", file("Docs/DOCS.txt", "n"));

    SyncPlan plan = Reconciler.plan(base, new Discovery(local, remote, Map.of("Docs", "excluded: a case collision")),
        SyncMode.BIDIRECTIONAL);

    List<String> planned = java.util.Arrays.stream(SyncAction.Phase.values())
        .flatMap(phase -> plan.actions(phase).stream()).map(SyncAction::path).toList();
    assertEquals(List.of("new.txt"), planned, plan.toString());
  }

  @Test
  void writesTheServerForbidsAreRefusedNotAttempted() {
    DavEntry readOnlyFolder = new DavEntry("ro", true, "f", -1, null, "9", "RGDNV", null);
    DavEntry readOnlyFile = new DavEntry("ro/file.txt", false, "e1", 10, null, "10", "RGDNV", null);
    Map<String, DavEntry> remote = Map.of("ro", readOnlyFolder, "ro/file.txt", readOnlyFile);
    Map<String, LocalEntry> local = Map.of("ro", LocalEntry.folder("ro"),
        "ro/new.txt", new LocalEntry("ro/new.txt", false, 1, 1, "n"),
        "ro/file.txt", new LocalEntry("ro/file.txt", false, 11, 2, "changed"));
    Map<String, BaseEntry> base = Map.of("ro", BaseEntry.folder("ro", "9", "f"),
        "ro/file.txt", new BaseEntry("ro/file.txt", false, "10", "e1", 10, 1, "old"));
    SyncPlan plan = Reconciler.plan(base, new Discovery(local, remote, Map.of()), SyncMode.BIDIRECTIONAL);
    SyncAction.Refuse addFile = (SyncAction.Refuse) find(plan, "ro/new.txt");
    assertTrue(addFile.reason().contains("no C permission"), addFile.reason());
    SyncAction.Refuse write = (SyncAction.Refuse) find(plan, "ro/file.txt");
    assertTrue(write.reason().contains("no W permission"), write.reason());
  }

  @Test
  void theRootEtagIsRecordedSoTheNextWalkCanStopAtTheRoot() {
    DavEntry root = new DavEntry("", true, "root-1", -1, null, "1", "RGDNVCK", null);
    SyncPlan first = Reconciler.plan(Map.of(), new Discovery(Map.of(), Map.of(), Map.of(), root), SyncMode.BIDIRECTIONAL);
    assertInstanceOf(SyncAction.RecordFolder.class, find(first, ""));
    SyncPlan settled = Reconciler.plan(Map.of("", BaseEntry.folder("", "1", "root-1")),
        new Discovery(Map.of(), Map.of(), Map.of(), root), SyncMode.BIDIRECTIONAL);
    assertTrue(settled.isEmpty());
  }

  @Test
  void anEtagThatChangedOnlyInTheListingAfterOurOwnWriteIsAMetadataUpdate() {
    BaseEntry written = new BaseEntry("f.txt", false, "1", "put-etag", 10, 1000, "aaa", "SHA1:abc", true);
    DavEntry listed = new DavEntry("f.txt", false, "listed-etag", 10, null, "1", null, "SHA1:abc");
    SyncPlan plan = planOne(Map.of("f.txt", written), local(L.SAME), listed, SyncMode.BIDIRECTIONAL);
    SyncAction.RefreshBase refresh = (SyncAction.RefreshBase) find(plan, "f.txt");
    assertEquals("listed-etag", refresh.updated().etag());

    // A local edit on top uploads guarded by the listed ETag: no false conflict.
    SyncPlan edited = planOne(Map.of("f.txt", written), local(L.CHANGED), listed, SyncMode.BIDIRECTIONAL);
    assertEquals("listed-etag", ((SyncAction.Upload) find(edited, "f.txt")).base().etag());
  }

  @Test
  void anEtagChangeIsARealChangeWhenSizeOrChecksumDifferOrTheChecksumVanished() {
    BaseEntry written = new BaseEntry("f.txt", false, "1", "put-etag", 10, 1000, "aaa", "SHA1:abc", true);
    DavEntry otherChecksum = new DavEntry("f.txt", false, "e2", 10, null, "1", null, "SHA1:def");
    DavEntry checksumCleared = new DavEntry("f.txt", false, "e2", 10, null, "1", null, null);
    DavEntry otherSize = new DavEntry("f.txt", false, "e2", 11, null, "1", null, "SHA1:abc");
    for (DavEntry remote : List.of(otherChecksum, checksumCleared, otherSize)) {
      assertInstanceOf(SyncAction.Download.class, find(planOne(Map.of("f.txt", written), local(L.SAME), remote, SyncMode.BIDIRECTIONAL), "f.txt"), remote.toString());
    }
    BaseEntry listedBefore = new BaseEntry("f.txt", false, "1", "e1", 10, 1000, "aaa", null, false);
    DavEntry sameSize = new DavEntry("f.txt", false, "e2", 10, null, "1", null, null);
    assertInstanceOf(SyncAction.Download.class, find(planOne(Map.of("f.txt", listedBefore), local(L.SAME), sameSize, SyncMode.BIDIRECTIONAL), "f.txt"),
        "an ETag we did not get from our own write changed: the content may have changed at the same size");
  }

  /**
   * Issue 12: a server that lists no checksums and changes a file's ETag after our PUT answered (it applied our
   * X-OC-MTime) shows our write by its size and the modification time we sent: a metadata update, not a download.
   * Another time, or another size, is a change.
   */
  @Test
  void aListingWithoutChecksumsShowingOurSizeAndOurMtimeIsOurOwnWrite() {
    long mtime = 1_700_000_000_000L;
    BaseEntry written = new BaseEntry("f.txt", false, "1", "put-etag", 10, mtime, "aaa", "SHA1:abc", true);
    DavEntry ours = new DavEntry("f.txt", false, "listed", 10, java.time.Instant.ofEpochMilli(mtime), "1", null, null);
    DavEntry otherTime = new DavEntry("f.txt", false, "listed", 10, java.time.Instant.ofEpochMilli(mtime + 5000), "1", null, null);
    DavEntry otherSize = new DavEntry("f.txt", false, "listed", 11, java.time.Instant.ofEpochMilli(mtime), "1", null, null);

    LocalEntry same = new LocalEntry("f.txt", false, 10, mtime, null);
    SyncAction action = find(planOne(Map.of("f.txt", written), same, ours, SyncMode.BIDIRECTIONAL), "f.txt");
    assertInstanceOf(SyncAction.RefreshBase.class, action, "recorded under the listed ETag, nothing transferred");
    assertEquals("listed", ((SyncAction.RefreshBase) action).updated().etag());
    for (DavEntry remote : List.of(otherTime, otherSize)) {
      assertInstanceOf(SyncAction.Download.class,
          find(planOne(Map.of("f.txt", written), same, remote, SyncMode.BIDIRECTIONAL), "f.txt"), remote.toString());
    }
  }

  /**
   * Issue 12: a PUT answered without a fileid leaves none in the base (no PROPFIND per file). The next listing gives it:
   * with our write's listed ETag, or alone when the ETag did not change; a base that has one keeps it.
   */
  @Test
  void aFileIdOurWriteWasNotToldIsLearntFromTheNextListing() {
    long mtime = 1_700_000_000_000L;
    LocalEntry same = new LocalEntry("f.txt", false, 10, mtime, null);
    BaseEntry written = new BaseEntry("f.txt", false, null, "put-etag", 10, mtime, "aaa", "SHA1:abc", true);
    DavEntry relisted = new DavEntry("f.txt", false, "listed", 10, java.time.Instant.ofEpochMilli(mtime), "42", null, null);
    SyncAction.RefreshBase refreshed = (SyncAction.RefreshBase) find(planOne(Map.of("f.txt", written), same, relisted, SyncMode.BIDIRECTIONAL), "f.txt");
    assertEquals("42", refreshed.updated().fileId());
    assertEquals("listed", refreshed.updated().etag());

    DavEntry sameEtag = new DavEntry("f.txt", false, "put-etag", 10, java.time.Instant.ofEpochMilli(mtime), "42", null, "SHA1:abc");
    SyncAction.RefreshBase learnt = (SyncAction.RefreshBase) find(planOne(Map.of("f.txt", written), same, sameEtag, SyncMode.BIDIRECTIONAL), "f.txt");
    assertEquals("42", learnt.updated().fileId());
    assertEquals("put-etag", learnt.updated().etag());

    BaseEntry known = new BaseEntry("f.txt", false, "7", "put-etag", 10, mtime, "aaa", "SHA1:abc", true);
    assertTrue(planOne(Map.of("f.txt", known), same, sameEtag, SyncMode.BIDIRECTIONAL).isEmpty(),
        "a base with a fileid is settled by an unchanged listing");
  }

  /**
   * Issue 12: adopting a tree (no base; both sides hold the file): equal size and modification time to the second, with
   * no checksum listed, is the same file without a transfer; a checksum listed, another time, or verifyOnAdopt leave it
   * to the content comparison.
   */
  @Test
  void aFileOnBothSidesWithEqualSizeAndMtimeIsAdoptedWithoutATransferUnlessVerifyOnAdopt() {
    long mtime = 1_700_000_123_456L;
    LocalEntry local = new LocalEntry("f.txt", false, 10, mtime, null, "key");
    long justNow = (System.currentTimeMillis() / 1000) * 1000 + 123;
    LocalEntry fresh = new LocalEntry("f.txt", false, 10, justNow, null, "key");
    DavEntry freshRemote = new DavEntry("f.txt", false, "e", 10, java.time.Instant.ofEpochSecond(justNow / 1000), "7", null, null);
    DavEntry plainWebdav = new DavEntry("f.txt", false, "e", 10, java.time.Instant.ofEpochSecond(mtime / 1000), null, null, null);
    DavEntry same = new DavEntry("f.txt", false, "e", 10, java.time.Instant.ofEpochSecond(mtime / 1000), "7", null, null);
    DavEntry withChecksum = new DavEntry("f.txt", false, "e", 10, java.time.Instant.ofEpochSecond(mtime / 1000), "7", null,
        "SHA1:abc");
    DavEntry otherTime = new DavEntry("f.txt", false, "e", 10, java.time.Instant.ofEpochSecond(mtime / 1000 + 1), "7", null, null);

    SyncAction adopted = Reconciler.planFile("f.txt", null, local, same, SyncMode.BIDIRECTIONAL, ConflictPolicy.DEFAULT);
    assertInstanceOf(SyncAction.RefreshBase.class, adopted);
    BaseEntry base = ((SyncAction.RefreshBase) adopted).updated();
    assertEquals("e", base.etag());
    assertEquals("7", base.fileId());
    assertEquals("key", base.localKey());
    for (DavEntry remote : List.of(withChecksum, otherTime)) {
      assertInstanceOf(SyncAction.ReconcileBoth.class,
          Reconciler.planFile("f.txt", null, local, remote, SyncMode.BIDIRECTIONAL, ConflictPolicy.DEFAULT), remote.toString());
    }
    assertInstanceOf(SyncAction.ReconcileBoth.class,
        Reconciler.planFile("f.txt", null, local, plainWebdav, SyncMode.BIDIRECTIONAL, ConflictPolicy.DEFAULT),
        "plain WebDAV stamps its own times: content decides");
    assertInstanceOf(SyncAction.ReconcileBoth.class,
        Reconciler.planFile("f.txt", null, fresh, freshRemote, SyncMode.BIDIRECTIONAL, ConflictPolicy.DEFAULT),
        "a file written just now is two writers on a new name, not a tree being adopted: content decides");
    ConflictPolicy verify = new ConflictPolicy(ConflictStrategy.KEEP_BOTH, Map.of(), true);
    assertInstanceOf(SyncAction.ReconcileBoth.class,
        Reconciler.planFile("f.txt", null, local, same, SyncMode.BIDIRECTIONAL, verify), "verifyOnAdopt compares content");
    SyncAction byChecksum = Reconciler.planFile("f.txt", null, local, withChecksum, SyncMode.BIDIRECTIONAL, ConflictPolicy.DEFAULT);
    assertTrue(((SyncAction.ReconcileBoth) byChecksum).byChecksum(), "a listed checksum is compared first, without a download");
    SyncAction verified = Reconciler.planFile("f.txt", null, local, withChecksum, SyncMode.BIDIRECTIONAL, verify);
    assertFalse(((SyncAction.ReconcileBoth) verified).byChecksum(), "verifyOnAdopt: the full comparison");
  }

  @Test
  void unchangedTreeNeedsNothing() {
    Map<String, BaseEntry> base = new HashMap<>();
    Map<String, LocalEntry> local = new HashMap<>();
    Map<String, DavEntry> remote = new HashMap<>();
    base.put("d", BaseEntry.folder("d", "1", "f-d"));
    local.put("d", LocalEntry.folder("d"));
    remote.put("d", folder("d"));
    for (int i = 0; i < 1000; i++) {
      String p = "d/f" + i;
      base.put(p, new BaseEntry(p, false, "" + i, "e" + i, 5, 5, "s"));
      local.put(p, new LocalEntry(p, false, 5, 5, null));
      remote.put(p, file(p, "e" + i));
    }
    Discovery settled = new Discovery(local, remote, Map.of());
    assertTrue(Reconciler.nothingChanged(base, settled), "the one-pass check recognises a settled tree");
    assertTrue(Reconciler.plan(base, settled, SyncMode.BIDIRECTIONAL).isEmpty());

    // Any single difference falls through to the full comparison.
    Map<String, LocalEntry> touched = new HashMap<>(local);
    touched.put("d/f7", new LocalEntry("d/f7", false, 6, 6, "other"));
    assertTrue(!Reconciler.nothingChanged(base, new Discovery(touched, remote, Map.of())));
    assertInstanceOf(SyncAction.Upload.class, find(Reconciler.plan(base, new Discovery(touched, remote, Map.of()), SyncMode.BIDIRECTIONAL), "d/f7"));
    Map<String, DavEntry> remoteChanged = new HashMap<>(remote);
    remoteChanged.put("d/f8", file("d/f8", "new-etag"));
    assertInstanceOf(SyncAction.Download.class, find(Reconciler.plan(base, new Discovery(local, remoteChanged, Map.of()), SyncMode.BIDIRECTIONAL), "d/f8"));
    Map<String, LocalEntry> deleted = new HashMap<>(local);
    deleted.remove("d/f9");
    assertInstanceOf(SyncAction.DeleteRemote.class, find(Reconciler.plan(base, new Discovery(deleted, remote, Map.of()), SyncMode.BIDIRECTIONAL), "d/f9"));
  }

  private static SyncPlan planOne(Map<String, BaseEntry> base, LocalEntry l, DavEntry r, SyncMode mode) {
    Map<String, LocalEntry> local = l == null ? Map.of() : Map.of("f.txt", l);
    Map<String, DavEntry> remote = r == null ? Map.of() : Map.of("f.txt", r);
    return Reconciler.plan(base, new Discovery(local, remote, Map.of()), mode);
  }

  private static List<SyncAction> all(SyncPlan plan) {
    return plan.phases().values().stream().flatMap(List::stream).toList();
  }

  private static SyncAction find(SyncPlan plan, String path) {
    return all(plan).stream().filter(a -> a.path().equals(path)).findFirst().orElseThrow(() -> new AssertionError("no action for " + path + " in " + plan));
  }
}
