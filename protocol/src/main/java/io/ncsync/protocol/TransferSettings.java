package io.ncsync.protocol;

import java.time.Duration;
import java.util.Objects;

/**
 * How files move: when to chunk, how big and how parallel, how long the server may take to assemble, batching.
 *
 * @param chunkThreshold        files larger than this use chunked upload v2 when the server offers it (default 10 MiB)
 * @param chunkSize             bytes of the first chunk (default 10 MiB), and of every chunk when
 *                              {@code chunkTargetDuration} is zero; raised when a file would need more than 10,000
 *                              chunks, lowered to the server's published maximum
 * @param minChunkSize          smallest chunk size used (Nextcloud wants 5 MiB except for the last chunk); tests lower it
 * @param maxChunkSize          largest chunk sent (default 1 GiB, the desktop client's 1000 MB), besides the server's
 *                              published maximum and 5 GiB, Nextcloud's limit
 * @param chunkTargetDuration   how long one chunk should take (default 60 s, as the desktop client): after each chunk the
 *                              next is sized from how fast the last went; zero keeps every chunk at {@code chunkSize}
 * @param assemblyRetryDelay    first wait after a 423 ("still assembling") to the final MOVE; doubles each time
 * @param assemblyRetryMaxDelay longest single wait between MOVE attempts
 * @param assemblyBaseTimeout   fixed part of the deadline of the final MOVE
 * @param assemblySecondsPerGiB added to the MOVE deadline per GiB of file (the desktop client allows 3 min per GB)
 * @param assemblyMaxTimeout    cap of the MOVE deadline (the desktop client caps at 30 min)
 * @param verifyUploads         send {@code X-Hash: sha256} and compare the server's {@code X-Hash-SHA256} with what
 *                              was sent (Nextcloud only)
 * @param downloadAttempts      attempts of one download, resuming with a Range request after a broken connection
 * @param bulkMaxFiles          files per bulk upload request
 * @param bulkMaxBytes          bytes per bulk upload request
 * @param bulkMaxFileBytes      larger files are uploaded on their own, not in a bulk request
 * @param chunkParallelism      chunk PUTs of one upload in flight at once (default 2), at most the server's published
 *                              {@code max_parallel_count}; with the default 4 parallel transfers that fills the 8
 *                              connections kept to a server
 */
