package io.ncsync.persistence.sync;

import io.ncsync.persistence.CborSerializable;
import io.ncsync.protocol.DavEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@code remote_to_local} library's workspace holds that the server does not (issue 13): it never uploads, so
 * local changes are drift, and the status says what becomes of each. Found by a run's discovery; pure.
 *
 * @param path where
 * @param kind {@link #CHANGED}, {@link #ADDED} or {@link #DELETED}
 * @param fate what the library does with it
 */
public record LocalDrift(String path, String kind, String fate) implements CborSerializable {
  public static final String CHANGED = "changed";
  public static final String ADDED = "added";
  public static final String DELETED = "deleted";

  /** The drift of {@code discovery} against {@code base}, sorted by path; none unless {@code mode} is remote to local. */
  public static List<LocalDrift> of(Map<String, BaseEntry> base, Discovery discovery, SyncMode mode,
      ConflictPolicy conflicts) {
    if (mode != SyncMode.REMOTE_TO_LOCAL) return List.of();
    List<LocalDrift> drift = new ArrayList<>();
    for (LocalEntry local : discovery.local().values()) {
      if (local.folder() || discovery.isLeftAlone(local.path())) continue;
      BaseEntry known = base.get(local.path());
      DavEntry remote = discovery.remote().get(local.path());
      if (known == null) {
        if (remote == null) drift.add(new LocalDrift(local.path(), ADDED, "kept here, never uploaded"));
        continue;
      }
      if (known.folder() || !Reconciler.localChanged(local, known)) continue;
      boolean remoteChanged = remote == null || !Objects.equals(remote.etag(), known.etag());
      drift.add(new LocalDrift(local.path(), CHANGED, !remoteChanged
          ? "kept until the server's version changes; then " + onServerChange(conflicts, mode)
          : onServerChange(conflicts, mode)));
    }
    for (BaseEntry known : base.values()) {
      if (known.folder() || known.path().isEmpty() || discovery.local().containsKey(known.path())) continue;
      if (discovery.isLeftAlone(known.path()) || !discovery.remote().containsKey(known.path())) continue;
      drift.add(new LocalDrift(known.path(), DELETED, "brought back from the server"));
    }
    drift.sort(Comparator.comparing(LocalDrift::path));
    return drift;
  }

  private static String onServerChange(ConflictPolicy conflicts, SyncMode mode) {
    return conflicts.forBothModified(mode) == ConflictStrategy.KEEP_REMOTE
        ? "the server's version replaces it (the local one goes to the trash)"
        : "a conflict waits for the operator";
  }
}
