package io.ncsync.persistence.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.pattern.StatusReply;
import io.ncsync.persistence.library.DocumentStatus;
import io.ncsync.persistence.library.DocumentTransition;
import io.ncsync.persistence.library.DocumentView;
import io.ncsync.persistence.library.Library;
import io.ncsync.persistence.library.RunSummary;
import io.ncsync.persistence.sync.DocumentIds;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 §2: every document has an id that survives renames, and each run moves it through
 * {@code pending → syncing →} an end state, kept as its history ("what happened to this file").
 */
class DocumentHistoryEngineTest extends EngineHarness {

  private static List<DocumentStatus> steps(List<DocumentTransition> history) {
    return history.stream().map(DocumentTransition::to).toList();
  }

  @Test
  void aNewFileGoesThroughPendingSyncingSynced() {
    local.write("report.txt", "quarterly");
    syncOk();

    DocumentView doc = document("report.txt");
    assertNotNull(doc, "the library lists the document");
    assertEquals(DocumentStatus.SYNCED, doc.status());
    assertTrue(DocumentIds.isWellFormed(doc.documentId()), doc.documentId());
    List<DocumentTransition> history = historyOf(doc.documentId());
    assertEquals(List.of(DocumentStatus.SYNCED, DocumentStatus.SYNCING, DocumentStatus.PENDING), steps(history));
    assertNull(history.get(2).from(), "a document first seen comes from nowhere");
    assertEquals(DocumentStatus.PENDING, history.get(1).from());
    assertEquals(DocumentStatus.SYNCING, history.get(0).from());
    assertEquals("uploaded", history.get(0).reason());
    assertEquals("new here: to upload", history.get(2).reason());
    RunSummary run = status().lastRun();
    assertTrue(history.stream().allMatch(t -> run.runId().equals(t.runId())), "each step names its run");
  }

  @Test
  void theIdSurvivesALocalRenameAndTheHistorySaysSo() {
    local.write("draft.txt", "v1");
    syncOk();
    String id = document("draft.txt").documentId();

    local.rename("draft.txt", "final.txt");
    syncOk();

    assertNull(document("draft.txt"));
    DocumentView moved = document("final.txt");
    assertEquals(id, moved.documentId(), "a rename keeps the document");
    assertEquals(moved, documentById(id));
    DocumentTransition last = historyOf(id).get(0);
    assertEquals(DocumentStatus.SYNCED, last.to());
    assertEquals("final.txt", last.path());
    assertEquals("moved from draft.txt", last.reason());
    assertEquals(6, historyOf(id).size(), "two runs of three steps");
  }

  @Test
  void theIdSurvivesARemoteFolderMoveForEveryFileInside() {
    remote.put("lib/a/one.txt", "1");
    remote.put("lib/a/two.txt", "2");
    syncOk();
    String one = document("a/one.txt").documentId();
    String two = document("a/two.txt").documentId();
    assertNotEquals(one, two);

    remote.rename("lib/a", "lib/b");
    syncOk();

    assertEquals(one, document("b/one.txt").documentId());
    assertEquals(two, document("b/two.txt").documentId());
    assertEquals("moved with its folder from a", historyOf(two).get(0).reason());
  }

  @Test
  void aNewFileAtANameAnotherMovedAwayFromIsAnotherDocument() {
    remote.put("lib/notes.txt", "old");
    syncOk();
    String old = document("notes.txt").documentId();

    remote.rename("lib/notes.txt", "lib/notes-2024.txt");
    remote.put("lib/notes.txt", "new");
    syncOk();

    assertEquals(old, document("notes-2024.txt").documentId(), "the moved file is the same document");
    assertNotEquals(old, document("notes.txt").documentId(), "the new file is a new document");
    assertEquals("moved from notes.txt", historyOf(old).get(0).reason());
    assertTreesEqual();
  }

  @Test
  void aRemoteDeletionEndsTheDocumentAsRemovedAndItsHistoryStaysReadable() {
    remote.put("lib/old.txt", "o");
    remote.put("lib/kept.txt", "k"); // the library keeps a file: an empty listing would be refused as a lost server
    syncOk();
    String id = document("old.txt").documentId();

    remote.remove("lib/old.txt");
    syncOk();

    assertNull(documentById(id), "the library no longer holds it");
    DocumentTransition last = historyOf(id).get(0);
    assertEquals(DocumentStatus.REMOVED, last.to());
    assertEquals(DocumentStatus.SYNCING, last.from());
    assertTrue(last.reason().contains("trash entry"), last.reason());
  }

