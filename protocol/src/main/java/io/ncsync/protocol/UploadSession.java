package io.ncsync.protocol;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A chunked upload in progress, as the caller persists it so that a restarted daemon resumes instead of starting over.
 * Plain values only (JSON-friendly). The server's upload folder is the truth: on resume its chunks are listed, the
 * unbroken run from chunk 1 whose sizes match is kept and the rest deleted.
 *
 * @param transferId   name of the upload folder under {@code remote.php/dav/uploads/<user>/}
 * @param destination  full URL of the target file
 * @param size         bytes of the local file when the upload started
 * @param mtimeSeconds modification time of the local file when the upload started; a different file restarts
 * @param chunkSize    bytes of the first chunk; in a session without {@code chunkLengths} (saved before chunks were
 *                     sized as the upload goes) every chunk but the last has this size
 * @param chunksDone   chunks known to be on the server, counted as an unbroken run from chunk 1
 * @param startedAt    when the upload folder was created
 * @param chunkLengths bytes of chunks 1..chunksDone as they were sent, and of the one being sent when there is one (it
 *                     is recorded before its PUT, so that a crash right after the server took it does not cost it);
 *                     null in sessions saved by earlier versions
 */
public record UploadSession(
    String transferId, String destination, long size, long mtimeSeconds, long chunkSize, int chunksDone,
    Instant startedAt, List<Long> chunkLengths) {

  public UploadSession {
    Objects.requireNonNull(transferId, "transferId");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(startedAt, "startedAt");
    RemotePaths.requireSafeName(transferId);
    if (chunkLengths != null) {
      chunkLengths = List.copyOf(chunkLengths);
      if (chunkLengths.size() < chunksDone || chunkLengths.size() > chunksDone + 1) {
        throw new IllegalArgumentException(chunksDone + " chunks done but " + chunkLengths.size() + " lengths recorded");
      }
    }
  }

  /** A session whose chunks all have {@code chunkSize} bytes (the last one may be shorter). */
  public UploadSession(
      String transferId, String destination, long size, long mtimeSeconds, long chunkSize, int chunksDone, Instant startedAt) {
    this(transferId, destination, size, mtimeSeconds, chunkSize, chunksDone, startedAt, null);
  }

  /** A new session, no chunk sent yet. */
  public static UploadSession started(String transferId, String destination, long size, long mtimeSeconds,
      long firstChunkSize, Instant startedAt) {
    return new UploadSession(transferId, destination, size, mtimeSeconds, firstChunkSize, 0, startedAt, List.of());
  }

  /**
   * How many chunks from 1 have a known length: those done and the one being sent, or in an old fixed-size session all
   * of the file's.
   */
  public int knownChunks() {
    return chunkLengths != null ? chunkLengths.size() : (int) ((size + chunkSize - 1) / chunkSize);
  }

  /** Length of chunk {@code number} (1-based, at most {@link #knownChunks()}). */
  public long chunkLength(int number) {
    if (number < 1 || number > knownChunks()) throw new IllegalArgumentException("chunk " + number + " is not known");
    if (chunkLengths != null) return chunkLengths.get(number - 1);
    long offset = (number - 1) * chunkSize;
    return Math.min(chunkSize, size - offset);
  }

  /** Bytes of chunks 1..chunksDone. */
  public long bytesDone() {
    long sum = 0;
    for (int n = 1; n <= chunksDone; n++) sum += chunkLength(n);
    return sum;
  }

  /** This session about to send chunk chunksDone + 1 with {@code length} bytes (replacing a length planned before). */
  public UploadSession withChunkPlanned(long length) {
    List<Long> lengths = new ArrayList<>(chunksDone + 1);
    for (int n = 1; n <= chunksDone; n++) lengths.add(chunkLength(n));
    lengths.add(length);
    return new UploadSession(transferId, destination, size, mtimeSeconds, chunkSize, chunksDone, startedAt, lengths);
  }

  /** This session after the planned chunk landed. */
  public UploadSession withPlannedChunkDone() {
    if (chunkLengths == null || chunkLengths.size() != chunksDone + 1) throw new IllegalStateException("no chunk planned");
    return new UploadSession(transferId, destination, size, mtimeSeconds, chunkSize, chunksDone + 1, startedAt,
        chunkLengths);
  }

  /** This session after one more chunk of {@code length} bytes landed. */
  public UploadSession withChunkDone(long length) {
    return withChunkPlanned(length).withPlannedChunkDone();
  }

  /** This session with only its first {@code kept} chunks done (at most {@link #knownChunks()}). */
  public UploadSession keepingChunks(int kept) {
    List<Long> lengths = new ArrayList<>(kept);
    for (int n = 1; n <= kept; n++) lengths.add(chunkLength(n));
    return new UploadSession(transferId, destination, size, mtimeSeconds, chunkSize, kept, startedAt, lengths);
  }

  /** True when this session was made for the same file content and target. */
  public boolean matches(String otherDestination, long otherSize, long otherMtimeSeconds) {
    return destination.equals(otherDestination) && size == otherSize && mtimeSeconds == otherMtimeSeconds;
  }
}
