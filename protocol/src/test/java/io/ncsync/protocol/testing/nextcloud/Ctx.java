package io.ncsync.protocol.testing.nextcloud;

import akka.stream.Materializer;
import akka.stream.javadsl.FileIO;
import akka.util.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/** What every endpoint needs: the options, the user's store, the faults, streams, and a pool for blocking work. */
record Ctx(NextcloudTestServer.Options options, Store store, Faults faults, Materializer mat, ExecutorService io) {
  /** Uploaded files get rw-r--r--, as a web server's umask gives them, not createTempFile's rw-------. */
  static final java.nio.file.attribute.FileAttribute<?> FILE_MODE =
      java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));

  /** Runs blocking work (disk, the store's monitor) off the stream threads. */
  <T> CompletionStage<T> async(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, io);
  }

  /** A request body streamed into the staging folder, with the digests asked for (lowercase hex by algorithm). */
  record Received(Path file, long bytes, Map<String, String> digests) {
    void delete() {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // staging is cleaned on close anyway
      }
    }
  }

  /**
   * Streams the request entity to a staging file, hashing on the way ({@code algorithms}: MD5, SHA-1, SHA-256). A body
   * that ends early (shorter than its Content-Length) fails with a 400, as Nextcloud's "Expected filesize" check does.
   */
  CompletionStage<Received> receive(Exchange ex, List<String> algorithms) {
    ex.bodyTaken = true;
    Path temp;
    Map<String, MessageDigest> digests = new LinkedHashMap<>();
    try {
      temp = Files.createTempFile(store().stagingDir, "upload-", ".part", FILE_MODE);
      for (String algorithm : algorithms) digests.put(algorithm, MessageDigest.getInstance(algorithm));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalArgumentException(e);
    }
    Long expected = ex.request.entity().getContentLengthOption().isPresent()
        ? ex.request.entity().getContentLengthOption().getAsLong() : null;
    return ex.request.entity().withoutSizeLimit().getDataBytes()
        .map((ByteString bytes) -> {
          if (!digests.isEmpty()) {
            for (ByteBuffer buffer : bytes.getByteBuffers()) {
              for (MessageDigest d : digests.values()) d.update(buffer.duplicate());
            }
          }
          return bytes;
        })
        .runWith(FileIO.toPath(temp), mat())
        .handle((io, error) -> {
          long written = error == null ? io.getCount() : -1;
          if (error != null || (expected != null && written != expected)) {
            try {
              Files.deleteIfExists(temp);
            } catch (IOException ignored) {
              // nothing more to do
            }
            throw new CompletionException(DavError.badRequest("Expected filesize of " + (expected == null ? "?" : expected)
                + " bytes but read (from Nextcloud client) and wrote (to Nextcloud storage) "
                + (written < 0 ? "fewer" : written) + " bytes. Could either be a network problem on the sending side or"
                + " a problem writing to the storage on the server side."));
          }
          Map<String, String> hex = new LinkedHashMap<>();
          digests.forEach((name, d) -> hex.put(name, HexFormat.of().formatHex(d.digest())));
          return new Received(temp, written, hex);
        });
  }

  /** Reads a small body (PROPFIND, PROPPATCH, LOCK) into memory, at most 1 MiB. */
  CompletionStage<byte[]> smallBody(Exchange ex) {
    ex.bodyTaken = true;
    return ex.request.entity().withSizeLimit(1 << 20).toStrict(30_000, mat())
        .thenApply(strict -> strict.getData().toArray())
        .exceptionally(error -> {
          throw new CompletionException(DavError.badRequest("Request body unreadable or larger than 1 MiB"));
        });
  }

  /** Drops an unread request body so the connection can carry the next request. */
  void discard(Exchange ex) {
    if (ex.bodyTaken) return;
    ex.bodyTaken = true;
    ex.request.discardEntityBytes(mat());
  }
}