  @Test
  void aFailingNewFileKeepsItsIdFromOneRunToTheNextAndEndsSyncedWhenItGetsThrough() {
    remote.put("lib/big.bin", "content");
    remote.failNextDownloadOf("lib/big.bin");
    RunSummary failed = sync();
    assertEquals(RunSummary.FAILED, failed.outcome());
    DocumentView doc = document("big.bin");
    assertEquals(DocumentStatus.FAILED, doc.status());
    assertNotNull(doc.reason());
    String id = doc.documentId();
    assertEquals(DocumentStatus.FAILED, historyOf(id).get(0).to());

    syncOk();

    assertEquals(id, document("big.bin").documentId(), "the same document once it syncs");
    assertEquals(List.of(DocumentStatus.SYNCED, DocumentStatus.SYNCING, DocumentStatus.PENDING, DocumentStatus.FAILED,
        DocumentStatus.SYNCING, DocumentStatus.PENDING), steps(historyOf(id)));
    assertEquals(DocumentStatus.FAILED, historyOf(id).get(2).from(), "the second run started from the failure");
  }

  @Test
  void anOpenConflictIsTheDocumentsStatus() {
    remote.put("lib/plan.txt", "base");
    syncOk();
    changeSettings(new io.ncsync.persistence.library.SettingsPatch(null, io.ncsync.persistence.sync.ConflictStrategy.MANUAL,
        null, null, null, null, null, null, null));
    local.write("plan.txt", "mine");
    remote.put("lib/plan.txt", "theirs");

    sync();

    DocumentView doc = document("plan.txt");
    assertEquals(DocumentStatus.CONFLICT, doc.status());
    assertNotNull(doc.conflictId());
    assertEquals(DocumentStatus.CONFLICT, historyOf(doc.documentId()).get(0).to());
    assertTrue(historyOf(doc.documentId()).get(0).reason().startsWith("conflict both_modified (manual)"),
        historyOf(doc.documentId()).get(0).reason());
  }

  @Test
  void aFileOutsideTheFiltersIsListedAsExcludedWithWhy() {
    local.write("notes.txt", "n");
    local.write("debug.log", "noise");
    changeSettings(new io.ncsync.persistence.library.SettingsPatch(null, null, null, null,
        new io.ncsync.persistence.sync.SyncFilters(List.of(), List.of("*.log"), List.of(), null, null, null),
        null, null, null, null));
    syncOk();

    DocumentView log = document("debug.log");
    assertNotNull(log, "a filtered file is a document too");
    assertEquals(DocumentStatus.EXCLUDED, log.status());
    assertNotNull(log.reason());
    assertEquals(DocumentStatus.SYNCED, document("notes.txt").status());
  }

  @Test
  void aFileLockedOnTheServerIsLocked() {
    remote.beforeUpload = path -> {
      if (path.endsWith("held.txt")) {
        throw new io.ncsync.protocol.DavException(io.ncsync.protocol.DavError.LOCKED, 423, "PUT held.txt: 423 Locked");
      }
    };
    local.write("held.txt", "mine");
    sync();

    DocumentView held = document("held.txt");
    assertEquals(DocumentStatus.LOCKED, held.status(), String.valueOf(held));
    assertEquals(DocumentStatus.LOCKED, historyOf(held.documentId()).get(0).to());
    remote.beforeUpload = path -> {};
  }

  @Test
  void documentsCanBeListedByFolderAndStatus() {
    local.write("a/x.txt", "x");
    local.write("a/y.txt", "y");
    local.write("b/z.txt", "z");
    syncOk();

    Library.DocumentPage underA = this.<StatusReply<Library.DocumentPage>>ask(replyTo ->
        new Library.GetDocuments("a", DocumentStatus.SYNCED, 0, 10, replyTo)).getValue();
    assertEquals(List.of("a", "a/x.txt", "a/y.txt"), underA.documents().stream().map(DocumentView::path).toList());
    Library.DocumentPage page = this.<StatusReply<Library.DocumentPage>>ask(replyTo ->
        new Library.GetDocuments("", null, 1, 2, replyTo)).getValue();
    assertEquals(5, page.total());
    assertEquals(List.of("a/x.txt", "a/y.txt"), page.documents().stream().map(DocumentView::path).toList());
  }
}
