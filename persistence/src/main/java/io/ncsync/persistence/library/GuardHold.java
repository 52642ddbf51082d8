package io.ncsync.persistence.library;

import io.ncsync.persistence.CborSerializable;
import java.time.Instant;
import java.util.List;

/**
 * Deletions a run refused to carry out (the deletion guard), held for the operator: {@code confirm} lets the next run
 * carry them out once, {@code cancel} forgets the base of the side that went missing so the next run merges instead.
 *
 * @param runId           the run that stopped
 * @param reason          what it saw, with the numbers
 * @param localDeletions  files the run would have deleted in the workspace
 * @param remoteDeletions files it would have deleted on the server
 * @param files           files the library had
 * @param forgetOnCancel  base paths of the side that went missing (what {@code cancel} re-adopts as unknown)
 * @param confirmed       the operator confirmed: the next run passes the guard once
 * @param dataFingerprint the server's new oc:data-fingerprint when its change tripped the guard (accepted on either
 *                        answer), else null
 */
public record GuardHold(
    String runId, Instant at, String reason, int localDeletions, int remoteDeletions, long files,
    List<String> forgetOnCancel, boolean confirmed, String dataFingerprint) implements CborSerializable {

  public GuardHold {
    forgetOnCancel = forgetOnCancel == null ? List.of() : List.copyOf(forgetOnCancel);
  }

  public GuardHold(String runId, Instant at, String reason, int localDeletions, int remoteDeletions, long files,
      List<String> forgetOnCancel, boolean confirmed) {
    this(runId, at, reason, localDeletions, remoteDeletions, files, forgetOnCancel, confirmed, null);
  }

  GuardHold confirm() {
    return new GuardHold(runId, at, reason, localDeletions, remoteDeletions, files, forgetOnCancel, true, dataFingerprint);
  }

  /** The status API's view: the numbers without the list of paths. */
  public Summary summary() {
    return new Summary(runId, at, reason, localDeletions, remoteDeletions, files, confirmed);
  }

  public record Summary(String runId, Instant at, String reason, int localDeletions, int remoteDeletions, long files,
      boolean confirmed) implements CborSerializable {}
}
