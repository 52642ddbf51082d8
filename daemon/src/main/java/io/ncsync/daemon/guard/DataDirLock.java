package io.ncsync.daemon.guard;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One daemon per data dir: an exclusive lock on {@code <data dir>/daemon.lock}, taken before anything else touches the
 * data dir and held for the daemon's lifetime. The operating system drops the lock with the process, so a daemon killed
 * with {@code kill -9} leaves nothing to clean up. Who holds it (pid, start time, admin API address) is written to the
 * sidecar {@code daemon.lock.owner}, so a second daemon can name the running one; the lock file itself stays empty
 * because some systems do not let another process read a locked region.
 */
public final class DataDirLock implements AutoCloseable {
  public static final String LOCK_FILE = "daemon.lock";
  public static final String OWNER_FILE = "daemon.lock.owner";

  private final FileChannel channel;
  private final FileLock lock;
  private final Path ownerFile;

  private DataDirLock(FileChannel channel, FileLock lock, Path ownerFile) {
    this.channel = channel;
    this.lock = lock;
    this.ownerFile = ownerFile;
  }

  /** Another daemon holds the data dir; the message names it and the way out. */
  public static final class HeldException extends Exception {
    public HeldException(String message) {
      super(message);
    }
  }

  /**
   * Takes the lock on an existing data dir and records {@code owner} as its holder.
   *
   * @throws HeldException when another daemon (another process, or another daemon in this JVM) holds it
   */
  public static DataDirLock acquire(Path dataDir, String owner) throws IOException, HeldException {
    Path lockFile = dataDir.resolve(LOCK_FILE);
    Path ownerFile = dataDir.resolve(OWNER_FILE);
    FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException sameJvm) {
      lock = null;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new HeldException("another ncsync daemon is running on the data dir " + dataDir + " ("
          + readOwner(ownerFile).orElse("its description in " + ownerFile + " is missing") + "): stop it first, or give "
          + "this daemon a data dir of its own (NCSYNC_DATA_DIR)");
    }
    DataDirLock held = new DataDirLock(channel, lock, ownerFile);
    held.describe(owner);
    return held;
  }

  /** Replaces the holder's description (e.g. once the admin API's port is known). */
  public synchronized void describe(String owner) throws IOException {
    if (!lock.isValid()) return;
    Path temp = ownerFile.resolveSibling(OWNER_FILE + ".tmp");
    Files.writeString(temp, owner + "\n", StandardCharsets.UTF_8);
    Files.move(temp, ownerFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Releases the lock; idempotent. The owner file is removed so it never describes a daemon that is gone. */
  @Override
  public synchronized void close() throws IOException {
    if (!channel.isOpen()) return;
    try {
      Files.deleteIfExists(ownerFile);
    } finally {
      channel.close();
    }
  }

  private static Optional<String> readOwner(Path ownerFile) {
    try {
      String text = Files.readString(ownerFile, StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? Optional.empty() : Optional.of(text);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