public record TransferSettings(
    long chunkThreshold,
    long chunkSize,
    long minChunkSize,
    long maxChunkSize,
    Duration chunkTargetDuration,
    Duration assemblyRetryDelay,
    Duration assemblyRetryMaxDelay,
    Duration assemblyBaseTimeout,
    long assemblySecondsPerGiB,
    Duration assemblyMaxTimeout,
    boolean verifyUploads,
    int downloadAttempts,
    int bulkMaxFiles,
    long bulkMaxBytes,
    long bulkMaxFileBytes,
    int chunkParallelism) {

  public static final long MIB = 1L << 20;
  /** Nextcloud assembles at most 10,000 chunks. */
  public static final int MAX_CHUNKS = 10_000;
  /** Nextcloud takes chunks of at most 5 GiB. */
  public static final long MAX_CHUNK_BYTES = 5L << 30;

  public TransferSettings {
    if (chunkThreshold < 0) throw new IllegalArgumentException("chunkThreshold must not be negative");
    if (chunkSize < 1 || minChunkSize < 1 || maxChunkSize < 1) throw new IllegalArgumentException("chunk sizes must be positive");
    Objects.requireNonNull(chunkTargetDuration, "chunkTargetDuration");
    if (chunkTargetDuration.isNegative()) throw new IllegalArgumentException("chunkTargetDuration must not be negative");
    if (downloadAttempts < 1) throw new IllegalArgumentException("downloadAttempts must be at least 1");
    if (bulkMaxFiles < 1 || bulkMaxBytes < 1 || bulkMaxFileBytes < 0) throw new IllegalArgumentException("bulk limits");
    if (chunkParallelism < 1) throw new IllegalArgumentException("chunkParallelism must be at least 1");
    Objects.requireNonNull(assemblyRetryDelay, "assemblyRetryDelay");
    Objects.requireNonNull(assemblyRetryMaxDelay, "assemblyRetryMaxDelay");
    Objects.requireNonNull(assemblyBaseTimeout, "assemblyBaseTimeout");
    Objects.requireNonNull(assemblyMaxTimeout, "assemblyMaxTimeout");
  }

  public static TransferSettings defaults() {
    return new TransferSettings(10 * MIB, 10 * MIB, 5 * MIB, 1L << 30, Duration.ofSeconds(60), Duration.ofSeconds(5),
        Duration.ofSeconds(60), Duration.ofMinutes(3), 180, Duration.ofMinutes(30), true, 4, 100, 8 * MIB, MIB, 2);
  }

  public TransferSettings withChunking(long threshold, long size, long minSize) {
    return new TransferSettings(threshold, size, minSize, maxChunkSize, chunkTargetDuration, assemblyRetryDelay,
        assemblyRetryMaxDelay, assemblyBaseTimeout, assemblySecondsPerGiB, assemblyMaxTimeout, verifyUploads,
        downloadAttempts, bulkMaxFiles, bulkMaxBytes, bulkMaxFileBytes, chunkParallelism);
  }

  /** Chunks sized to take {@code targetDuration} each, at most {@code maxSize}; a zero duration fixes the size. */
  public TransferSettings withChunkSizing(Duration targetDuration, long maxSize) {
    return new TransferSettings(chunkThreshold, chunkSize, minChunkSize, maxSize, targetDuration, assemblyRetryDelay,
        assemblyRetryMaxDelay, assemblyBaseTimeout, assemblySecondsPerGiB, assemblyMaxTimeout, verifyUploads,
        downloadAttempts, bulkMaxFiles, bulkMaxBytes, bulkMaxFileBytes, chunkParallelism);
  }

  public TransferSettings withAssembly(Duration retryDelay, Duration retryMaxDelay, Duration baseTimeout,
      long secondsPerGiB, Duration maxTimeout) {
    return new TransferSettings(chunkThreshold, chunkSize, minChunkSize, maxChunkSize, chunkTargetDuration, retryDelay, retryMaxDelay,
        baseTimeout, secondsPerGiB, maxTimeout, verifyUploads, downloadAttempts, bulkMaxFiles, bulkMaxBytes,
        bulkMaxFileBytes, chunkParallelism);
  }

  public TransferSettings withVerifyUploads(boolean value) {
    return new TransferSettings(chunkThreshold, chunkSize, minChunkSize, maxChunkSize, chunkTargetDuration, assemblyRetryDelay,
        assemblyRetryMaxDelay, assemblyBaseTimeout, assemblySecondsPerGiB, assemblyMaxTimeout, value, downloadAttempts,
        bulkMaxFiles, bulkMaxBytes, bulkMaxFileBytes, chunkParallelism);
  }

  public TransferSettings withDownloadAttempts(int value) {
    return new TransferSettings(chunkThreshold, chunkSize, minChunkSize, maxChunkSize, chunkTargetDuration, assemblyRetryDelay,
        assemblyRetryMaxDelay, assemblyBaseTimeout, assemblySecondsPerGiB, assemblyMaxTimeout, verifyUploads, value,
        bulkMaxFiles, bulkMaxBytes, bulkMaxFileBytes, chunkParallelism);
  }

  public TransferSettings withBulk(int maxFiles, long maxBytes, long maxFileBytes) {
    return new TransferSettings(chunkThreshold, chunkSize, minChunkSize, maxChunkSize, chunkTargetDuration, assemblyRetryDelay,
        assemblyRetryMaxDelay, assemblyBaseTimeout, assemblySecondsPerGiB, assemblyMaxTimeout, verifyUploads,
        downloadAttempts, maxFiles, maxBytes, maxFileBytes, chunkParallelism);
  }

  /** Up to {@code value} chunk PUTs of one upload at once. */
  public TransferSettings withChunkParallelism(int value) {
    return new TransferSettings(chunkThreshold, chunkSize, minChunkSize, maxChunkSize, chunkTargetDuration, assemblyRetryDelay,
        assemblyRetryMaxDelay, assemblyBaseTimeout, assemblySecondsPerGiB, assemblyMaxTimeout, verifyUploads,
        downloadAttempts, bulkMaxFiles, bulkMaxBytes, bulkMaxFileBytes, value);
  }

  /** Chunk PUTs of one upload at once against a server that publishes {@code serverMaxParallel} (0: says nothing). */
  public int chunkParallelismFor(int serverMaxParallel) {
    return serverMaxParallel > 0 ? Math.min(chunkParallelism, serverMaxParallel) : chunkParallelism;
  }

  /** The largest chunk sent to a server that publishes {@code serverMaxChunkSize} (0: says nothing). */
  public long largestChunk(long serverMaxChunkSize) {
    long max = Math.min(maxChunkSize, MAX_CHUNK_BYTES);
    return serverMaxChunkSize > 0 ? Math.min(max, serverMaxChunkSize) : max;
  }

  /** Deadline of the chunk-assembly MOVE for a file of {@code bytes}. */
  public Duration assemblyTimeout(long bytes) {
    long extra = (long) Math.ceil((double) Math.max(0, bytes) / (1L << 30) * assemblySecondsPerGiB);
    Duration timeout = assemblyBaseTimeout.plusSeconds(extra);
    return timeout.compareTo(assemblyMaxTimeout) > 0 ? assemblyMaxTimeout : timeout;
  }

  /**
   * The first chunk's size for a file: the configured size, at least {@link #minChunkSize()}, at most the server's
   * maximum (when published), and big enough that no more than {@link #MAX_CHUNKS} chunks are needed.
   */
  public long chunkSizeFor(long fileSize, long serverMaxChunkSize) {
    return within(Math.max(chunkSize, minChunkSize), fileSize, 0, serverMaxChunkSize);
  }

  /**
   * The next chunk's size after one of {@code lastSize} bytes took {@code lastDuration}, with {@code remaining} bytes
   * left after {@code chunksSent} chunks. As the desktop client does: halfway between the last size and the size the
   * last rate would fill {@link #chunkTargetDuration()} with, so one slow or fast chunk does not swing it all the way;
   * then within [{@link #minChunkSize()}, {@link #maxChunkSize()}], the server's maximum and Nextcloud's 5 GiB, and big
   * enough that the rest fits in the chunks left of {@link #MAX_CHUNKS}. With a zero target, {@link #chunkSizeFor}.
   */
  public long nextChunkSize(long lastSize, Duration lastDuration, long remaining, int chunksSent, long serverMaxChunkSize) {
    if (chunkTargetDuration.isZero()) return chunkSizeFor(chunksSent * chunkSize + remaining, serverMaxChunkSize);
    double seconds = Math.max(0.001, lastDuration.toNanos() / 1e9);
    double predicted = lastSize * (chunkTargetDuration.toNanos() / 1e9) / seconds;
    long target = (long) Math.min(Long.MAX_VALUE / 2.0, lastSize / 2.0 + predicted / 2.0);
    return within(Math.max(target, minChunkSize), remaining, chunksSent, serverMaxChunkSize);
  }

  private long within(long size, long remaining, int chunksSent, long serverMaxChunkSize) {
    long max = largestChunk(serverMaxChunkSize);
    long chunksLeft = Math.max(1, MAX_CHUNKS - chunksSent);
    long needed = (remaining + chunksLeft - 1) / chunksLeft;
    return Math.max(Math.min(size, max), Math.max(1, needed));
  }
}
