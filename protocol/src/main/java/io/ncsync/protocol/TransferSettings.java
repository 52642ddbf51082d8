package io.ncsync.protocol;

import java.time.Duration;
import java.util.Objects;

/**
 * How files move: when to chunk, how big and how parallel, how long the server may take to assemble, batching.
 *
 * @param chunkThreshold        files larger than this use chunked upload v2 when the server offers it (default 10 MiB)
 * @param chunkSize             bytes per chunk (default 10 MiB); raised when a file would need more than 10,000 chunks,
 *                              lowered to the server's published maximum
 * @param minChunkSize          smallest chunk size used (Nextcloud wants 5 MiB except for the last chunk); tests lower it
 * @param chunkParallelism      chunk PUTs in flight per upload (lowered to the server's published maximum)
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
 */
public record TransferSettings(
    long chunkThreshold,
    long chunkSize,
    long minChunkSize,
    int chunkParallelism,
    Duration assemblyRetryDelay,
    Duration assemblyRetryMaxDelay,
    Duration assemblyBaseTimeout,
    long assemblySecondsPerGiB,
    Duration assemblyMaxTimeout,
    boolean verifyUploads,
    int downloadAttempts,
    int bulkMaxFiles,
    long bulkMaxBytes,
    long bulkMaxFileBytes) {

  public static final long MIB = 1L << 20;
  /** Nextcloud assembles at most 10,000 chunks. */
  public static final int MAX_CHUNKS = 10_000;

  public TransferSettings {
    if (chunkThreshold < 0) throw new IllegalArgumentException("chunkThreshold must not be negative");
    if (chunkSize < 1 || minChunkSize < 1) throw new IllegalArgumentException("chunk sizes must be positive");
    if (chunkParallelism < 1) throw new IllegalArgumentException("chunkParallelism must be at least 1");
    if (downloadAttempts < 1) throw new IllegalArgumentException("downloadAttempts must be at least 1");
    if (bulkMaxFiles < 1 || bulkMaxBytes < 1 || bulkMaxFileBytes < 0) throw new IllegalArgumentException("bulk limits");
    Objects.requireNonNull(assemblyRetryDelay, "assemblyRetryDelay");
    Objects.requireNonNull(assemblyRetryMaxDelay, "assemblyRetryMaxDelay");
    Objects.requireNonNull(assemblyBaseTimeout, "assemblyBaseTimeout");
    Objects.requireNonNull(assemblyMaxTimeout, "assemblyMaxTimeout");
  }

  public static TransferSettings defaults() {
    return new TransferSettings(10 * MIB, 10 * MIB, 5 * MIB, 4, Duration.ofSeconds(5), Duration.ofSeconds(60),
        Duration.ofMinutes(3), 180, Duration.ofMinutes(30), true, 4, 100, 8 * MIB, MIB);
  }

  public TransferSettings withChunking(long threshold, long size, long minSize, int parallelism) {
    return new TransferSettings(threshold, size, minSize, parallelism, assemblyRetryDelay, assemblyRetryMaxDelay,
        assemblyBaseTimeout, assemblySecondsPerGiB, assemblyMaxTimeout, verifyUploads, downloadAttempts, bulkMaxFiles,
        bulkMaxBytes, bulkMaxFileBytes);
  }

  public TransferSettings withAssembly(Duration retryDelay, Duration retryMaxDelay, Duration baseTimeout,
      long secondsPerGiB, Duration maxTimeout) {
    return new TransferSettings(chunkThreshold, chunkSize, minChunkSize, chunkParallelism, retryDelay, retryMaxDelay,
        baseTimeout, secondsPerGiB, maxTimeout, verifyUploads, downloadAttempts, bulkMaxFiles, bulkMaxBytes,
        bulkMaxFileBytes);
  }

  public TransferSettings withVerifyUploads(boolean value) {
    return new TransferSettings(chunkThreshold, chunkSize, minChunkSize, chunkParallelism, assemblyRetryDelay,
        assemblyRetryMaxDelay, assemblyBaseTimeout, assemblySecondsPerGiB, assemblyMaxTimeout, value, downloadAttempts,
        bulkMaxFiles, bulkMaxBytes, bulkMaxFileBytes);
  }

  public TransferSettings withDownloadAttempts(int value) {
    return new TransferSettings(chunkThreshold, chunkSize, minChunkSize, chunkParallelism, assemblyRetryDelay,
        assemblyRetryMaxDelay, assemblyBaseTimeout, assemblySecondsPerGiB, assemblyMaxTimeout, verifyUploads, value,
        bulkMaxFiles, bulkMaxBytes, bulkMaxFileBytes);
  }

  public TransferSettings withBulk(int maxFiles, long maxBytes, long maxFileBytes) {
    return new TransferSettings(chunkThreshold, chunkSize, minChunkSize, chunkParallelism, assemblyRetryDelay,
        assemblyRetryMaxDelay, assemblyBaseTimeout, assemblySecondsPerGiB, assemblyMaxTimeout, verifyUploads,
        downloadAttempts, maxFiles, maxBytes, maxFileBytes);
  }

  /** Deadline of the chunk-assembly MOVE for a file of {@code bytes}. */
  public Duration assemblyTimeout(long bytes) {
    long extra = (long) Math.ceil((double) Math.max(0, bytes) / (1L << 30) * assemblySecondsPerGiB);
    Duration timeout = assemblyBaseTimeout.plusSeconds(extra);
    return timeout.compareTo(assemblyMaxTimeout) > 0 ? assemblyMaxTimeout : timeout;
  }

  /**
   * The chunk size for a file: the configured size, at least {@link #minChunkSize()}, at most the server's maximum
   * (when published), and big enough that no more than {@link #MAX_CHUNKS} chunks are needed.
   */
  public long chunkSizeFor(long fileSize, long serverMaxChunkSize) {
    long size = Math.max(chunkSize, minChunkSize);
    if (serverMaxChunkSize > 0) size = Math.min(size, serverMaxChunkSize);
    long needed = (fileSize + MAX_CHUNKS - 1) / MAX_CHUNKS;
    return Math.max(size, Math.max(1, needed));
  }
}
