package io.ncsync.persistence.sync;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.ncsync.protocol.RemotePaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine's {@link Workspace} held in memory: a map of entries, and transfers staged on an in-memory file system
 * (Jimfs) because the protocol's {@link io.ncsync.protocol.RemoteStore} reads and writes {@link Path}s. No disk. Every
 * write stamps a new mtime from a logical clock, so "changed" never depends on the wall clock's resolution.
 */
public final class InMemoryWorkspace implements Workspace {
  /** {@code id} is the entry's identity, as an inode: a rename keeps it, a download replacing the file gets a new one. */
  private record Node(boolean folder, byte[] content, long mtime, long id) {}

  private final TreeMap<String, Node> nodes = new TreeMap<>();
  /** Trashed files: where kept → content. */
  private final Map<String, byte[]> trash = new LinkedHashMap<>();
  private final FileSystem staging = Jimfs.newFileSystem(Configuration.unix());
  private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
  private final AtomicLong ids = new AtomicLong();
  /** False: the scan reports no file identities, as on file systems without inodes (moves are then found by content). */
  public volatile boolean fileKeys = true;
  /** Files the scan hashed (reset by each scan): what finding moves by content cost. */
  private final java.util.Set<String> hashedByScan = new java.util.TreeSet<>();
  private boolean created;
  /** What {@link #caseInsensitive()} answers: tests decide what file system this workspace stands for. */
  public volatile boolean caseInsensitive;

  // --- what tests do -------------------------------------------------------------------------------------------------

  /** Writes (or overwrites) a file as a user would, folders on the way included, with a new mtime. */
  public synchronized void write(String path, String content) {
    makeParents(path);
    Node existing = nodes.get(path);
    long id = existing != null && !existing.folder ? existing.id : ids.incrementAndGet(); // written in place
    nodes.put(path, new Node(false, content.getBytes(StandardCharsets.UTF_8), clock.addAndGet(1000), id));
  }

  /** Writes a file with the given mtime (e.g. later than the server's clock, to be the newest side). */
  public synchronized void writeAt(String path, String content, long mtimeMillis) {
    makeParents(path);
    Node existing = nodes.get(path);
    long id = existing != null && !existing.folder ? existing.id : ids.incrementAndGet();
    nodes.put(path, new Node(false, content.getBytes(StandardCharsets.UTF_8), mtimeMillis, id));
  }

  /** Changes the file's mtime only. */
  public synchronized void touch(String path) {
    Node node = nodes.get(path);
    nodes.put(path, new Node(false, node.content, clock.addAndGet(1000), node.id));
  }

  public synchronized void mkdir(String path) {
    makeParents(path + "/x");
  }

  /** Deletes a file, or a folder with everything below it. */
  public synchronized void delete(String path) {
    nodes.keySet().removeIf(p -> p.equals(path) || p.startsWith(path + "/"));
  }

  /** Renames a file or folder (with everything below it) as a user would. */
  public synchronized void rename(String from, String to) {
    makeParents(to);
    Map<String, Node> moved = new TreeMap<>();
    for (var e : nodes.entrySet()) {
      if (e.getKey().equals(from)) moved.put(to, e.getValue());
      else if (e.getKey().startsWith(from + "/")) moved.put(to + e.getKey().substring(from.length()), e.getValue());
    }
    delete(from);
    nodes.putAll(moved);
  }

  public synchronized String read(String path) {
    Node node = nodes.get(path);
    return node == null || node.folder ? null : new String(node.content, StandardCharsets.UTF_8);
  }

  /** Every file with its content, by path. */
  public synchronized Map<String, String> files() {
    Map<String, String> files = new TreeMap<>();
    nodes.forEach((path, node) -> {
      if (!node.folder) files.put(path, new String(node.content, StandardCharsets.UTF_8));
    });
    return files;
  }

  public synchronized java.util.Set<String> folders() {
    java.util.Set<String> folders = new java.util.TreeSet<>();
    nodes.forEach((path, node) -> {
      if (node.folder) folders.add(path);
    });
    return folders;
  }

