package io.ncsync.protocol.testing.nextcloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * One user's storage: the files on disk under {@code <data>/<user>/files} and, in memory, what Nextcloud keeps in its
 * file cache: a stable fileid per node (moved with the node), an ETag that changes with every change and propagates to
 * every ancestor up to the root, recursive folder sizes, stored checksums, upload and creation times. Plus old versions
 * ({@code files_versions}), the trashbin ({@code files_trashbin}) and the activity stream.
 *
 * <p>Changes made on disk behind the server's back are noticed when a path is looked at (as Nextcloud does with
 * {@code filesystem_check_changes = 1}): new entries get fresh fileids, changed files a new ETag (propagated), vanished
 * ones are forgotten. All methods are synchronized: the tree and the disk change together.
 */
final class Store {
  /** A node of the file cache. Guarded by the store's monitor. */
  static final class Node {
    String name;
    Node parent;
    final boolean dir;
    final long fileId;
    String etag;
    long size;
    /** Files: the disk mtime we last saw, in ms (a differing disk mtime means an outside change). */
    long mtimeMillis;
    String checksum;
    long uploadTime;
    long creationTime;
    Lock lock;
    final TreeMap<String, Node> children;

    Node(String name, boolean dir, long fileId, String etag) {
      this.name = name;
      this.dir = dir;
      this.fileId = fileId;
      this.etag = etag;
      this.children = dir ? new TreeMap<>() : null;
    }
  }

  /** A files_lock lock. {@code type}: 0 user, 1 app, 2 token. */
  record Lock(String owner, String ownerDisplayName, int type, long time, long timeoutSeconds, String token) {}

  /** What a request sees of a node: taken under the monitor, rendered outside it. */
  record Entry(String path, String name, boolean dir, long size, long mtimeMillis, String etag, long fileId,
               String checksum, long uploadTime, long creationTime, Lock lock) {}

  record Version(long timestamp, long size, long mtimeMillis, String etag, String label, String author) {}

  record TrashItem(String trashName, String name, String originalLocation, long deletionTime, String deletedBy,
                   Node node) {}

  record Activity(long id, long time, String type, String subject, long fileId, String path, String oldPath) {}

  /** The result of writing a file: its entry and whether it was new. */
  record Written(Entry entry, boolean created) {}

  /** What a PUT (or bulk part, or chunk assembly) sets besides the content. {@code checksum} null clears it. */
  record WriteMeta(Long mtimeSeconds, Long ctimeSeconds, String checksum) {}

  final String userId;
  final String displayName;
  final String instanceId;
  final Path dataDir;
  final Path filesDir;
  final Path versionsDir;
  final Path trashDir;
  final Path uploadsDir;
  final Path stagingDir;
  private final Path indexFile;
  private final boolean versionsEnabled;
  private final boolean trashEnabled;
  private final LongSupplier quota;
  private final SecureRandom random = new SecureRandom();

  private Node root;
  private long nextFileId = 10;
  private long etagCounter;
  private final Map<Long, TreeMap<Long, Version>> versions = new TreeMap<>();
  private final TreeMap<String, TrashItem> trash = new TreeMap<>();
  private final List<Activity> activities = new ArrayList<>();
  private long nextActivityId = 1;
  private String dataFingerprint = "";

  Store(Path dataDir, String userId, String displayName, boolean versionsEnabled, boolean trashEnabled,
        LongSupplier quota) throws IOException {
    this.userId = userId;
    this.displayName = displayName;
    this.dataDir = dataDir;
    Path userDir = dataDir.resolve(userId);
    this.filesDir = Files.createDirectories(userDir.resolve("files"));
    this.versionsDir = Files.createDirectories(userDir.resolve("files_versions"));
    this.trashDir = Files.createDirectories(userDir.resolve("files_trashbin"));
    this.uploadsDir = Files.createDirectories(userDir.resolve("uploads"));
    this.stagingDir = Files.createDirectories(dataDir.resolve(".staging"));
    this.indexFile = dataDir.resolve(".ncindex");
    this.versionsEnabled = versionsEnabled;
    this.trashEnabled = trashEnabled;
    this.quota = quota;
    this.etagCounter = System.currentTimeMillis() * 1000;
    String loadedInstance = load();
    this.instanceId = loadedInstance != null ? loadedInstance : "oc" + randomAlnum(10);
    if (root == null) root = new Node("", true, nextFileId++, newEtag());
    synchronized (this) {
      rescan();
    }
  }

  // ---- Lookup ------------------------------------------------------------------------------------------------------

  /** Looks a path up, noticing outside changes on the way. Null when it does not exist. */
  synchronized Entry stat(String path) {
    Node node = reconcile(path);
    return node == null ? null : snapshot(node, path);
  }

  /**
   * The node at {@code path} and its descendants down to {@code depth} (0, 1 or -1 for all), parents before children,
   * children by name. Null when the path does not exist.
   */
  synchronized List<Entry> list(String path, int depth) {
    Node node = reconcile(path);
    if (node == null) return null;
    List<Entry> out = new ArrayList<>();
    out.add(snapshot(node, path));
    if (node.dir && depth != 0) collect(node, path, depth, out);
    return out;
  }

