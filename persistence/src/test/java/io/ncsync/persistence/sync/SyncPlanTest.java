package io.ncsync.persistence.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncPlanTest {

  @Test
  void newSmallFilesAreBatchedAndEverythingElseStaysSingle() {
    List<SyncAction> actions = new ArrayList<>();
    for (int i = 0; i < 5; i++) actions.add(new SyncAction.Upload("n" + i, new LocalEntry("n" + i, false, 10, 1, "s"), null));
    actions.add(new SyncAction.Upload("big", new LocalEntry("big", false, 5_000_000, 1, "s"), null));
    actions.add(new SyncAction.Upload("changed", new LocalEntry("changed", false, 10, 1, "s"),
        new BaseEntry("changed", false, "1", "e", 9, 0, "t")));
    actions.add(new SyncAction.CreateRemoteFolder("dir"));

    SyncPlan plan = SyncPlan.of(actions).batchingNewSmallFiles(2, 1 << 20);

    List<SyncAction> transfers = plan.actions(SyncAction.Phase.TRANSFER_FILES);
    long batches = transfers.stream().filter(a -> a instanceof SyncAction.UploadBatch).count();
    assertEquals(2, batches, transfers.toString());
    assertEquals(List.of("n0", "n1", "n2", "n3"), transfers.stream().filter(a -> a instanceof SyncAction.UploadBatch)
        .flatMap(a -> a.paths().stream()).sorted().toList());
    assertEquals(8, plan.documents(), "every document is still counted once");
    assertEquals(1, plan.actions(SyncAction.Phase.CREATE_FOLDERS).size());
    assertInstanceOf(SyncAction.Upload.class, transfers.stream().filter(a -> a.path().equals("n4")).findFirst().orElseThrow(),
        "a lone leftover is not a batch");
  }

  @Test
  void aBatchSizeOfOneTurnsBatchingOff() {
    List<SyncAction> actions = List.of(new SyncAction.Upload("a", new LocalEntry("a", false, 1, 1, "s"), null),
        new SyncAction.Upload("b", new LocalEntry("b", false, 1, 1, "s"), null));
    SyncPlan plan = SyncPlan.of(actions).batchingNewSmallFiles(1, 1 << 20);
    assertEquals(2, plan.actions(SyncAction.Phase.TRANSFER_FILES).size());
    plan.actions(SyncAction.Phase.TRANSFER_FILES).forEach(a -> assertInstanceOf(SyncAction.Upload.class, a));
  }
}