  /** Trashed files' contents, in the order they went. */
  public synchronized java.util.List<String> trashed() {
    return trash.values().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  /** Files left in the staging area (a transfer that was not cleaned up). */
  public long stagedFiles() throws IOException {
    try (var files = Files.list(staging.getPath("/"))) {
      return files.count();
    }
  }

  private void makeParents(String path) {
    for (String p = RemotePaths.parent(path); !p.isEmpty(); p = RemotePaths.parent(p)) {
      if (!nodes.containsKey(p)) nodes.put(p, new Node(true, null, 0, ids.incrementAndGet()));
    }
  }

  // --- the port ------------------------------------------------------------------------------------------------------

  @Override
  public synchronized void create() {
    created = true;
  }

  @Override
  public void prepareRun() throws IOException {
    try (var files = Files.list(staging.getPath("/"))) {
      for (Path file : files.toList()) Files.delete(file);
    }
  }

  @Override
  public synchronized Scan scan(Map<String, BaseEntry> base) throws IOException {
    if (!created) throw new IOException("the workspace folder does not exist");
    Map<String, LocalEntry> entries = new TreeMap<>();
    Map<String, String> skipped = new TreeMap<>();
    for (var e : nodes.entrySet()) {
      String path = e.getKey();
      if (under(path, skipped)) continue;
      String name = RemotePaths.name(path);
      String unsafe = RemotePaths.unsafeReason(name);
      if (unsafe != null) {
        skipped.put(RemotePaths.excludedKey(RemotePaths.parent(path), name),
            "the local name " + RemotePaths.printable(name) + " cannot be synced: " + unsafe);
        continue;
      }
      Node node = e.getValue();
      if (node.folder) {
        entries.put(path, LocalEntry.folder(path, key(node)));
        continue;
      }
      BaseEntry b = base.get(path);
      boolean sameSizeOtherMtime = b != null && !b.folder() && b.size() == node.content.length && b.mtimeMillis() != node.mtime;
      entries.put(path, new LocalEntry(path, false, node.content.length, node.mtime, sameSizeOtherMtime ? sha256(node.content) : null, key(node)));
    }
    hashedByScan.clear();
    for (String path : MoveDetector.filesToHash(base, entries)) {
      entries.put(path, entries.get(path).withSha256(sha256(nodes.get(path).content)));
      hashedByScan.add(path);
    }
    return new Scan(entries, skipped);
  }

  @Override
  public boolean caseInsensitive() {
    return caseInsensitive;
  }

  @Override
  public synchronized LocalEntry stat(String path) {
    Node node = nodes.get(path);
    return node == null || node.folder ? null : new LocalEntry(path, false, node.content.length, node.mtime, null, key(node));
  }

  @Override
  public synchronized String fileKey(String path) {
    Node node = nodes.get(path);
    return node == null ? null : key(node);
  }

  private String key(Node node) {
    return fileKeys ? "mem:" + node.id : null;
  }

  /** The new files the last scan hashed to find moves by content. */
  public synchronized java.util.Set<String> hashedByLastScan() {
    return new java.util.TreeSet<>(hashedByScan);
  }

  @Override
  public synchronized boolean exists(String path) {
    return nodes.containsKey(path);
  }

  @Override
  public synchronized String sha256(String path) throws IOException {
    Node node = nodes.get(path);
    if (node == null || node.folder) throw new NoSuchFileException(path);
    return sha256(node.content);
  }

  @Override
  public synchronized Staged stageForUpload(String path) throws IOException {
    Node node = nodes.get(path);
    if (node == null || node.folder) throw new NoSuchFileException(path);
    Path staged = staging.getPath("/upload-" + UUID.randomUUID());
    Files.write(staged, node.content);
    return new StagedFile(staged);
  }

  @Override
  public Staged newDownload() throws IOException {
    return new StagedFile(Files.createFile(staging.getPath("/download-" + UUID.randomUUID())));
  }

  @Override
  public synchronized void commit(Staged download, String path, long mtimeMillis) throws IOException {
    Node existing = nodes.get(path);
    if (existing != null && existing.folder) throw new IOException("a folder is in the way of " + path);
    byte[] content = Files.readAllBytes(download.path());
    Files.delete(download.path());
    makeParents(path);
    nodes.put(path, new Node(false, content, mtimeMillis > 0 ? mtimeMillis : clock.addAndGet(1000), ids.incrementAndGet()));
  }

  @Override
  public void renameNoReplace(String from, String to) throws IOException {
    synchronized (this) {
      if (nodes.containsKey(to)) throw new FileAlreadyExistsException(to);
      if (!nodes.containsKey(from)) throw new NoSuchFileException(from);
      rename(from, to);
    }
    afterRename.accept(to); // outside the lock: a test may hold the engine here
  }

  /** Told after the engine renamed something (a conflict copy): tests hold it there to cut a run short. */
  public volatile java.util.function.Consumer<String> afterRename = to -> {};

  @Override
  public synchronized void createFolder(String path) throws IOException {
    Node existing = nodes.get(path);
    if (existing != null && !existing.folder) throw new FileAlreadyExistsException(path);
    if (existing != null) return;
    makeParents(path);
    nodes.put(path, new Node(true, null, 0, ids.incrementAndGet()));
  }

  @Override
  public synchronized boolean deleteEmptyFolder(String path) {
    Node node = nodes.get(path);
    if (node == null) return true;
    if (!node.folder || nodes.ceilingKey(path + "/") != null && nodes.ceilingKey(path + "/").startsWith(path + "/")) return false;
    nodes.remove(path);
    return true;
  }

  @Override
  public synchronized String moveToTrash(String path, String runId) throws IOException {
    Node node = nodes.get(path);
    if (node == null || node.folder) throw new NoSuchFileException(path);
    String kept = runId + "/" + path + (trash.containsKey(runId + "/" + path) ? "." + UUID.randomUUID() : "");
    trash.put(kept, node.content);
    nodes.remove(path);
    return kept;
  }

  /** Below a skipped folder: the disk scan does not descend into it either. */
  private static boolean under(String path, Map<String, String> skipped) {
    for (String p = RemotePaths.parent(path); !p.isEmpty(); p = RemotePaths.parent(p)) {
      if (skipped.containsKey(RemotePaths.excludedKey(RemotePaths.parent(p), RemotePaths.name(p)))) return true;
    }
    return false;
  }

  @Override
  public synchronized String moveToArchive(String path, String archiveFolder) throws IOException {
    Node node = nodes.get(path);
    if (node == null || node.folder) throw new NoSuchFileException(path);
    String kept = RestoredNames.free("archive/" + archiveFolder + "/" + path, trash::containsKey);
    trash.put(kept, node.content);
    nodes.remove(path);
    return kept;
  }

  @Override
  public synchronized void deleteFile(String path) throws IOException {
    Node node = nodes.get(path);
    if (node == null || node.folder) throw new NoSuchFileException(path);
    nodes.remove(path);
  }

  @Override
  public synchronized String restoreFromTrash(String kept, String path) throws IOException {
    byte[] content = trash.get(kept);
    if (content == null) throw new NoSuchFileException(kept);
    String target = RestoredNames.free(path, nodes::containsKey);
    makeParents(target);
    nodes.put(target, new Node(false, content, clock.addAndGet(1000), ids.incrementAndGet()));
    trash.remove(kept);
    return target;
  }

  @Override
  public synchronized void purgeTrash(String kept) {
    trash.remove(kept);
  }

  /** What the trash and the archive keep, by where: archived files under {@code archive/<folder>/}. */
  public synchronized Map<String, String> kept() {
    Map<String, String> kept = new TreeMap<>();
    trash.forEach((where, content) -> kept.put(where, new String(content, StandardCharsets.UTF_8)));
    return kept;
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private record StagedFile(Path path) implements Staged {
    @Override
    public String sha256() throws IOException {
      return InMemoryWorkspace.sha256(Files.readAllBytes(path));
    }

    @Override
    public void close() {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