  private void collect(Node folder, String path, int depth, List<Entry> out) {
    refreshChildren(folder, path);
    for (Node child : new ArrayList<>(folder.children.values())) {
      String childPath = join(path, child.name);
      out.add(snapshot(child, childPath));
      if (child.dir && depth != 1) collect(child, childPath, depth < 0 ? -1 : depth - 1, out);
    }
  }

  synchronized long usedBytes() {
    return root.size;
  }

  synchronized String dataFingerprint() {
    return dataFingerprint;
  }

  synchronized void dataFingerprint(String value) {
    dataFingerprint = value == null ? "" : value;
  }

  Path diskPath(String path) {
    return path.isEmpty() ? filesDir : filesDir.resolve(path);
  }

  /** Quota left for uploads, or -1 when unlimited. */
  synchronized long freeBytes() {
    long q = quota.getAsLong();
    return q < 0 ? -1 : Math.max(0, q - root.size);
  }

  synchronized long fileIdOf(String path) {
    Node node = reconcile(path);
    return node == null ? -1 : node.fileId;
  }

  /** The path of a fileid in the files tree, or null. */
  synchronized String pathOfFileId(long fileId) {
    Node node = findById(root, fileId);
    return node == null ? null : pathOf(node);
  }

  private static Node findById(Node node, long fileId) {
    if (node.fileId == fileId) return node;
    if (!node.dir) return null;
    for (Node child : node.children.values()) {
      Node found = findById(child, fileId);
      if (found != null) return found;
    }
    return null;
  }

  /** A file opened for reading together with the entry it had when opened (so ETag and content agree). */
  record Opened(Entry entry, java.nio.channels.FileChannel channel) {}

