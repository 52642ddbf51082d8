package io.ncsync.daemon.sync;

import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.LocalEntry;
import io.ncsync.persistence.sync.Workspace;
import io.ncsync.protocol.RemotePaths;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A library's workspace on disk. Every path handed in is library-relative. Every read and write walks from the
 * workspaces root down to its target one folder at a time without following links ({@link ConfinedDir}), at the moment
 * of use: a folder, or the library folder itself, swapped for a link after the scan is refused, not followed, in either
 * direction. Nothing is written outside the workspace except into the library's trash.
 *
 * <p>Files in the making live in the daemon's {@link StagingFolder}: downloads land there and are renamed into place
 * when complete, so a crash never leaves a partial file under a real name, and the scan never deletes anything.
 */
public final class DiskWorkspace implements Workspace {
  private final Path root;
  private final Path workspacesRoot;
  /** The library folder below the workspaces root, one name per level. */
  private final List<String> rootSegments;
  private final StagingFolder staging;
  private final Path trashRoot;
  /** The tenant's archive folder (policy archive keeps files in folders below it), or null. */
  private final Path archiveRoot;
  /** Staged upload paths → the workspace files they stand for, to name the latter in the uploader's messages. */
  private final Map<String, String> stagedUploads = new java.util.concurrent.ConcurrentHashMap<>();
  /** False: uploads always read a copy, as where the file system refuses hard links (tests take that path so). */
  boolean hardLinks = true;
  /** Whether each staging folder's file system tells names apart by case, probed once (library folders share it). */
  private static final Map<Path, Boolean> CASE_INSENSITIVE = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param workspacesRoot the configured workspaces root (the daemon trusts its path as configured)
   * @param libraryRoot    the library's folder, below the workspaces root
   */
  public DiskWorkspace(Path workspacesRoot, Path libraryRoot, String tenantId, String libraryId) throws IOException {
    this(workspacesRoot, libraryRoot, tenantId, libraryId, null);
  }

  /** @param trashRoot the library's trash folder, outside every workspace (a run's trash is a folder in it) */
  public DiskWorkspace(Path workspacesRoot, Path libraryRoot, String tenantId, String libraryId, Path trashRoot)
      throws IOException {
    this(workspacesRoot, libraryRoot, tenantId, libraryId, trashRoot, null);
  }

  /** @param archiveRoot the tenant's archive folder, outside every workspace; the operator's archive folders lie below */
  public DiskWorkspace(Path workspacesRoot, Path libraryRoot, String tenantId, String libraryId, Path trashRoot,
      Path archiveRoot) throws IOException {
    this.archiveRoot = archiveRoot == null ? null : archiveRoot.toAbsolutePath().normalize();
    this.trashRoot = trashRoot == null ? null : trashRoot.toAbsolutePath().normalize();
    this.workspacesRoot = workspacesRoot.toRealPath();
    this.root = libraryRoot.toAbsolutePath().normalize();
    if (!root.startsWith(this.workspacesRoot) || root.equals(this.workspacesRoot)) {
      throw new IOException("the library folder " + root + " is not inside the workspaces root " + this.workspacesRoot
          + "; recreate the library with a localPath below it");
    }
    List<String> segments = new ArrayList<>();
    for (Path name : this.workspacesRoot.relativize(root)) segments.add(name.toString());
    if (segments.get(0).equals(StagingFolder.NAME)) {
      throw new IOException("the library folder " + root + " lies in the daemon's staging folder; recreate the library elsewhere");
    }
    this.rootSegments = List.copyOf(segments);
    this.staging = new StagingFolder(this.workspacesRoot, tenantId, libraryId);
  }

  public Path root() {
    return root;
  }

