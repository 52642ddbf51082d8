package io.ncsync.protocol.testing;

import io.ncsync.protocol.ChangeFeed;
import io.ncsync.protocol.ChangeFeedPage;
import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.DownloadResult;
import io.ncsync.protocol.Listing;
import io.ncsync.protocol.RemotePaths;
import io.ncsync.protocol.RemoteStore;
import io.ncsync.protocol.UploadResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A Nextcloud-like remote in memory for engine tests: stable file ids, ETags that change on every write and propagate
 * to every ancestor, If-Match / If-None-Match, and hooks to inject races and faults.
 */
public final class InMemoryRemoteStore implements RemoteStore {
  private record Node(boolean folder, byte[] content, String etag, String fileId, Instant modified) {}

  private final TreeMap<String, Node> nodes = new TreeMap<>();
  private final AtomicLong versions = new AtomicLong();
  private final AtomicLong ids = new AtomicLong(100);
  private final String prefix;
  private final InMemoryRemoteStore root;

  /** Runs before an upload is applied, with the path: lets a test change the remote "meanwhile". */
  public volatile Consumer<String> beforeUpload = p -> {};
  /** Runs once an upload has been applied, with the path: lets another writer change the file before we look again. */
  public volatile Consumer<String> afterUpload = p -> {};
  /** False: a PUT is answered without ETag and file id, as mod_dav does, so the engine must ask for them. */
  public volatile boolean identityOnWrite = true;
  /** Runs once an upload has read its source, with the path: lets a test change the local file while it is sent. */
  public volatile Consumer<String> afterRead = p -> {};
  /** The next N If-Match checks fail although the ETag matches (Apache's weak ETag in the second after a write). */
  public final java.util.concurrent.atomic.AtomicInteger spuriousPreconditionFailures = new java.util.concurrent.atomic.AtomicInteger();
  /** When set, every listing fails with it. */
  public volatile DavException listingFault;
  /** True: folder ETags propagate as on Nextcloud, and the engine may prune its walks. */
  public volatile boolean propagate;
  /** True: the store offers a change feed (like Nextcloud's activity stream) of every recorded write. */
  public volatile boolean feedEnabled;
  /** False: writes leave no trace in the feed (like {@code occ files:scan} picking up a change made on the disk). */
  public volatile boolean recordActivities = true;
  /** When set, the feed answers unusable with this reason. */
  public volatile String feedFault;
  /** What {@link #forbiddenNames()} answers (Nextcloud's rules, or the plain WebDAV default). */
  public volatile io.ncsync.protocol.ForbiddenNames forbidden = io.ncsync.protocol.ForbiddenNames.NONE;
  /** Runs before a download, with the absolute path: lets a test fail it or hold it. */
  public volatile Consumer<String> beforeDownload = p -> {};
  /** Runs once a download has written its target, with the absolute path: lets a test look where the bytes went. */
  public volatile Consumer<String> afterDownload = p -> {};
  /** Runs before a MOVE is applied, with the source's absolute path: lets a test take the destination meanwhile. */
  public volatile Consumer<String> beforeMove = p -> {};
  /** Absolute paths of folders listed as mount points (oc:permissions with M: external storage, a share's root). */
  public final java.util.Set<String> mounts = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** False: listings carry no oc:fileid, as on plain WebDAV servers (mod_dav). */
  public volatile boolean fileIds = true;

  private record Activity(long id, String path, String fileId) {}

  private final List<Activity> activities = new ArrayList<>();
  private final Map<String, Integer> listings = new TreeMap<>();
  private int feedReads;
  /** Requests that carried or fetched file content, and MOVEs, since the last {@link #resetCounts()}. */
  private int uploads;
  private int downloads;
  private final List<String> moves = new ArrayList<>();

  /** The oc:data-fingerprint folders report (Nextcloud changes it after a restore from backup); null: none. */
  public volatile String dataFingerprint;

  public InMemoryRemoteStore() {
    this.prefix = "";
    this.root = this;
    nodes.put("", new Node(true, null, nextEtag(), nextId(), Instant.now()));
  }

