package io.ncsync.persistence.sync;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.ncsync.persistence.CborSerializable;
import java.time.Instant;

/**
 * One line of a library's trash log: what a sync removed or replaced, and where its content is kept, so that it can be
 * restored (or, once purged, so that nobody wonders where it went).
 *
 * @param id     stable id, the handle of {@code POST /api/v1/trash/{id}/restore}
 * @param path   library-relative path the file had
 * @param size   bytes, -1 when unknown
 * @param sha256 content hash, or null when unknown
 * @param reason why (the rule or the operator's action)
 * @param kept   where the content lies now (the workspace's own handle, e.g. a folder in the trash area), or null when
 *               nothing was kept (deleted, ignored, orphaned, purged)
 */
public record TrashEntry(
    String id, String path, long size, String sha256, Instant at, String runId, String reason, Action action, String kept)
    implements CborSerializable {

  public enum Action {
    /** Moved into the library's trash area (a remote deletion, by default). */
    TRASHED,
    /** Moved into the operator's archive folder, kept indefinitely. */
    ARCHIVED,
    /** Removed for good (policy {@code delete}), or deleted on the server for a local deletion (its trashbin keeps it). */
    DELETED,
    /** Left in place and no longer tracked (policy {@code ignore}). */
    IGNORED,
    /** Left in place with status orphaned (policy {@code orphan}). */
    ORPHANED,
    /** Put back from the trash or the archive. */
    RESTORED,
    /** Removed from the trash area after the retention. */
    PURGED,
    /** The local content a download overwrote, kept in the trash area. */
    REPLACED;

    @JsonValue
    public String wireName() {
      return WireNames.of(this);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Action fromWire(String value) {
      return WireNames.parse(Action.class, value);
    }
  }
}