  /** Creates the staging folder or empties what a crashed run left there; once per run, before any transfer. */
  @Override
  public void prepareRun() throws IOException {
    staging.prepare();
    if (Files.isDirectory(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) staging.requireSameFileSystemAs(root);
  }

  /** Creates the library folder where missing, each folder on the way made without following a link. */
  @Override
  public void create() throws IOException {
    staging.prepare();
    ConfinedDir dir = ConfinedDir.openTrusted(workspacesRoot);
    try {
      for (String segment : rootSegments) dir = descend(dir, segment, true);
    } finally {
      dir.close();
    }
    staging.requireSameFileSystemAs(root);
  }

  // --- walking -----------------------------------------------------------------------------------------------------

  private static List<String> segmentsOf(String relative) {
    RemotePaths.requireSafePath(relative);
    return relative.isEmpty() ? List.of() : List.of(relative.split("/"));
  }

  private static String nameOf(String relative) {
    List<String> segments = segmentsOf(relative);
    if (segments.isEmpty()) throw new IllegalArgumentException("the library folder itself is not a file");
    return segments.get(segments.size() - 1);
  }

  /** The library folder, reached from the workspaces root without following a link. */
  private ConfinedDir openRoot() throws IOException {
    ConfinedDir dir = ConfinedDir.openTrusted(workspacesRoot);
    try {
      for (String segment : rootSegments) dir = descend(dir, segment, false);
      return dir;
    } catch (IOException | RuntimeException e) {
      dir.close();
      throw e;
    }
  }

  /** The folder holding {@code relative}'s last name; its missing folders created when {@code create}. */
  private ConfinedDir openParentOf(String relative, boolean create) throws IOException {
    List<String> segments = segmentsOf(relative);
    ConfinedDir dir = openRoot();
    try {
      for (String segment : segments.subList(0, Math.max(0, segments.size() - 1))) dir = descend(dir, segment, create);
      return dir;
    } catch (IOException | RuntimeException e) {
      dir.close();
      throw e;
    }
  }

  /** Opens {@code name} below {@code dir} and closes {@code dir}, or leaves {@code dir} open when it throws. */
  private ConfinedDir descend(ConfinedDir dir, String name, boolean create) throws IOException {
    if (create && dir.attributes(name) == null) makeFolder(dir, name);
    ConfinedDir next = dir.openFolder(name);
    dir.close();
    return next;
  }

  /**
   * A new folder made in the staging folder and renamed into place: there is no mkdirat to create it relative to the
   * opened parent, and a path-based mkdir would follow a link swapped in on the way. A rename replaces an empty folder of
   * the same name, so one made meanwhile by another of our workers, and perhaps already holding an opened handle about
   * to receive a file, would be swapped away: folder making is one at a time, and looks again under the lock.
   */
  private void makeFolder(ConfinedDir parent, String name) throws IOException {
    synchronized (FOLDER_MAKING) {
      if (parent.attributes(name) == null) makeFolderNow(parent, name);
    }
  }

  private static final Object FOLDER_MAKING = new Object();

  private void makeFolderNow(ConfinedDir parent, String name) throws IOException {
    String made = StagingFolder.newName("folder");
    try (ConfinedDir stage = staging.open()) {
      Files.createDirectory(stage.shownAs().resolve(made));
      BasicFileAttributes attributes = stage.attributes(made);
      if (attributes == null || !attributes.isDirectory()) {
        throw new IOException("the staging folder " + stage.shownAs() + " changed while a folder was made in it");
      }
      try {
        stage.moveTo(made, parent, name);
      } catch (IOException e) {
        stage.deleteFolder(made);
        BasicFileAttributes now = parent.attributes(name);
        if (now == null || !now.isDirectory()) throw e; // else it appeared meanwhile, which is what we wanted
      }
    }
  }

  // --- scan --------------------------------------------------------------------------------------------------------

  
  /**
   * Walks the workspace without following links. A file is hashed only when the plan needs its content: it has the
   * base's size but another mtime, which is a touch (content unchanged) or an edit that kept the size. A new file, or one
   * whose size changed, is not read here: it is uploaded as it is, and the upload hashes the bytes it sends, which is
   * what the base then records. Every file is the user's, whatever its name: the scan deletes nothing.
   */
  public Scan scan(Map<String, BaseEntry> base) throws IOException {
    Map<String, LocalEntry> entries = new HashMap<>();
    Map<String, String> skipped = new HashMap<>();
    ConfinedDir dir;
    try {
      dir = openRoot();
    } catch (NoSuchFileException e) {
      throw new IOException("the workspace folder " + root + " does not exist", e);
    }
    try (dir) {
      scanFolder(dir, "", base, entries, skipped);
    }
    // Without file identities, a moved file is found by its content: hash the few new files that could be one.
    for (String path : io.ncsync.persistence.sync.MoveDetector.filesToHash(base, entries)) {
      try {
        entries.put(path, entries.get(path).withSha256(sha256(path)));
      } catch (NoSuchFileException e) {
        entries.remove(path); // gone since the walk
      }
    }
    return new Scan(entries, skipped);
  }

  private void scanFolder(ConfinedDir dir, String prefix, Map<String, BaseEntry> base, Map<String, LocalEntry> entries,
      Map<String, String> skipped) throws IOException {
    for (String name : dir.names()) {
      String path = RemotePaths.join(prefix, name);
      String unsafe = RemotePaths.unsafeReason(name);
      if (unsafe != null) {
        skipped.put(RemotePaths.excludedKey(prefix, name),
            "the local name " + RemotePaths.printable(name) + " cannot be synced: " + unsafe);
        continue;
      }
      BasicFileAttributes attrs = dir.attributes(name);
      if (attrs == null) continue; // gone since the listing
      if (attrs.isDirectory()) {
        entries.put(path, LocalEntry.folder(path, keyOf(attrs)));
        try (ConfinedDir sub = dir.openFolder(name)) {
          scanFolder(sub, path, base, entries, skipped);
        }
      } else if (attrs.isRegularFile()) {
        entries.put(path, fileEntry(dir, name, path, attrs, base.get(path)));
      } else {
        skipped.put(path, "symbolic links and special files are left alone");
      }
    }
  }

  private static LocalEntry fileEntry(ConfinedDir dir, String name, String path, BasicFileAttributes attrs, BaseEntry base)
      throws IOException {
    long size = attrs.size();
    long mtime = attrs.lastModifiedTime().toMillis();
    boolean touchedOrEditedInPlace = base != null && !base.folder() && base.size() == size && base.mtimeMillis() != mtime;
    String sha = null;
    if (touchedOrEditedInPlace) {
      try (FileChannel in = dir.read(name)) {
        sha = sha256(in);
      }
    }
    return new LocalEntry(path, false, size, mtime, sha, keyOf(attrs));
  }

  /** Device and inode where the file system has them (a rename keeps them): how a moved file is recognised. */
  private static String keyOf(BasicFileAttributes attrs) {
    Object key = attrs.fileKey();
    return key == null ? null : key.toString();
  }

  /**
   * Probed once per staging folder, which lies on the library folder's file system ({@link #prepareRun} checks): a file
   * made there under a lower-case name, looked up under its upper-case name.
   */
  @Override
  public boolean caseInsensitive() throws IOException {
    Boolean known = CASE_INSENSITIVE.get(staging.path());
    if (known != null) return known;
    boolean probed = probeCaseInsensitive();
    CASE_INSENSITIVE.put(staging.path(), probed);
    return probed;
  }

  private boolean probeCaseInsensitive() throws IOException {
    String name = StagingFolder.newName("case-probe");
    try (ConfinedDir stage = staging.open()) {
      stage.createNew(name).close();
      try {
        return stage.attributes(name.toUpperCase(java.util.Locale.ROOT)) != null;
      } finally {
        stage.deleteFile(name);
      }
    }
  }

  // --- reading -----------------------------------------------------------------------------------------------------

  /** The file's current state (not hashed); null when nothing, or a folder, is there. */
  public LocalEntry stat(String relative) throws IOException {
    BasicFileAttributes attrs = attributes(relative);
    if (attrs == null || !attrs.isRegularFile()) return null;
    return new LocalEntry(relative, false, attrs.size(), attrs.lastModifiedTime().toMillis(), null, keyOf(attrs));
  }

  @Override
  public String fileKey(String relative) throws IOException {
    BasicFileAttributes attrs = attributes(relative);
    return attrs == null ? null : keyOf(attrs);
  }

  public boolean exists(String relative) throws IOException {
    return attributes(relative) != null;
  }

  /** Null when the entry, or a folder on its way, is missing; a missing library folder is an error. */
  private BasicFileAttributes attributes(String relative) throws IOException {
    String name = nameOf(relative);
    List<String> segments = segmentsOf(relative);
    ConfinedDir dir = openRoot();
    try {
      for (String segment : segments.subList(0, segments.size() - 1)) dir = descend(dir, segment, false);
      return dir.attributes(name);
    } catch (NoSuchFileException e) {
      return null;
    } finally {
      dir.close();
    }
  }

  /** SHA-256 of the file's content, read without following a link. */
  public String sha256(String relative) throws IOException {
    try (ConfinedDir parent = openParentOf(relative, false); FileChannel in = parent.read(nameOf(relative))) {
      return sha256(in);
    }
  }

  /**
   * The file as it is now, at a path of the daemon's own that no link swapped into the workspace can redirect: the
   * uploader reads files by path, so it gets this one. Closing it removes that path (never the workspace file).
   *
   * <p>A hard link costs nothing; it is proven to be the workspace's file by comparing file keys (device and inode)
   * with the entry reached without following links, after the link exists (so the inode cannot be reused meanwhile).
   * Where a hard link is refused (another file system on the way, fs.protected_hardlinks, no hard links), the file is
   * copied through a channel opened without following links.
   */
  public Staged stageForUpload(String relative) throws IOException {
    String name = nameOf(relative);
    String staged = StagingFolder.newName("upload");
    Path stagedPath = staging.path().resolve(staged);
    try (ConfinedDir stage = staging.open(); ConfinedDir parent = openParentOf(relative, false)) {
      boolean linked = false;
      try {
        if (hardLinks) {
          Files.createLink(stagedPath, root.resolve(relative));
          linked = true;
        }
      } catch (FileSystemException | UnsupportedOperationException e) {
        if (e instanceof NoSuchFileException) throw e;
      }
      if (linked) {
        BasicFileAttributes inWorkspace = parent.attributes(name);
        BasicFileAttributes inStaging = stage.attributes(staged);
        if (inWorkspace == null || !inWorkspace.isRegularFile() || inStaging == null || inWorkspace.fileKey() == null
            || !inWorkspace.fileKey().equals(inStaging.fileKey())) {
          stage.deleteFile(staged);
          throw new IOException(RemotePaths.printable(relative) + " was replaced, or a folder on its way by a symbolic"
              + " link, while it was prepared for upload; not uploaded");
        }
      } else {
        copyForUpload(parent, name, stage, staged, relative);
      }
    }
    stagedUploads.put(stagedPath.toString(), root.resolve(relative).toString());
    return new Staged(staged, stagedPath);
  }

  /** A message about a staged upload (the uploader names the path it read) told with the workspace file's path. */
  @Override
  public String explain(String message) {
    if (message == null) return null;
    for (Map.Entry<String, String> staged : stagedUploads.entrySet()) message = message.replace(staged.getKey(), staged.getValue());
    return message;
  }

  private static void copyForUpload(ConfinedDir parent, String name, ConfinedDir stage, String staged, String relative)
      throws IOException {
    BasicFileAttributes before = parent.attributes(name);
    if (before == null || !before.isRegularFile()) throw new NoSuchFileException(relative);
    try (FileChannel in = parent.read(name); FileChannel out = stage.createNew(staged)) {
      long position = 0;
      for (long n; position < before.size() && (n = in.transferTo(position, before.size() - position, out)) > 0; ) position += n;
      out.force(false);
    } catch (IOException e) {
      stage.deleteFile(staged);
      throw e;
    }
    BasicFileAttributes after = parent.attributes(name);
    if (after == null || after.size() != before.size() || !after.lastModifiedTime().equals(before.lastModifiedTime())
        || !Objects.equals(after.fileKey(), before.fileKey())) {
      stage.deleteFile(staged);
      throw new IOException(RemotePaths.printable(relative) + " changed while it was copied for upload; the next run takes it");
    }
    stage.setLastModified(staged, before.lastModifiedTime());
  }

  /** A file of the daemon's in the staging folder; closing it deletes it if it is still there (and not kept). */
  public final class Staged implements Workspace.Staged {
    private final String name;
    private final Path path;
    private volatile boolean keep;

    private Staged(String name, Path path) {
      this.name = name;
      this.path = path;
    }

    @Override
    public void keepForResume() {
      keep = true;
    }

    /** Where the protocol reads or writes it. */
    public Path path() {
      return path;
    }

    /** SHA-256 of its content. */
    public String sha256() throws IOException {
      try (ConfinedDir stage = staging.open(); FileChannel in = stage.read(name)) {
        return DiskWorkspace.sha256(in);
      }
    }

    @Override
    public void close() throws IOException {
      if (keep) return;
      try (ConfinedDir stage = staging.open()) {
        stage.deleteFile(name);
      } catch (NoSuchFileException e) {
        // committed, or never written
      }
    }
  }

  // --- writing -----------------------------------------------------------------------------------------------------

  /** A new empty file in the staging folder for a download; {@link #commit} moves it into the workspace. */
  public Staged newDownload() throws IOException {
    String name = StagingFolder.newName("download");
    try (ConfinedDir stage = staging.open(); FileChannel created = stage.createNew(name)) {
      return new Staged(name, stage.shownAs().resolve(name));
    }
  }

  /**
   * Named after the path and the version, so only bytes of that very version are ever continued; {@link
   * StagingFolder#prepare} keeps such files for a day.
   */
  @Override
  public Staged resumableDownload(String relative, String etag) throws IOException {
    String name = StagingFolder.partialName(relative, etag);
    try (ConfinedDir stage = staging.open()) {
      BasicFileAttributes existing = stage.attributes(name);
      if (existing == null) stage.createNew(name).close();
      else if (!existing.isRegularFile()) throw new IOException("the staging folder holds a non-file named " + name);
      return new Staged(name, stage.shownAs().resolve(name));
    }
  }

  /**
   * Moves a finished download over the target atomically (renameat between the two opened folders) and stamps its
   * mtime; missing folders on the way are created.
   */
  @Override
  public void commit(Workspace.Staged download, String relative, long mtimeMillis) throws IOException {
    if (!(download instanceof Staged own)) throw new IllegalArgumentException("not a file of this workspace: " + download.path());
    try (ConfinedDir stage = staging.open(); ConfinedDir parent = openParentOf(relative, true)) {
      if (mtimeMillis > 0) stage.setLastModified(own.name, FileTime.fromMillis(mtimeMillis));
      stage.moveTo(own.name, parent, nameOf(relative));
    }
  }

  /**
   * Renames a file or a folder (moves, conflict copies) to a name that must not exist yet, creating missing folders on
   * the way; never overwrites.
   */
  public void renameNoReplace(String from, String to) throws IOException {
    try (ConfinedDir source = openParentOf(from, false); ConfinedDir target = openParentOf(to, true)) {
      if (target.attributes(nameOf(to)) != null) throw new FileAlreadyExistsException(to);
      source.moveTo(nameOf(from), target, nameOf(to));
    }
  }

  public void createFolder(String relative) throws IOException {
    if (relative.isEmpty()) return;
    try (ConfinedDir parent = openParentOf(relative, true)) {
      descend(parent, nameOf(relative), true).close();
    }
  }

  /** Deletes a folder only if it is empty; true when it is gone. A link in its place is refused, not deleted. */
  public boolean deleteEmptyFolder(String relative) throws IOException {
    String name = nameOf(relative);
    try (ConfinedDir parent = openParentOf(relative, false)) {
      if (parent.attributes(name) == null) return true;
      try (ConfinedDir folder = parent.openFolder(name)) {
        if (!folder.names().isEmpty()) return false;
      }
      parent.deleteFolder(name);
      return true;
    } catch (NoSuchFileException e) {
      return true;
    }
  }

  @Override
  public String moveToTrash(String relative, String runId) throws IOException {
    if (trashRoot == null) throw new IOException("this workspace has no trash folder; nothing was moved");
    return moveToTrash(relative, trashRoot.resolve(runId)).toString();
  }

  @Override
  public String moveToArchive(String relative, String archiveFolder) throws IOException {
    if (archiveRoot == null) throw new IOException("this workspace has no archive root (ncsync.archive-dir); nothing was moved");
    Path folder = archiveRoot.resolve(archiveFolder).normalize();
    if (!folder.startsWith(archiveRoot) || folder.equals(archiveRoot)) {
      throw new IOException("the archive folder '" + archiveFolder + "' does not lie below " + archiveRoot + "; nothing was moved");
    }
    return moveToTrash(relative, folder).toString();
  }

  /** Removes the file (policy delete); a link in its place is refused, not followed. */
  @Override
  public void deleteFile(String relative) throws IOException {
    String name = nameOf(relative);
    try (ConfinedDir parent = openParentOf(relative, false)) {
      BasicFileAttributes attributes = parent.attributes(name);
      if (attributes == null) return;
      if (!attributes.isRegularFile()) throw new IOException(RemotePaths.printable(relative) + " is not a regular file; not deleted");
      parent.deleteFile(name);
    }
  }

  /**
   * Copies the kept file into the staging folder and renames it into the workspace at a free name (the path itself, or
   * beside it with a suffix), then removes the kept copy: a crash at any point leaves the kept copy, at worst twice.
   */
  @Override
  public String restoreFromTrash(String kept, String relative) throws IOException {
    Path source = keptFile(kept);
    BasicFileAttributes attributes = Files.readAttributes(source, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    if (!attributes.isRegularFile()) throw new IOException(source + " is not a regular file; not restored");
    try (Staged staged = newDownload()) {
      Files.copy(source, staged.path(), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      String target = io.ncsync.persistence.sync.RestoredNames.free(relative, this::existsQuietly);
      commit(staged, target, attributes.lastModifiedTime().toMillis());
      Files.delete(source);
      return target;
    }
  }

  @Override
  public void purgeTrash(String kept) throws IOException {
    Path file = keptFile(kept);
    if (archiveRoot != null && file.startsWith(archiveRoot)) throw new IOException("archived files are kept indefinitely: " + file);
    Files.deleteIfExists(file);
  }

  /** A kept file's path, refused unless it lies in this library's trash or the tenant's archive. */
  private Path keptFile(String kept) throws IOException {
    Path file = Path.of(kept).toAbsolutePath().normalize();
    boolean inTrash = trashRoot != null && file.startsWith(trashRoot) && !file.equals(trashRoot);
    boolean inArchive = archiveRoot != null && file.startsWith(archiveRoot) && !file.equals(archiveRoot);
    if (!inTrash && !inArchive) throw new IOException(kept + " lies neither in the library's trash nor in the archive");
    return file;
  }

  private boolean existsQuietly(String relative) {
    try {
      return exists(relative);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Moves a file into the trash folder under its relative path, never deleting anything. */
  public Path moveToTrash(String relative, Path trash) throws IOException {
    Path target = trash.resolve(relative).normalize();
    if (!target.startsWith(trash)) throw new IOException("trash path escapes the trash folder");
    Files.createDirectories(target.getParent());
    if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      target = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID());
    }
    String name = nameOf(relative);
    try (ConfinedDir source = openParentOf(relative, false); ConfinedDir trashDir = ConfinedDir.openTrusted(target.getParent())) {
      try {
        source.moveTo(name, trashDir, target.getFileName().toString());
      } catch (AtomicMoveNotSupportedException e) {
        copyToTrashAndDelete(source, name, trashDir, target.getFileName().toString(), relative);
      }
    }
    return target;
  }

  /** The trash is on another file system: copy, then delete the original only if it is still the file copied. */
  private static void copyToTrashAndDelete(ConfinedDir source, String name, ConfinedDir trashDir, String kept, String relative)
      throws IOException {
    BasicFileAttributes before = source.attributes(name);
    if (before == null || !before.isRegularFile()) throw new NoSuchFileException(relative);
    try (FileChannel in = source.read(name); FileChannel out = trashDir.createNew(kept)) {
      long position = 0;
      for (long n; position < before.size() && (n = in.transferTo(position, before.size() - position, out)) > 0; ) position += n;
      out.force(false);
    }
    trashDir.setLastModified(kept, before.lastModifiedTime());
    BasicFileAttributes after = source.attributes(name);
    if (after == null || after.size() != before.size() || !after.lastModifiedTime().equals(before.lastModifiedTime())
        || !Objects.equals(after.fileKey(), before.fileKey())) {
      throw new IOException(RemotePaths.printable(relative) + " changed while it was copied to the trash; kept in place");
    }
    source.deleteFile(name);
  }

  // --- hashing -----------------------------------------------------------------------------------------------------

  public static String sha256(Path file) throws IOException {
    try (FileChannel in = FileChannel.open(file)) {
      return sha256(in);
    }
  }

  private static String sha256(FileChannel in) throws IOException {
    MessageDigest digest = newSha256();
    ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    while (in.read(buffer) > 0) {
      buffer.flip();
      digest.update(buffer);
      buffer.clear();
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM lacks SHA-256", e);
    }
  }
}
