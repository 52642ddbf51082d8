package io.ncsync.persistence.sync;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The engine's port to a library's local side: one library folder, every path library-relative. The daemon's
 * implementation is the disk (confined, no links followed); engine tests use an in-memory one. Nothing here deletes a
 * user's file outright, except {@link #deleteFile} for the operator's policy {@code delete}: what leaves the workspace
 * goes to the library's trash or archive.
 */
public interface Workspace {

  /** Creates the library folder when missing (once, when the library is created: a run never recreates it). */
  void create() throws IOException;

  /** Before a run: clears what a crashed run left in the implementation's private staging area. */
  void prepareRun() throws IOException;

  /**
   * Every entry below the library folder. A file is hashed only where {@code base} cannot settle it by size and mtime
   * (see {@link LocalEntry#sha256()}); names that cannot be synced are reported in {@link Scan#skipped()}.
   */
  Scan scan(Map<String, BaseEntry> base) throws IOException;

  /** Entries by path, and paths left out with the reason. */
  record Scan(Map<String, LocalEntry> entries, Map<String, String> skipped) {}

  /**
   * True when the workspace's file system does not tell names apart by case (APFS and NTFS as usually set up): two
   * remote names equal but for case cannot both be files here. Asked once per run, after the scan.
   */
  default boolean caseInsensitive() throws IOException {
    return false;
  }

  /** The file's current state (not hashed); null when nothing, or a folder, is there. */
  LocalEntry stat(String path) throws IOException;

  /**
   * The identity of what is at {@code path} (file or folder), as the scan reports it in {@link LocalEntry#fileKey()}:
   * null when nothing is there or the file system has none.
   */
  default String fileKey(String path) throws IOException {
    return null;
  }

  /** Anything (file or folder) is at {@code path}. */
  boolean exists(String path) throws IOException;

  String sha256(String path) throws IOException;

  /** The file as it is now, at a private path the protocol reads from; closing it removes only that copy. */
  Staged stageForUpload(String path) throws IOException;

  /** A new, empty private file for a download; {@link #commit} puts it in place. */
  Staged newDownload() throws IOException;

  /**
   * The private file for downloading version {@code etag} of {@code path}: the bytes an interrupted download of that
   * same version left (also across a restart) when there are any, else a new empty file. Closing it deletes it
   * unless {@link Staged#keepForResume} was called. The default keeps nothing.
   */
  default Staged resumableDownload(String path, String etag) throws IOException {
    return newDownload();
  }

  /** Moves a finished download over {@code path} atomically, creating missing folders, and stamps its mtime. */
  void commit(Staged download, String path, long mtimeMillis) throws IOException;

  /** Renames a file or a folder (with everything below it) to a path that must not exist yet, creating missing folders on
   * the way; never overwrites. */
  void renameNoReplace(String from, String to) throws IOException;

  void createFolder(String path) throws IOException;

  /** Deletes the folder only if it is empty; true when it is gone. */
  boolean deleteEmptyFolder(String path) throws IOException;

  /** Moves the file into the library's trash area for run {@code runId}; returns where it is kept. */
  String moveToTrash(String path, String runId) throws IOException;

  /**
   * Moves the file into the operator's archive folder {@code archiveFolder} (a relative name below the daemon's archive
   * root), under its library path, never replacing a file kept there before; returns where it is kept.
   */
  String moveToArchive(String path, String archiveFolder) throws IOException;

  /** Removes the file for good (remote-deletion policy {@code delete}, the operator's choice). */
  void deleteFile(String path) throws IOException;

  /**
   * Puts a file kept by {@link #moveToTrash} or {@link #moveToArchive} back at {@code path}, never overwriting: when
   * something is there, beside it with a suffix. Returns the path it was restored to.
   */
  String restoreFromTrash(String kept, String path) throws IOException;

  /** Removes a file kept in the trash area for good (the retention passed); a file already gone is no error. */
  void purgeTrash(String kept) throws IOException;

  /** A message of the protocol's, which names a staged path, retold with the workspace path it stands for. */
  default String explain(String message) {
    return message;
  }

  /** A private file of the workspace's: what the protocol uploads from or downloads into. */
  interface Staged extends Closeable {
    /** Where the protocol reads or writes it. */
    Path path();

    String sha256() throws IOException;

    /** Keeps the bytes written so far past {@link #close}, for a later download of the same version to continue. */
    default void keepForResume() {}
  }
}