  synchronized Opened open(String path) {
    Node node = reconcile(path);
    if (node == null) return null;
    Entry entry = snapshot(node, path);
    if (node.dir) return new Opened(entry, null);
    try {
      return new Opened(entry, java.nio.channels.FileChannel.open(diskPath(path), java.nio.file.StandardOpenOption.READ));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- Writing files -----------------------------------------------------------------------------------------------

  /**
   * Puts {@code temp} (a finished file in the staging folder) at {@code path} atomically: the old content, if any,
   * becomes a version; fileid stays; ETags change up to the root.
   *
   * @param precondition sees the current entry (or null) under the monitor and throws a DavError to refuse
   * @param autoMkcol    create missing parents (X-NC-WebDAV-AutoMkcol)
   */
  synchronized Written writeFile(String path, Path temp, WriteMeta meta, Consumer<Entry> precondition,
                                 boolean autoMkcol) {
    String parentPath = parentOf(path);
    Node parent = reconcile(parentPath);
    if (parent == null && autoMkcol) {
      mkdirs(parentPath);
      parent = reconcile(parentPath);
    }
    if (parent == null) throw DavError.conflict("Files cannot be created in non-existent collections");
    if (!parent.dir) throw DavError.conflict("Files can only be created as children of collections");
    Node existing = reconcile(path);
    precondition.accept(existing == null ? null : snapshot(existing, path));
    if (existing != null && existing.dir) throw DavError.conflict("PUT is not allowed on non-files.");
    checkLock(existing);
    long newSize = sizeOf(temp);
    checkQuota(newSize - (existing == null ? 0 : existing.size));
    Path target = diskPath(path);
    try {
      Path version = existing == null ? null : keepVersion(existing, target);
      try {
        move(temp, target);
      } catch (IOException | RuntimeException | Error e) {
        if (version != null) move(version, target); // never leave the path empty: the old content goes back
        throw e;
      }
      if (meta.mtimeSeconds() != null) Files.setLastModifiedTime(target, FileTime.fromMillis(meta.mtimeSeconds() * 1000));
      long now = nowSeconds();
      Node node = existing;
      if (node == null) {
        node = new Node(lastSegment(path), false, nextFileId++, newEtag());
        attach(parent, node);
        node.creationTime = meta.ctimeSeconds() != null ? meta.ctimeSeconds() : 0;
      } else {
        node.etag = newEtag();
        if (meta.ctimeSeconds() != null) node.creationTime = meta.ctimeSeconds();
      }
      long oldSize = existing == null ? 0 : existing.size;
      node.size = newSize;
      node.mtimeMillis = mtimeMillis(target);
      node.checksum = meta.checksum();
      node.uploadTime = now;
      bumpAncestors(node, newSize - oldSize);
      record(existing == null ? "file_created" : "file_changed", existing == null ? "created_self" : "changed_self",
          node, path, null);
      return new Written(snapshot(node, path), existing == null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Moves the current content of {@code target} into the versions folder; returns where it went, or null. */
  private Path keepVersion(Node existing, Path target) throws IOException {
    if (!versionsEnabled) return null;
    long ts = existing.mtimeMillis / 1000;
    Version version = new Version(ts, existing.size, existing.mtimeMillis, existing.etag, "", userId);
    TreeMap<Long, Version> list = versions.computeIfAbsent(existing.fileId, id -> new TreeMap<>());
    Path dir = Files.createDirectories(versionsDir.resolve(Long.toString(existing.fileId)));
    Path versionFile = dir.resolve(Long.toString(ts));
    Files.move(target, versionFile, StandardCopyOption.REPLACE_EXISTING);
    list.put(ts, version);
    return versionFile;
  }

  /** Sets a file's mtime (PROPPATCH lastmodified): a change like any other. */
  synchronized Entry touch(String path, long mtimeSeconds) {
    Node node = reconcile(path);
    if (node == null) throw DavError.notFound("File not found: " + path);
    try {
      Files.setLastModifiedTime(diskPath(path), FileTime.fromMillis(mtimeSeconds * 1000));
      if (!node.dir) node.mtimeMillis = mtimeMillis(diskPath(path));
      node.etag = newEtag();
      bumpAncestors(node, 0);
      return snapshot(node, path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- Folders, delete, move, copy ---------------------------------------------------------------------------------

  synchronized Entry mkcol(String path) {
    Node parent = reconcile(parentOf(path));
    if (parent == null) throw DavError.conflict("Parent node does not exist");
    if (!parent.dir) throw DavError.conflict("Parent node is not a collection");
    if (reconcile(path) != null) throw DavError.methodNotAllowed("The resource you tried to create already exists");
    try {
      Files.createDirectory(diskPath(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Node node = new Node(lastSegment(path), true, nextFileId++, newEtag());
    node.uploadTime = nowSeconds();
    attach(parent, node);
    bumpAncestors(node, 0);
    record("file_created", "created_self", node, path, null);
    return snapshot(node, path);
  }

  private void mkdirs(String path) {
    if (path.isEmpty() || reconcile(path) != null) return;
    mkdirs(parentOf(path));
    mkcol(path);
  }

  /** DELETE: into the trashbin when it is enabled, else gone (with its versions). */
  synchronized void delete(String path, Consumer<Entry> precondition) {
    if (path.isEmpty()) throw DavError.forbidden("The root cannot be deleted");
    Node node = reconcile(path);
    if (node == null) throw DavError.notFound("File with name " + path + " could not be located");
    precondition.accept(snapshot(node, path));
    checkLockTree(node);
    remove(node, path, true);
  }

  private void remove(Node node, String path, boolean recordActivity) {
    try {
      if (trashEnabled) {
        long now = nowSeconds();
        String trashName = node.name + ".d" + now;
        while (trash.containsKey(trashName)) trashName = node.name + ".d" + (++now);
        move(diskPath(path), trashDir.resolve(trashName));
        detach(node);
        bumpFrom(pathParent(path), -node.size);
        trash.put(trashName, new TrashItem(trashName, node.name, path, now, userId, node));
      } else {
        deleteRecursively(diskPath(path));
        detach(node);
        bumpFrom(pathParent(path), -node.size);
        forgetVersions(node);
      }
      if (recordActivity) record("file_deleted", "deleted_self", node, path, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Node pathParent(String path) {
    return lookup(parentOf(path));
  }

  /** MOVE within the files tree. Returns true when the destination existed (204) rather than not (201). */
  synchronized boolean move(String from, String to, boolean overwrite, Consumer<Entry> precondition) {
    return move(from, to, overwrite, precondition, false);
  }

  /**
   * Like {@link #move(String, String, boolean, Consumer)}; {@code keepFolderEtags} leaves every folder's ETag as it
   * was, as a server that does not propagate ETags on MOVE does (the sizes still change).
   */
  synchronized boolean move(String from, String to, boolean overwrite, Consumer<Entry> precondition,
      boolean keepFolderEtags) {
    Node source = checkMoveOrCopy(from, to, precondition);
    checkLockTree(source);
    Node destParent = reconcile(parentOf(to));
    Map<Node, String> folderEtags = new java.util.IdentityHashMap<>();
    if (keepFolderEtags) {
      for (Node n = source.parent; n != null; n = n.parent) folderEtags.put(n, n.etag);
      for (Node n = destParent; n != null; n = n.parent) folderEtags.put(n, n.etag);
    }
    Node existing = reconcile(to);
    if (existing != null) {
      if (!overwrite) throw DavError.preconditionFailed("The destination node already exists, and the overwrite header is set to false");
      checkLockTree(existing);
      remove(existing, to, true);
    }
    try {
      move(diskPath(from), diskPath(to));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Node oldParent = source.parent;
    detach(source);
    bumpFrom(oldParent, -source.size);
    source.name = lastSegment(to);
    attach(destParent, source);
    bumpAncestors(source, source.size);
    folderEtags.forEach((folder, etag) -> folder.etag = etag);
    boolean rename = parentOf(from).equals(parentOf(to));
    record("file_changed", rename ? "renamed_self" : "moved_self", source, to, from);
    return existing != null;
  }

  /** COPY: new fileids for the copies. Returns true when the destination existed. */
  synchronized boolean copy(String from, String to, boolean overwrite, Consumer<Entry> precondition) {
    Node source = checkMoveOrCopy(from, to, precondition);
    Node destParent = reconcile(parentOf(to));
    Node existing = reconcile(to);
    if (existing != null) {
      if (!overwrite) throw DavError.preconditionFailed("The destination node already exists, and the overwrite header is set to false");
      checkLockTree(existing);
      remove(existing, to, true);
    }
    checkQuota(source.size);
    try {
      Node copy = copyTree(source, diskPath(from), diskPath(to), lastSegment(to));
      attach(destParent, copy);
      bumpAncestors(copy, copy.size);
      record("file_created", "created_self", copy, to, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return existing != null;
  }

  private Node checkMoveOrCopy(String from, String to, Consumer<Entry> precondition) {
    if (from.isEmpty() || to.isEmpty()) throw DavError.forbidden("The root cannot be moved or replaced");
    Node source = reconcile(from);
    if (source == null) throw DavError.notFound("File with name " + from + " could not be located");
    precondition.accept(snapshot(source, from));
    if (from.equals(to)) throw DavError.forbidden("Source and destination uri are identical.");
    if (to.startsWith(from + "/")) {
      throw DavError.conflict("The destination may not be part of the same subtree as the source path.");
    }
    Node destParent = reconcile(parentOf(to));
    if (destParent == null) throw DavError.conflict("The destination node is not found");
    if (!destParent.dir) throw DavError.of(415, "Sabre\\DAV\\Exception\\UnsupportedMediaType", "The destination node is not a collection");
    return source;
  }

  private Node copyTree(Node source, Path from, Path to, String name) throws IOException {
    Node copy = new Node(name, source.dir, nextFileId++, newEtag());
    copy.uploadTime = nowSeconds();
    if (source.dir) {
      Files.createDirectory(to);
      Files.setLastModifiedTime(to, Files.getLastModifiedTime(from));
      for (Node child : source.children.values()) {
        Node c = copyTree(child, from.resolve(child.name), to.resolve(child.name), child.name);
        c.parent = copy;
        copy.children.put(c.name, c);
        copy.size += c.size;
      }
    } else {
      Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
      copy.size = source.size;
      copy.mtimeMillis = mtimeMillis(to);
      copy.checksum = source.checksum;
    }
    return copy;
  }

  // ---- files_lock --------------------------------------------------------------------------------------------------

  /** LOCK: locks the file for {@code owner}; 423 when someone else holds a lock. Returns the entry. */
  synchronized Entry lock(String path, String owner, String ownerDisplayName, int type) {
    Node node = reconcile(path);
    if (node == null) throw DavError.notFound("File not found: " + path);
    if (node.lock != null && !node.lock.owner().equals(owner)) throw DavError.locked("File is locked by " + node.lock.owner());
    if (node.lock == null) {
      node.lock = new Lock(owner, ownerDisplayName, type, nowSeconds(), 0, "files_lock/" + randomAlnum(24));
      node.etag = newEtag();
      bumpAncestors(node, 0);
    }
    return snapshot(node, path);
  }

  /** UNLOCK: 412 when not locked, 423 when someone else's lock. */
  synchronized Entry unlock(String path, String owner) {
    Node node = reconcile(path);
    if (node == null) throw DavError.notFound("File not found: " + path);
    if (node.lock == null) throw DavError.preconditionFailed("File is not locked");
    if (!node.lock.owner().equals(owner)) throw DavError.locked("File is locked by " + node.lock.owner());
    node.lock = null;
    node.etag = newEtag();
    bumpAncestors(node, 0);
    return snapshot(node, path);
  }

  private void checkLock(Node node) {
    if (node != null && node.lock != null && !node.lock.owner().equals(userId)) {
      throw DavError.locked("\"" + node.name + "\" is locked by " + node.lock.owner());
    }
  }

  private void checkLockTree(Node node) {
    checkLock(node);
    if (node.dir) for (Node child : node.children.values()) checkLockTree(child);
  }

  // ---- Versions ----------------------------------------------------------------------------------------------------

  /** Old versions of a file, oldest first; null when the fileid is unknown. */
  synchronized List<Version> versions(long fileId) {
    if (pathOfFileId(fileId) == null && !isTrashed(fileId)) return null;
    return List.copyOf(versions.getOrDefault(fileId, new TreeMap<>()).values());
  }

  synchronized Path versionFile(long fileId, long timestamp) {
    TreeMap<Long, Version> list = versions.get(fileId);
    if (list == null || !list.containsKey(timestamp)) return null;
    return versionsDir.resolve(Long.toString(fileId)).resolve(Long.toString(timestamp));
  }

  /**
   * Makes a version the current content again (as Nextcloud's rollback does): the current content becomes a version,
   * the restored version leaves the list, the file gets the version's mtime and a new ETag, its fileid stays.
   */
  synchronized Entry restoreVersion(long fileId, long timestamp) {
    String path = pathOfFileId(fileId);
    if (path == null) throw DavError.notFound("File not found: " + fileId);
    Path versionFile = versionFile(fileId, timestamp);
    if (versionFile == null) throw DavError.notFound("Version " + timestamp + " not found");
    Node node = reconcile(path);
    checkLock(node);
    Version version = versions.get(fileId).remove(timestamp);
    try {
      Path target = diskPath(path);
      Path staged = stagingDir.resolve("restore-" + randomAlnum(12));
      move(versionFile, staged);
      Path kept = keepVersion(node, target);
      try {
        move(staged, target);
      } catch (IOException | RuntimeException | Error e) {
        if (kept != null) move(kept, target);
        move(staged, versionFile);
        versions.get(fileId).put(timestamp, version);
        throw e;
      }
      Files.setLastModifiedTime(target, FileTime.fromMillis(version.mtimeMillis()));
      long oldSize = node.size;
      node.size = version.size();
      node.mtimeMillis = mtimeMillis(target);
      node.etag = newEtag();
      node.checksum = null;
      bumpAncestors(node, node.size - oldSize);
      record("file_changed", "restored_version", node, path, null);
      return snapshot(node, path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes one version (capability version_deletion). */
  synchronized void deleteVersion(long fileId, long timestamp) {
    Path file = versionFile(fileId, timestamp);
    if (file == null) throw DavError.notFound("Version " + timestamp + " not found");
    versions.get(fileId).remove(timestamp);
    deleteRecursively(file);
  }

  /** Labels one version (capability version_labeling); an empty label removes it. */
  synchronized void labelVersion(long fileId, long timestamp, String label) {
    TreeMap<Long, Version> list = versions.get(fileId);
    Version v = list == null ? null : list.get(timestamp);
    if (v == null) throw DavError.notFound("Version " + timestamp + " not found");
    list.put(timestamp, new Version(v.timestamp(), v.size(), v.mtimeMillis(), v.etag(), label == null ? "" : label, v.author()));
  }

  private void forgetVersions(Node node) {
    versions.remove(node.fileId);
    deleteRecursively(versionsDir.resolve(Long.toString(node.fileId)));
    if (node.dir) for (Node child : node.children.values()) forgetVersions(child);
  }

  private boolean isTrashed(long fileId) {
    for (TrashItem item : trash.values()) if (findById(item.node(), fileId) != null) return true;
    return false;
  }

  // ---- Trashbin ----------------------------------------------------------------------------------------------------

  synchronized List<TrashItem> trashItems() {
    return List.copyOf(trash.values());
  }

  synchronized TrashItem trashItem(String trashName) {
    return trash.get(trashName);
  }

  /** Entries inside a trashed folder ({@code inner} relative to the item), for PROPFIND; null when missing. */
  synchronized List<Entry> trashList(String trashName, String inner, int depth) {
    TrashItem item = trash.get(trashName);
    if (item == null) return null;
    Node node = item.node();
    if (!inner.isEmpty()) {
      for (String segment : inner.split("/")) {
        node = node.dir ? node.children.get(segment) : null;
        if (node == null) return null;
      }
    }
    List<Entry> out = new ArrayList<>();
    collectDetached(node, inner, trashDir.resolve(trashName).resolve(inner.isEmpty() ? "." : inner), depth, out);
    return out;
  }

  private void collectDetached(Node node, String path, Path disk, int depth, List<Entry> out) {
    out.add(new Entry(path, node.name, node.dir, node.size, mtimeOrZero(disk), node.etag, node.fileId, node.checksum,
        node.uploadTime, node.creationTime, node.lock));
    if (node.dir && depth != 0) {
      for (Node child : node.children.values()) {
        collectDetached(child, join(path, child.name), disk.resolve(child.name), depth < 0 ? -1 : depth - 1, out);
      }
    }
  }

  synchronized Path trashDiskPath(String trashName, String inner) {
    return inner.isEmpty() ? trashDir.resolve(trashName) : trashDir.resolve(trashName).resolve(inner);
  }

  /**
   * Restores an item to its original location (to the root when the original folder is gone), renamed
   * "name (restored).ext" when the name is taken. Returns the path it landed at.
   */
  synchronized String restoreTrash(String trashName) {
    TrashItem item = trash.get(trashName);
    if (item == null) throw DavError.notFound("Trash item not found: " + trashName);
    checkQuota(item.node().size);
    String parentPath = parentOf(item.originalLocation());
    Node parent = reconcile(parentPath);
    if (parent == null || !parent.dir) {
      parentPath = "";
      parent = root;
    }
    String name = item.name();
    for (int n = 1; reconcile(join(parentPath, name)) != null; n++) name = restoredName(item.name(), n);
    String target = join(parentPath, name);
    try {
      move(trashDir.resolve(trashName), diskPath(target));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    trash.remove(trashName);
    Node node = item.node();
    node.name = name;
    attach(parent, node);
    bumpAncestors(node, node.size);
    record("file_restored", "restored_self", node, target, null);
    return target;
  }

  private static String restoredName(String name, int n) {
    int dot = name.lastIndexOf('.');
    String base = dot > 0 ? name.substring(0, dot) : name;
    String ext = dot > 0 ? name.substring(dot) : "";
    return base + (n == 1 ? " (restored)" : " (restored " + n + ")") + ext;
  }

  synchronized void purgeTrash(String trashName) {
    TrashItem item = trash.remove(trashName);
    if (item == null) throw DavError.notFound("Trash item not found: " + trashName);
    deleteRecursively(trashDir.resolve(trashName));
    forgetVersions(item.node());
  }

  synchronized void emptyTrash() {
    for (String name : List.copyOf(trash.keySet())) purgeTrash(name);
  }

  // ---- Activity ----------------------------------------------------------------------------------------------------

  private boolean activityEnabled = true;

  synchronized void activityEnabled(boolean on) {
    activityEnabled = on;
  }

  /** An activity naming any path, true or not (a hostile or broken server's stream). */
  synchronized void recordRaw(String type, String subject, long fileId, String path) {
    activities.add(new Activity(nextActivityId++, System.currentTimeMillis(), type, subject, fileId, path, null));
  }

  /** Told of every change to the user's files (notify_push), whether or not the activity stream records it. */
  private volatile Runnable onChange = () -> {};

  void onChange(Runnable listener) {
    onChange = listener;
  }

  private void record(String type, String subject, Node node, String path, String oldPath) {
    onChange.run();
    if (!activityEnabled) return;
    activities.add(new Activity(nextActivityId++, System.currentTimeMillis(), type, subject, node.fileId, path, oldPath));
  }

  /** Activities after ({@code asc}) or before ({@code desc}) {@code since}; 0 = from the start / the newest. */
  synchronized List<Activity> activities(long since, int limit, boolean ascending) {
    List<Activity> out = new ArrayList<>();
    if (ascending) {
      for (Activity a : activities) {
        if (a.id() > since) out.add(a);
        if (out.size() >= limit) break;
      }
    } else {
      for (int i = activities.size() - 1; i >= 0 && out.size() < limit; i--) {
        Activity a = activities.get(i);
        if (since <= 0 || a.id() < since) out.add(a);
      }
    }
    return out;
  }

  synchronized boolean knowsActivity(long id) {
    return activities.stream().anyMatch(a -> a.id() == id);
  }

  synchronized long firstActivityId() {
    return activities.isEmpty() ? 0 : activities.get(0).id();
  }

  synchronized long lastActivityId() {
    return activities.isEmpty() ? 0 : activities.get(activities.size() - 1).id();
  }

  // ---- Tree plumbing -----------------------------------------------------------------------------------------------

  /** The index's node at a path, without looking at the disk. */
  private Node lookup(String path) {
    if (path.isEmpty()) return root;
    Node node = root;
    for (String segment : path.split("/")) {
      if (!node.dir) return null;
      node = node.children.get(segment);
      if (node == null) return null;
    }
    return node;
  }

  /** The node at a path after comparing the index with the disk; null when it does not exist. */
  private Node reconcile(String path) {
    if (path.isEmpty()) return root;
    BasicFileAttributes disk = attributes(diskPath(path));
    Node node = lookup(path);
    if (disk == null || !(disk.isDirectory() || disk.isRegularFile())) {
      if (node != null) forget(node);
      return null;
    }
    if (node != null && node.dir == disk.isDirectory()) {
      if (!node.dir && (node.size != disk.size() || node.mtimeMillis != disk.lastModifiedTime().toMillis())) {
        long delta = disk.size() - node.size;
        node.size = disk.size();
        node.mtimeMillis = disk.lastModifiedTime().toMillis();
        node.etag = newEtag();
        node.checksum = null;
        bumpAncestors(node, delta);
      }
      return node;
    }
    if (node != null) forget(node);
    Node parent = reconcile(parentOf(path));
    if (parent == null || !parent.dir) return null;
    Node adopted = adopt(lastSegment(path), diskPath(path), disk);
    attach(parent, adopted);
    bumpAncestors(adopted, adopted.size);
    return adopted;
  }

  /** Brings a folder's children in line with the disk. */
  private void refreshChildren(Node folder, String path) {
    Set<String> names = new HashSet<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(diskPath(path))) {
      for (Path child : stream) names.add(child.getFileName().toString());
    } catch (NoSuchFileException gone) {
      // the folder vanished: its children go with it below
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Node child : List.copyOf(folder.children.values())) {
      if (!names.contains(child.name)) forget(child);
    }
    for (String name : names) reconcile(join(path, name));
  }

  /** A node that vanished from the disk behind our back. */
  private void forget(Node node) {
    Node parent = node.parent;
    detach(node);
    if (parent != null) bumpFrom(parent, -node.size);
  }

  private Node adopt(String name, Path disk, BasicFileAttributes attrs) {
    Node node = new Node(name, attrs.isDirectory(), nextFileId++, newEtag());
    if (node.dir) {
      try (DirectoryStream<Path> stream = Files.newDirectoryStream(disk)) {
        for (Path child : stream) {
          BasicFileAttributes a = attributes(child);
          if (a == null || !(a.isDirectory() || a.isRegularFile())) continue;
          Node c = adopt(child.getFileName().toString(), child, a);
          c.parent = node;
          node.children.put(c.name, c);
          node.size += c.size;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    } else {
      node.size = attrs.size();
      node.mtimeMillis = attrs.lastModifiedTime().toMillis();
    }
    return node;
  }

  /** Compares the whole index with the disk (start-up, after loading a persisted index). */
  private void rescan() {
    rescan(root, "");
  }

  /**
   * {@code occ files:scan --path}: brings the index below {@code path} in line with the disk, as Nextcloud does for
   * files written behind its back. ETags change up to the root; no activity is recorded (the scanner writes none).
   */
  synchronized void scan(String path) {
    Node node = reconcile(path);
    if (node != null && node.dir) rescan(node, path);
  }

  private void rescan(Node folder, String path) {
    refreshChildren(folder, path);
    for (Node child : List.copyOf(folder.children.values())) {
      if (child.dir) rescan(child, join(path, child.name));
    }
  }

  private void attach(Node parent, Node child) {
    child.parent = parent;
    parent.children.put(child.name, child);
  }

  private void detach(Node node) {
    if (node.parent != null) node.parent.children.remove(node.name);
    node.parent = null;
  }

  /** A change at {@code node}: every ancestor gets a new ETag and the size delta. */
  private void bumpAncestors(Node node, long sizeDelta) {
    bumpFrom(node.parent, sizeDelta);
  }

  private void bumpFrom(Node firstAncestor, long sizeDelta) {
    for (Node n = firstAncestor; n != null; n = n.parent) {
      n.etag = newEtag();
      n.size += sizeDelta;
    }
  }

  private String pathOf(Node node) {
    List<String> names = new ArrayList<>();
    for (Node n = node; n != null && n.parent != null; n = n.parent) names.add(0, n.name);
    if (node != root && (names.isEmpty() || rootOf(node) != root)) return null;
    return String.join("/", names);
  }

  private static Node rootOf(Node node) {
    Node n = node;
    while (n.parent != null) n = n.parent;
    return n;
  }

  private Entry snapshot(Node node, String path) {
    long mtime = node.dir ? mtimeOrZero(diskPath(path)) : node.mtimeMillis;
    return new Entry(path, node.name, node.dir, node.size, mtime, node.etag, node.fileId, node.checksum,
        node.uploadTime, node.creationTime, node.lock);
  }

  private void checkQuota(long additionalBytes) {
    long q = quota.getAsLong();
    if (q >= 0 && additionalBytes > 0 && root.size + additionalBytes > q) {
      throw DavError.insufficientStorage("Insufficient space in " + userId + "'s storage, " + additionalBytes
          + " required, " + Math.max(0, q - root.size) + " available");
    }
  }

  /** The quota check for a body not written yet (Content-Length / OC-Total-Length). */
  synchronized void requireSpace(long bytes) {
    checkQuota(bytes);
  }

  String newEtag() {
    return String.format("%013x", ++etagCounter);
  }

  /** Nextcloud's oc:id / OC-FileId: the fileid zero-padded to 8 digits, then the instance id. */
  String ocId(long fileId) {
    return String.format("%08d", fileId) + instanceId;
  }

  // ---- Persistence -------------------------------------------------------------------------------------------------

  /** Writes the index to {@code <data>/.ncindex} so a restart keeps fileids, ETags, versions, trash and activities. */
  synchronized void save() {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode doc = mapper.createObjectNode();
    doc.put("instanceId", instanceId);
    doc.put("nextFileId", nextFileId);
    doc.put("etagCounter", etagCounter);
    doc.put("nextActivityId", nextActivityId);
    doc.put("dataFingerprint", dataFingerprint);
    doc.set("root", toJson(mapper, root));
    ArrayNode trashJson = doc.putArray("trash");
    for (TrashItem item : trash.values()) {
      ObjectNode t = trashJson.addObject();
      t.put("trashName", item.trashName());
      t.put("name", item.name());
      t.put("originalLocation", item.originalLocation());
      t.put("deletionTime", item.deletionTime());
      t.put("deletedBy", item.deletedBy());
      t.set("node", toJson(mapper, item.node()));
    }
    ObjectNode versionsJson = doc.putObject("versions");
    versions.forEach((id, list) -> {
      ArrayNode array = versionsJson.putArray(Long.toString(id));
      for (Version v : list.values()) {
        array.addObject().put("timestamp", v.timestamp()).put("size", v.size()).put("mtime", v.mtimeMillis())
            .put("etag", v.etag()).put("label", v.label()).put("author", v.author());
      }
    });
    ArrayNode activityJson = doc.putArray("activities");
    for (Activity a : activities) {
      activityJson.addObject().put("id", a.id()).put("time", a.time()).put("type", a.type()).put("subject", a.subject())
          .put("fileId", a.fileId()).put("path", a.path()).put("oldPath", a.oldPath());
    }
    try {
      Path temp = indexFile.resolveSibling(".ncindex.tmp");
      mapper.writeValue(temp.toFile(), doc);
      move(temp, indexFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ObjectNode toJson(ObjectMapper mapper, Node node) {
    ObjectNode json = mapper.createObjectNode();
    json.put("name", node.name).put("dir", node.dir).put("id", node.fileId).put("etag", node.etag)
        .put("size", node.size).put("mtime", node.mtimeMillis).put("checksum", node.checksum)
        .put("upload", node.uploadTime).put("creation", node.creationTime);
    if (node.dir) {
      ArrayNode children = json.putArray("children");
      for (Node child : node.children.values()) children.add(toJson(mapper, child));
    }
    return json;
  }

  /** Loads a persisted index; returns its instance id, or null when there is none. */
  private String load() throws IOException {
    if (!Files.exists(indexFile)) return null;
    JsonNode doc = new ObjectMapper().readTree(indexFile.toFile());
    nextFileId = doc.path("nextFileId").asLong(10);
    etagCounter = Math.max(etagCounter, doc.path("etagCounter").asLong(0));
    nextActivityId = doc.path("nextActivityId").asLong(1);
    dataFingerprint = doc.path("dataFingerprint").asText("");
    root = fromJson(doc.get("root"));
    for (JsonNode t : doc.path("trash")) {
      TrashItem item = new TrashItem(t.get("trashName").asText(), t.get("name").asText(),
          t.get("originalLocation").asText(), t.get("deletionTime").asLong(), t.get("deletedBy").asText(),
          fromJson(t.get("node")));
      if (Files.exists(trashDir.resolve(item.trashName()))) trash.put(item.trashName(), item);
    }
    doc.path("versions").fields().forEachRemaining(entry -> {
      TreeMap<Long, Version> list = new TreeMap<>();
      for (JsonNode v : entry.getValue()) {
        list.put(v.get("timestamp").asLong(), new Version(v.get("timestamp").asLong(), v.get("size").asLong(),
            v.get("mtime").asLong(), v.get("etag").asText(), v.get("label").asText(""), v.get("author").asText("")));
      }
      versions.put(Long.parseLong(entry.getKey()), list);
    });
    for (JsonNode a : doc.path("activities")) {
      activities.add(new Activity(a.get("id").asLong(), a.get("time").asLong(), a.get("type").asText(),
          a.get("subject").asText(), a.get("fileId").asLong(), a.get("path").asText(),
          a.get("oldPath").isNull() ? null : a.get("oldPath").asText()));
    }
    return doc.path("instanceId").asText(null);
  }

  private Node fromJson(JsonNode json) {
    Node node = new Node(json.get("name").asText(), json.get("dir").asBoolean(), json.get("id").asLong(),
        json.get("etag").asText());
    node.size = json.get("size").asLong();
    node.mtimeMillis = json.get("mtime").asLong();
    node.checksum = json.get("checksum").isNull() ? null : json.get("checksum").asText();
    node.uploadTime = json.get("upload").asLong();
    node.creationTime = json.get("creation").asLong();
    if (node.dir) {
      for (JsonNode c : json.path("children")) {
        Node child = fromJson(c);
        child.parent = node;
        node.children.put(child.name, child);
      }
    }
    return node;
  }

  // ---- Helpers -----------------------------------------------------------------------------------------------------

  static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  static String lastSegment(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  static String join(String folder, String name) {
    return folder.isEmpty() ? name : folder + "/" + name;
  }

  static long nowSeconds() {
    return System.currentTimeMillis() / 1000;
  }

  private static BasicFileAttributes attributes(Path path) {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return null;
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long mtimeMillis(Path file) throws IOException {
    return Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toMillis();
  }

  private static long mtimeOrZero(Path file) {
    BasicFileAttributes a = attributes(file);
    return a == null ? 0 : a.lastModifiedTime().toMillis();
  }

  static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  static void deleteRecursively(Path path) {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) return;
    try (Stream<Path> files = Files.walk(path)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String randomAlnum(int length) {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) out.append(alphabet.charAt(random.nextInt(alphabet.length())));
    return out.toString();
  }

  /** For OCS cloud/user. */
  Map<String, Object> quotaJson() {
    long used = usedBytes();
    long q = quota.getAsLong();
    Map<String, Object> out = new LinkedHashMap<>();
    if (q < 0) {
      long free = filesDir.toFile().getUsableSpace();
      out.put("free", free);
      out.put("used", used);
      out.put("total", free + used);
      out.put("relative", 0);
      out.put("quota", -3);
    } else {
      out.put("free", Math.max(0, q - used));
      out.put("used", used);
      out.put("total", q);
      out.put("relative", q == 0 ? 100 : Math.round(used * 10000.0 / q) / 100.0);
      out.put("quota", q);
    }
    return out;
  }
}
