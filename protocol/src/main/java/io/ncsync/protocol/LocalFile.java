package io.ncsync.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** Size and modification time of a local file, taken when an upload starts and checked again before it commits. */
record LocalFile(long size, long mtimeSeconds, long mtimeMillis) {

  static LocalFile read(Path file) throws IOException {
    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
    if (!attributes.isRegularFile()) throw new IOException(file + " is not a regular file");
    return new LocalFile(attributes.size(), attributes.lastModifiedTime().to(TimeUnit.SECONDS),
        attributes.lastModifiedTime().toMillis());
  }

  static CompletionStage<LocalFile> describe(Path file) {
    try {
      return CompletableFuture.completedFuture(read(file));
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Fails with an IOException when the file changed since this snapshot: its bytes sent so far are stale. */
  void requireUnchanged(Path file) throws IOException {
    LocalFile now = read(file);
    if (now.size != size || now.mtimeMillis != mtimeMillis) {
      throw new SourceChangedException(file + " changed while it was being uploaded (size " + size + " → " + now.size + ")");
    }
  }

  /** The X-OC-MTime value; Nextcloud refuses mtimes at or below one day after the epoch, and such a clock is broken. */
  boolean mtimeSendable() {
    return mtimeSeconds > 86400;
  }
}