  private InMemoryRemoteStore(InMemoryRemoteStore root, String prefix) {
    this.root = root;
    this.prefix = prefix;
  }

  // --- test API (absolute paths) ------------------------------------------------------------------------------

  /** Writes a file, creating its missing folders, as another client of the server would. */
  public synchronized void put(String path, String content) {
    String folder = "";
    for (String segment : RemotePaths.parent(path).isEmpty() ? new String[0] : RemotePaths.parent(path).split("/")) {
      folder = RemotePaths.join(folder, segment);
      if (!root.nodes.containsKey(folder)) {
        Node created = new Node(true, null, root.nextEtag(), root.nextId(), Instant.now());
        root.nodes.put(folder, created);
        root.touchAncestors(folder);
        root.record(folder, created.fileId);
      }
    }
    root.write(path, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * Changes an existing file's content without its folders' ETags changing or any activity recorded, as a change on an
   * external storage or made behind Nextcloud's back shows until a scan notices it.
   */
  public synchronized void replaceBehindTheServersBack(String path, String content) {
    Node node = root.nodes.get(path);
    if (node == null || node.folder) throw new IllegalArgumentException("no file at " + path);
    root.nodes.put(path, new Node(false, content.getBytes(java.nio.charset.StandardCharsets.UTF_8), root.nextEtag(),
        node.fileId, Instant.now()));
  }

  /** {@link #put}, as a client whose clock says {@code modified} (a day off, the epoch, ...). */
  public synchronized void putAt(String path, String content, Instant modified) {
    put(path, content);
    Node node = root.nodes.get(path);
    root.nodes.put(path, new Node(false, node.content, node.etag, node.fileId, modified));
  }

  public synchronized String read(String path) {
    Node node = root.nodes.get(path);
    return node == null || node.folder ? null : new String(node.content, java.nio.charset.StandardCharsets.UTF_8);
  }

  public synchronized void remove(String path) {
    root.removeTree(path);
  }

  /**
   * Moves a file or folder as a rename on Nextcloud does: file ids and the moved entries' ETags stay, the ancestors on
   * both sides get new ETags (the feed names the new path).
   */
  public synchronized void rename(String from, String to) {
    TreeMap<String, Node> moved = new TreeMap<>();
    root.nodes.forEach((path, node) -> {
      if (path.equals(from) || path.startsWith(from + "/")) moved.put(to + path.substring(from.length()), node);
    });
    root.nodes.keySet().removeIf(p -> p.equals(from) || p.startsWith(from + "/"));
    root.nodes.putAll(moved);
    root.touchAncestors(from);
    root.touchAncestors(to);
    root.record(to, moved.get(to).fileId);
  }

  /** The mount at {@code path} becomes unavailable, as Nextcloud lists an external storage it cannot reach: empty. */
  public synchronized void emptyMount(String path) {
    root.nodes.keySet().removeIf(p -> p.startsWith(path + "/"));
    root.touchAncestors(path + "/x");
  }

  /** Uploads (PUTs) since the last {@link #resetCounts()}. */
  public synchronized int uploads() {
    return root.uploads;
  }

  /** Downloads (GETs) since the last {@link #resetCounts()}. */
  public synchronized int downloads() {
    return root.downloads;
  }

  /** MOVEs made through the store ("from -> to", absolute) since the last {@link #resetCounts()}. */
  public synchronized List<String> moves() {
    return List.copyOf(root.moves);
  }

  /** The next download of {@code absPath} fails as a reset connection would (retryable); later ones succeed. */
  public void failNextDownloadOf(String absPath) {
    beforeDownload = path -> {
      if (path.equals(absPath)) {
        beforeDownload = p -> {};
        throw new DavException(DavError.TRANSPORT, 0, "GET " + absPath + ": connection reset");
      }
    };
  }

  /** PROPFIND Depth 1 listings made of each folder (absolute paths) since the last {@link #resetCounts()}. */
  public synchronized Map<String, Integer> listings() {
    return new TreeMap<>(root.listings);
  }

  public synchronized int feedReads() {
    return root.feedReads;
  }

  public synchronized void resetCounts() {
    root.listings.clear();
    root.feedReads = 0;
    root.uploads = 0;
    root.downloads = 0;
    root.moves.clear();
  }

  /** Folders below {@code under}, relative to it. */
  public synchronized java.util.Set<String> folders(String under) {
    java.util.Set<String> folders = new java.util.TreeSet<>();
    root.nodes.forEach((path, node) -> {
      if (node.folder && path.startsWith(under + "/")) folders.add(path.substring(under.length() + 1));
    });
    return folders;
  }

  /** Files by absolute path → content. */
  public synchronized Map<String, String> files(String under) {
    Map<String, String> files = new TreeMap<>();
    root.nodes.forEach((path, node) -> {
      if (!node.folder && (under.isEmpty() || path.startsWith(under + "/"))) {
        files.put(under.isEmpty() ? path : path.substring(under.length() + 1), new String(node.content, java.nio.charset.StandardCharsets.UTF_8));
      }
    });
    return files;
  }

  // --- RemoteStore ------------------------------------------------------------------------------------------

  @Override
  public CompletionStage<DavEntry> stat(String path) {
    return call(() -> {
      synchronized (root) {
        Node node = root.nodes.get(abs(path));
        if (node == null) throw notFound("PROPFIND", path);
        return entry(path, node);
      }
    });
  }

  @Override
  public CompletionStage<Listing> list(String folderPath) {
    return call(() -> {
      if (root.listingFault != null) throw root.listingFault;
      synchronized (root) {
        String absFolder = abs(folderPath);
        root.listings.merge(absFolder, 1, Integer::sum);
        Node self = root.nodes.get(absFolder);
        if (self == null || !self.folder) throw notFound("PROPFIND", folderPath);
        List<DavEntry> children = new ArrayList<>();
        Map<String, String> excluded = new TreeMap<>();
        String start = absFolder.isEmpty() ? "" : absFolder + "/";
        for (Map.Entry<String, Node> e : root.nodes.tailMap(start, false).entrySet()) {
          if (!e.getKey().startsWith(start)) break;
          String rest = e.getKey().substring(start.length());
          if (rest.isEmpty() || rest.contains("/")) continue;
          // As the parser does with a server's hrefs: a name no local file can have is left out and reported.
          String unsafe = RemotePaths.unsafeReason(rest);
          if (unsafe != null) excluded.put(RemotePaths.excludedKey(folderPath, rest), Listing.exclusionReason(rest, unsafe));
          else children.add(entry(RemotePaths.join(folderPath, rest), e.getValue()));
        }
        return new Listing(entry(folderPath, self), children, excluded);
      }
    });
  }

  @Override
  public CompletionStage<DownloadResult> download(String path, Path target) {
    return call(() -> {
      root.beforeDownload.accept(abs(path));
      Node node;
      synchronized (root) {
        node = root.nodes.get(abs(path));
      }
      if (node == null || node.folder) throw notFound("GET", path);
      synchronized (root) {
        root.downloads++;
      }
      try {
        Files.write(target, node.content);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      root.afterDownload.accept(abs(path));
      return new DownloadResult(node.content.length, node.etag);
    });
  }

  @Override
  public CompletionStage<UploadResult> upload(String path, Path source, Optional<String> ifMatchEtag, boolean mustNotExist) {
    return call(() -> {
      root.beforeUpload.accept(abs(path));
      byte[] content;
      try {
        content = Files.readAllBytes(source);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      root.afterRead.accept(abs(path));
      UploadResult result;
      synchronized (root) {
        root.uploads++;
        String absPath = abs(path);
        Node existing = root.nodes.get(absPath);
        if (mustNotExist && existing != null) throw new DavException(DavError.PRECONDITION_FAILED, 412, "PUT " + path + ": exists");
        if (ifMatchEtag.isPresent() && (existing == null || !existing.etag.equals(ifMatchEtag.get())
            || root.spuriousPreconditionFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0)) {
          throw new DavException(DavError.PRECONDITION_FAILED, 412, "PUT " + path + ": ETag mismatch");
        }
        Node parent = root.nodes.get(RemotePaths.parent(absPath));
        if (parent == null || !parent.folder) throw new DavException(DavError.CONFLICT, 409, "PUT " + path + ": parent missing");
        Node written = root.write(absPath, content);
        // As the real stores do: the SHA-256 of exactly the bytes sent.
        result = root.identityOnWrite
            ? new UploadResult(existing == null, written.etag, root.fileIds ? written.fileId : null, null, content.length, false, sha256(content))
            : new UploadResult(existing == null, null, null, null, content.length, false, sha256(content));
      }
      root.afterUpload.accept(abs(path));
      return result;
    });
  }

  @Override
  public CompletionStage<Void> mkcol(String path) {
    return call(() -> {
      synchronized (root) {
        String absPath = abs(path);
        if (root.nodes.containsKey(absPath)) throw new DavException(DavError.METHOD_NOT_ALLOWED, 405, "MKCOL " + path + ": exists");
        if (!root.nodes.containsKey(RemotePaths.parent(absPath))) throw new DavException(DavError.CONFLICT, 409, "MKCOL " + path);
        Node folder = new Node(true, null, root.nextEtag(), root.nextId(), Instant.now());
        root.nodes.put(absPath, folder);
        root.touchAncestors(absPath);
        root.record(absPath, folder.fileId);
        return null;
      }
    });
  }

  @Override
  public CompletionStage<Void> mkdirs(String path) {
    return call(() -> {
      synchronized (root) {
        String current = "";
        for (String segment : path.isEmpty() ? new String[0] : path.split("/")) {
          current = RemotePaths.join(current, segment);
          if (!root.nodes.containsKey(abs(current))) {
            Node folder = new Node(true, null, root.nextEtag(), root.nextId(), Instant.now());
            root.nodes.put(abs(current), folder);
            root.touchAncestors(abs(current));
            root.record(abs(current), folder.fileId);
          }
        }
        return null;
      }
    });
  }

  @Override
  public CompletionStage<Void> delete(String path, Optional<String> ifMatchEtag) {
    return call(() -> {
      synchronized (root) {
        Node node = root.nodes.get(abs(path));
        if (node == null) throw notFound("DELETE", path);
        if (ifMatchEtag.isPresent() && !node.etag.equals(ifMatchEtag.get())) {
          throw new DavException(DavError.PRECONDITION_FAILED, 412, "DELETE " + path + ": ETag mismatch");
        }
        root.removeTree(abs(path));
        return null;
      }
    });
  }

  @Override
  public CompletionStage<Void> move(String fromPath, String toPath, boolean overwrite) {
    return call(() -> {
      root.beforeMove.accept(abs(fromPath));
      synchronized (root) {
        String from = abs(fromPath);
        String to = abs(toPath);
        if (fromPath.isEmpty() || toPath.isEmpty()) throw new DavException(DavError.FORBIDDEN, 403, "MOVE of the root");
        if (!root.nodes.containsKey(from)) throw notFound("MOVE", fromPath);
        if (to.startsWith(from + "/")) throw new DavException(DavError.CONFLICT, 409, "MOVE " + fromPath + " into itself");
        Node parent = root.nodes.get(RemotePaths.parent(to));
        if (parent == null || !parent.folder) throw new DavException(DavError.CONFLICT, 409, "MOVE " + fromPath + ": parent missing");
        if (root.nodes.containsKey(to)) {
          if (!overwrite) throw new DavException(DavError.PRECONDITION_FAILED, 412, "MOVE " + fromPath + ": destination exists");
          root.removeTree(to);
        }
        root.moves.add(from + " -> " + to);
        rename(from, to);
        return null;
      }
    });
  }

  @Override
  public RemoteStore scoped(String subPath) {
    return new InMemoryRemoteStore(root, abs(subPath));
  }

  @Override
  public boolean etagsPropagate() {
    return root.propagate;
  }

  @Override
  public io.ncsync.protocol.ForbiddenNames forbiddenNames() {
    return root.forbidden;
  }

  @Override
  public Optional<ChangeFeed> changeFeed() {
    return root.feedEnabled ? Optional.of(new Feed(prefix)) : Optional.empty();
  }

  /** The activity log seen from one folder. */
  private final class Feed implements ChangeFeed {
    private final String scope;

    Feed(String scope) {
      this.scope = scope;
    }

    @Override
    public CompletionStage<String> latestCursor() {
      synchronized (root) {
        return CompletableFuture.completedFuture(root.activities.isEmpty() ? "" : Long.toString(root.lastActivity()));
      }
    }

    @Override
    public CompletionStage<ChangeFeedPage> since(String cursor, int maxActivities) {
      synchronized (root) {
        root.feedReads++;
        if (root.feedFault != null) return CompletableFuture.completedFuture(ChangeFeedPage.unusable(root.feedFault, cursor));
        long after = cursor.isEmpty() ? 0 : Long.parseLong(cursor);
        List<ChangeFeedPage.Change> changes = new ArrayList<>();
        int read = 0;
        for (Activity a : root.activities) {
          if (a.id() <= after) continue;
          if (++read > maxActivities) return CompletableFuture.completedFuture(ChangeFeedPage.unusable("too many", cursor));
          if (scope.isEmpty() || a.path().startsWith(scope + "/") || a.path().equals(scope)) {
            changes.add(new ChangeFeedPage.Change(scope.isEmpty() ? a.path() : a.path().equals(scope) ? "" : a.path().substring(scope.length() + 1), a.fileId()));
          }
        }
        String next = root.activities.isEmpty() ? cursor : Long.toString(Math.max(after, root.lastActivity()));
        return CompletableFuture.completedFuture(new ChangeFeedPage(true, null, changes, next));
      }
    }

    @Override
    public ChangeFeed scoped(String subPath) {
      return new Feed(scope.isEmpty() ? subPath : subPath.isEmpty() ? scope : scope + "/" + subPath);
    }
  }

  // --- internals ----------------------------------------------------------------------------------------------

  private Node write(String absPath, byte[] content) {
    Node existing = nodes.get(absPath);
    Node node = new Node(false, content.clone(), nextEtag(), existing == null ? nextId() : existing.fileId, Instant.now());
    nodes.put(absPath, node);
    touchAncestors(absPath);
    record(absPath, node.fileId);
    return node;
  }

  private void removeTree(String absPath) {
    Node node = nodes.get(absPath);
    nodes.keySet().removeIf(p -> p.equals(absPath) || p.startsWith(absPath + "/"));
    touchAncestors(absPath);
    if (node != null) record(absPath, node.fileId);
  }

  private void record(String absPath, String fileId) {
    if (recordActivities) activities.add(new Activity(lastActivity() + 1, absPath, fileId));
  }

  private long lastActivity() {
    return activities.isEmpty() ? 0 : activities.get(activities.size() - 1).id();
  }

  /** Nextcloud propagates a change's new ETag to every ancestor. */
  private void touchAncestors(String absPath) {
    for (String p = absPath; !p.isEmpty(); ) {
      p = RemotePaths.parent(p);
      Node folder = nodes.get(p);
      if (folder != null) nodes.put(p, new Node(true, null, nextEtag(), folder.fileId, Instant.now()));
    }
  }

  private String nextEtag() {
    return "etag" + versions.incrementAndGet();
  }

  private String nextId() {
    return Long.toString(ids.incrementAndGet());
  }

  private String abs(String path) {
    return prefix.isEmpty() ? path : path.isEmpty() ? prefix : prefix + "/" + path;
  }

  private DavEntry entry(String path, Node node) {
    String fileId = root.fileIds ? node.fileId : null;
    return new DavEntry(path, node.folder, node.etag, node.folder ? -1 : node.content.length, node.modified, fileId,
        node.folder ? (root.mounts.contains(abs(path)) ? "MRGDNVCK" : "RGDNVCK") : "RGDNVW", null,
        node.folder ? root.dataFingerprint : null);
  }

  private static DavException notFound(String method, String path) {
    return new DavException(DavError.NOT_FOUND, 404, method + " " + path + ": 404 Not Found");
  }

  private interface Call<T> {
    T run();
  }

  private static <T> CompletionStage<T> call(Call<T> call) {
    try {
      return CompletableFuture.completedFuture(call.run());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static String sha256(byte[] content) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
