package io.ncsync.daemon.sync;

import io.ncsync.persistence.library.LibraryConfig;
import io.ncsync.persistence.sync.LibraryPorts;
import io.ncsync.persistence.sync.ChangeWatch;
import io.ncsync.persistence.sync.Workspace;
import io.ncsync.protocol.RemoteStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletionStage;

/**
 * The engine's ports in the daemon: a library's workspace is its folder on disk ({@link DiskWorkspace}, trash under
 * {@code <trash>/<tenant>/<library>/}, archive under {@code <archive>/<tenant>/<archiveFolder>/}), its remote the connection's WebDAV store.
 */
public final class DiskDavPorts implements LibraryPorts {
  private final RemoteStores stores;
  private final Path workspacesRoot;
  private final Path trashRoot;
  private final Path archiveRoot;
  private final WorkspaceWatchers watchers;
  private RemoteWatchers remoteWatchers;

  /** @param workspacesRoot every library folder lies below it; the daemon's staging folder is made in it */
  public DiskDavPorts(RemoteStores stores, Path workspacesRoot, Path trashRoot) {
    this(stores, workspacesRoot, trashRoot, null);
  }

  /** @param archiveRoot below it, {@code <tenant>/<archiveFolder>} holds what policy archive keeps; null: no archive */
  public DiskDavPorts(RemoteStores stores, Path workspacesRoot, Path trashRoot, Path archiveRoot) {
    this(stores, workspacesRoot, trashRoot, archiveRoot, null);
  }

  /** @param watchers watches workspaces for changes; null: none is watched (the schedule alone syncs) */
  public DiskDavPorts(RemoteStores stores, Path workspacesRoot, Path trashRoot, Path archiveRoot,
      WorkspaceWatchers watchers) {
    this.watchers = watchers;
    this.archiveRoot = archiveRoot == null ? null : archiveRoot.toAbsolutePath().normalize();
    this.stores = stores;
    this.workspacesRoot = workspacesRoot.toAbsolutePath().normalize();
    this.trashRoot = trashRoot.toAbsolutePath().normalize();
  }

  @Override
  public Workspace workspace(LibraryConfig config) throws IOException {
    return new DiskWorkspace(workspacesRoot, Path.of(config.localRoot()), config.tenantId(), config.libraryId(),
        trashRoot.resolve(config.tenantId()).resolve(config.libraryId()),
        archiveRoot == null ? null : archiveRoot.resolve(config.tenantId()));
  }

  @Override
  public ChangeWatch watch(LibraryConfig config, ChangeWatch.Listener listener) {
    if (watchers == null) return ChangeWatch.unavailable("file system notifications are unavailable: the library syncs on its schedule");
    Path root = Path.of(config.localRoot()).toAbsolutePath().normalize();
    // The entity checked the root already; a watch must never reach outside the workspaces root either.
    if (!root.startsWith(workspacesRoot) || root.equals(workspacesRoot)) {
      return ChangeWatch.unavailable("the library folder is not inside the workspaces root");
    }
    return watchers.watch(root, listener);
  }

  /** Watches the libraries' server folders from now on (push, else polling); without it, none is watched. */
  public DiskDavPorts watchingRemotes(RemoteWatchers remoteWatchers) {
    this.remoteWatchers = remoteWatchers;
    return this;
  }

  @Override
  public ChangeWatch watchRemote(LibraryConfig config, ChangeWatch.Listener listener) {
    if (remoteWatchers == null) return ChangeWatch.unavailable("the server folder is not watched: the schedule syncs");
    return remoteWatchers.watch(config, listener);
  }

  @Override
  public CompletionStage<RemoteStore> connection(LibraryConfig config) {
    return stores.forConnection(config.tenantId(), config.connectionId());
  }
}
