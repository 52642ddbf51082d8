package io.ncsync.protocol;

import java.time.Instant;
import java.util.Objects;

/**
 * A chunked upload in progress, as the caller persists it so that a restarted daemon resumes instead of starting over.
 * Plain values only (JSON-friendly). The server's upload folder is the truth: on resume its chunks are listed, the
 * unbroken run from chunk 1 is kept and the rest deleted.
 *
 * @param transferId   name of the upload folder under {@code remote.php/dav/uploads/<user>/}
 * @param destination  full URL of the target file
 * @param size         bytes of the local file when the upload started
 * @param mtimeSeconds modification time of the local file when the upload started; a different file restarts
 * @param chunkSize    bytes per chunk (the last one may be shorter)
 * @param chunksDone   chunks known to be on the server, counted as an unbroken run from chunk 1
 * @param startedAt    when the upload folder was created
 */
public record UploadSession(
    String transferId, String destination, long size, long mtimeSeconds, long chunkSize, int chunksDone, Instant startedAt) {

  public UploadSession {
    Objects.requireNonNull(transferId, "transferId");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(startedAt, "startedAt");
    RemotePaths.requireSafeName(transferId);
  }

  /** Number of chunks the whole file takes. */
  public int chunkCount() {
    return (int) ((size + chunkSize - 1) / chunkSize);
  }

  /** Length of chunk {@code number} (1-based). */
  public long chunkLength(int number) {
    long offset = (number - 1) * chunkSize;
    return Math.min(chunkSize, size - offset);
  }

  public UploadSession withChunksDone(int value) {
    return new UploadSession(transferId, destination, size, mtimeSeconds, chunkSize, value, startedAt);
  }

  /** True when this session was made for the same file content and target. */
  public boolean matches(String otherDestination, long otherSize, long otherMtimeSeconds) {
    return destination.equals(otherDestination) && size == otherSize && mtimeSeconds == otherMtimeSeconds;
  }
}
