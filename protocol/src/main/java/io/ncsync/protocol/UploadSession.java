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
 * @param chunkLengths bytes of every chunk planned so far, from chunk 1: those done and those being sent (a chunk is
 *                     recorded before its PUT, so that a crash right after the server took it does not cost it; with
 *                     chunks in flight in parallel, chunks after the unbroken run may have landed too); null in
 *                     sessions saved by earlier versions
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
      if (chunkLengths.size() < chunksDone) {
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
   * How many chunks from 1 have a known length: those planned (done or being sent), or in an old fixed-size session all
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

  /** This session with chunk {@link #knownChunks()} + 1 of {@code length} bytes planned (noted before its PUT). */
  public UploadSession withChunkAdded(long length) {
    if (chunkLengths == null) throw new IllegalStateException("a session saved with a fixed chunk size knows all its chunks");
    List<Long> lengths = new ArrayList<>(chunkLengths.size() + 1);
    lengths.addAll(chunkLengths);
    lengths.add(length);
    return new UploadSession(transferId, destination, size, mtimeSeconds, chunkSize, chunksDone, startedAt, lengths);
  }

  /** This session with chunks 1..{@code run} landed (at most {@link #knownChunks()}). */
  public UploadSession withChunksDone(int run) {
    if (run < 0 || run > knownChunks()) throw new IllegalArgumentException(run + " of " + knownChunks() + " chunks");
    return new UploadSession(transferId, destination, size, mtimeSeconds, chunkSize, run, startedAt, chunkLengths);
  }

  /** This session after one more chunk of {@code length} bytes landed, none being in flight. */
  public UploadSession withChunkDone(long length) {
    if (knownChunks() != chunksDone) throw new IllegalStateException("chunks are in flight");
    return withChunkAdded(length).withChunksDone(chunksDone + 1);
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
