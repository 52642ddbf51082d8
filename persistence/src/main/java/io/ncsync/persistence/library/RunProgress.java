package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.persistence.sync.SyncPlan;

/**
 * How far the active run is: its phase ({@code scanning} until the plan is made, then the plan's phase in wire form),
 * files done of the files it plans to transfer or delete (folders are not counted), and bytes transferred of the bytes
 * it plans to transfer.
 */
public record RunProgress(String runId, String phase, int filesDone, int filesTotal, long bytesDone, long bytesTotal)
    implements CborSerializable {

  public static final String SCANNING = "scanning";

  /** The files a plan transfers or deletes, and the bytes it transfers. */
  record Totals(int files, long bytes) {
    static Totals of(SyncPlan plan) {
      int files = 0;
      long bytes = 0;
      for (SyncAction.Phase phase : SyncAction.Phase.values()) {
        if (phase != SyncAction.Phase.TRANSFER_FILES && phase != SyncAction.Phase.DELETE_FILES) continue;
        for (SyncAction action : plan.actions(phase)) {
          files += action.paths().size();
          bytes += bytes(action);
        }
      }
      return new Totals(files, bytes);
    }

    private static long bytes(SyncAction action) {
      if (action instanceof SyncAction.Upload upload) return upload.local() == null ? 0 : upload.local().size();
      if (action instanceof SyncAction.UploadBatch batch) {
        return batch.uploads().stream().mapToLong(Totals::bytes).sum();
      }
      if (action instanceof SyncAction.Download download) return download.remote() == null ? 0 : download.remote().size();
      return 0;
    }
  }
}
