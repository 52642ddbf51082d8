package io.ncsync.protocol;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import akka.util.ByteStringBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ncsync.protocol.http.HttpTransport;
import io.ncsync.protocol.http.HttpTransport.Call;
import io.ncsync.protocol.nextcloud.NextcloudFeatures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.stream.IntStream;

/**
 * Uploads a batch of new files: small ones in Nextcloud bulk requests ({@code POST /remote.php/dav/bulk},
 * multipart/related with CRLF framing; per part {@code Content-Length}, {@code X-File-Path}, {@code X-File-MD5},
 * {@code OC-Checksum}, {@code X-File-Mtime}), the others with If-None-Match: * PUTs. Every entry of the bulk answer is
 * checked; a file the answer does not mention is looked up. A bulk request the server refuses as a whole (404, 405,
 * 501, 400) sends its files one by one instead.
 *
 * <p>A bulk request holds its files in memory: at most {@link TransferSettings#bulkMaxBytes()}, files of at most
 * {@link TransferSettings#bulkMaxFileBytes()} each.
 */
final class BatchUploader {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int SINGLE_UPLOAD_PARALLELISM = 4;
  private static final long MAX_ANSWER_BYTES = 16L << 20;

  private final AkkaHttpRemoteStore store;
  private final NextcloudFeatures features;
  private final TransferSettings transfers;
  private final HttpTransport transport;

  BatchUploader(AkkaHttpRemoteStore store) {
    this.store = store;
    this.features = store.features();
    this.transfers = store.settings().transfers();
    this.transport = store.shared().transport();
  }

  private record Prepared(int index, BatchUpload file, String remotePath, LocalFile local) {}

  /** What one part of a bulk request carried: the checksum Nextcloud stores, and the SHA-256 of the bytes. */
  private record Sent(String checksum, String sha256) {}

  CompletionStage<List<BatchUploadResult>> upload(List<BatchUpload> files) {
    BatchUploadResult[] results = new BatchUploadResult[files.size()];
    String rootPath = features.nextcloud() && features.bulkUpload() ? storeRootUnderUserFiles() : null;
    List<Prepared> bulk = new ArrayList<>();
    List<Integer> single = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      BatchUpload file = files.get(i);
      String unsafe = unsafeReason(file.path());
      if (unsafe != null) {
        results[i] = new BatchUploadResult(file.path(), null,
            new DavException(DavError.HOSTILE_NAME, 0, "upload of " + RemotePaths.printable(file.path()) + ": " + unsafe));
        continue;
      }
      LocalFile local;
      try {
        local = LocalFile.read(file.source());
      } catch (IOException e) {
        results[i] = new BatchUploadResult(file.path(), null, e);
        continue;
      }
      if (rootPath != null && local.size() <= transfers.bulkMaxFileBytes()) {
        bulk.add(new Prepared(i, file, "/" + RemotePaths.join(rootPath, file.path()), local));
      } else {
        single.add(i);
      }
    }
    CompletionStage<Void> bulkDone = CompletableFuture.completedFuture(null);
    for (List<Prepared> batch : batches(bulk)) {
      bulkDone = bulkDone.thenCompose(d -> sendBulk(batch, results).thenCompose(refused -> uploadSingly(
          refused.stream().map(Prepared::index).toList(), files, results)));
    }
    return bulkDone
        .thenCompose(d -> uploadSingly(single, files, results))
        .thenApply(d -> List.copyOf(Arrays.asList(results)));
  }

  private static String unsafeReason(String path) {
    if (path.isEmpty()) return "empty path";
    for (String segment : path.split("/", -1)) {
      String reason = RemotePaths.unsafeReason(segment);
      if (reason != null) return reason;
    }
    return null;
  }

  private List<List<Prepared>> batches(List<Prepared> files) {
    List<List<Prepared>> batches = new ArrayList<>();
    List<Prepared> current = new ArrayList<>();
    long bytes = 0;
    for (Prepared file : files) {
      if (!current.isEmpty() && (current.size() >= transfers.bulkMaxFiles() || bytes + file.local.size() > transfers.bulkMaxBytes())) {
        batches.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(file);
      bytes += file.local.size();
    }
    if (!current.isEmpty()) batches.add(current);
    return batches;
  }

  /** Path of the store's root below the user's files root ("" for the root itself), or null when it is not below it. */
  private String storeRootUnderUserFiles() {
    String root = store.endpoint().root().getRawPath();
    String files = features.filesRoot().getRawPath();
    if (!root.startsWith(files)) return null;
    String rest = root.substring(files.length());
    if (rest.endsWith("/")) rest = rest.substring(0, rest.length() - 1);
    if (rest.isEmpty()) return "";
    List<String> segments = new ArrayList<>();
    for (String raw : rest.split("/")) segments.add(UrlPaths.decodeSegment(raw));
    return String.join("/", segments);
  }

  private CompletionStage<Void> uploadSingly(List<Integer> indices, List<BatchUpload> files, BatchUploadResult[] results) {
    if (indices.isEmpty()) return CompletableFuture.completedFuture(null);
    return Source.from(indices)
        .mapAsync(SINGLE_UPLOAD_PARALLELISM, i -> {
          BatchUpload file = files.get(i);
          return store.upload(file.path(), file.source(), UploadOptions.createOnly()).handle((result, error) -> {
            results[i] = error == null
                ? new BatchUploadResult(file.path(), result, null)
                : new BatchUploadResult(file.path(), null, asException(error));
            return i;
          });
        })
        .runWith(Sink.ignore(), transport.materializer())
        .thenApply(done -> null);
  }

  /** Sends one bulk request; completes with the files to send singly because the server refused bulk as a whole. */
  private CompletionStage<List<Prepared>> sendBulk(List<Prepared> batch, BatchUploadResult[] results) {
    return readAll(batch).thenCompose(contents -> {
      String boundary = "ncsync-bulk-" + HexFormat.of().formatHex(randomBytes());
      ByteStringBuilder body = ByteString.createBuilder();
      List<Sent> sent = new ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        Prepared file = batch.get(i);
        ByteString content = contents.get(i);
        Checksums.Digest md5 = Checksums.digest("MD5");
        md5.update(content);
        Checksums.Digest preferred = Checksums.digest(features.checksumType());
        preferred.update(content);
        String checksum = preferred.result();
        Checksums.Digest sha256 = Checksums.digest("SHA256");
        sha256.update(content);
        sent.add(new Sent(checksum, sha256.result().substring("SHA256:".length())));
        StringBuilder head = new StringBuilder();
        head.append("--").append(boundary).append("\r\n")
            .append("X-File-Path: ").append(file.remotePath).append("\r\n")
            .append("X-File-MD5: ").append(md5.result().substring("MD5:".length())).append("\r\n")
            .append("OC-Checksum: ").append(checksum).append("\r\n");
        if (file.local.mtimeSendable()) head.append("X-File-Mtime: ").append(file.local.mtimeSeconds()).append("\r\n");
        head.append("Content-Type: application/octet-stream\r\n")
            .append("Content-Length: ").append(content.size()).append("\r\n\r\n");
        body.append(ByteString.fromString(head.toString(), StandardCharsets.UTF_8)).append(content).append(ByteString.fromString("\r\n"));
      }
      body.append(ByteString.fromString("--" + boundary + "--\r\n"));
      ByteString entity = body.result();
      ContentType type = ContentTypes.parse("multipart/related; boundary=" + boundary);
      String what = "POST bulk upload of " + batch.size() + " files";
      String url = features.bulkEndpoint().toASCIIString();
      return transport.sendStrict(() -> HttpRequest.create(url).withMethod(HttpMethods.POST)
                  .withEntity(HttpEntities.create(type, entity)),
              Call.unsafe(what, store.settings().transferTimeout(entity.size())), MAX_ANSWER_BYTES)
          .thenCompose(response -> {
            int status = response.status();
            if (status == 400 || status == 404 || status == 405 || status == 501) {
              return CompletableFuture.completedFuture(batch); // bulk upload not available here
            }
            if (status != 200) {
              DavException failure = HttpTransport.failure(what, response);
              for (Prepared file : batch) results[file.index] = new BatchUploadResult(file.file.path(), null, failure);
              return CompletableFuture.completedFuture(List.<Prepared>of());
            }
            return readAnswer(what, response.body(), batch, sent, results).thenApply(d -> List.<Prepared>of());
          });
    }).exceptionally(error -> {
      Exception failure = asException(error);
      for (Prepared file : batch) results[file.index] = new BatchUploadResult(file.file.path(), null, failure);
      return List.of();
    });
  }

  private CompletionStage<Void> readAnswer(String what, byte[] body, List<Prepared> batch, List<Sent> sent,
      BatchUploadResult[] results) {
    JsonNode answer;
    try {
      answer = JSON.readTree(body);
    } catch (IOException | RuntimeException e) {
      answer = null;
    }
    if (answer == null || !answer.isObject()) {
      DavException failure = new DavException(DavError.MALFORMED_RESPONSE, 200, what + ": the answer is not a JSON object");
      // Some files may have landed: look each one up rather than guess.
      return lookUp(batch, sent, results, failure);
    }
    List<Prepared> unreported = new ArrayList<>();
    List<Sent> unreportedSent = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      Prepared file = batch.get(i);
      JsonNode entry = entryFor(answer, file.remotePath);
      if (entry == null) {
        unreported.add(file);
        unreportedSent.add(sent.get(i));
      } else if (entry.path("error").asBoolean(true)) {
        String message = entry.path("message").asText("no reason given");
        results[file.index] = new BatchUploadResult(file.file.path(), null,
            new DavException(classifyMessage(message), 200, "bulk upload of " + RemotePaths.printable(file.file.path())
                + ": the server refused it: " + message));
      } else {
        String etag = ETags.normalize(entry.path("etag").asText(null));
        String fileId = entry.hasNonNull("fileid") ? entry.path("fileid").asText() : null;
        results[file.index] = new BatchUploadResult(file.file.path(), new UploadResult(true, etag, fileId,
            sent.get(i).checksum(), file.local.size(), file.local.mtimeSendable(), sent.get(i).sha256()), null);
      }
    }
    DavException unreportedFailure = new DavException(DavError.MALFORMED_RESPONSE, 200,
        what + ": the answer does not mention this file, and it is not on the server");
    return lookUp(unreported, unreportedSent, results, unreportedFailure);
  }

  private static JsonNode entryFor(JsonNode answer, String remotePath) {
    JsonNode entry = answer.get(remotePath);
    if (entry == null && remotePath.startsWith("/")) entry = answer.get(remotePath.substring(1));
    return entry;
  }

  /** Files the answer does not vouch for: a stat decides whether they landed. */
  private CompletionStage<Void> lookUp(List<Prepared> files, List<Sent> sent, BatchUploadResult[] results,
      DavException failure) {
    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
    for (int i = 0; i < files.size(); i++) {
      Prepared file = files.get(i);
      Sent part = sent.get(i);
      chain = chain.thenCompose(d -> store.stat(file.file.path()).handle((entry, error) -> {
        results[file.index] = error == null && ContentIdentity.holds(entry, file.local.size(), part.checksum())
            ? new BatchUploadResult(file.file.path(), new UploadResult(true, entry.etag(), entry.fileId(),
                part.checksum(), file.local.size(), false, part.sha256()), null)
            : new BatchUploadResult(file.file.path(), null, failure);
        return null;
      }));
    }
    return chain;
  }

  private static DavError classifyMessage(String message) {
    String lower = message.toLowerCase(Locale.ROOT);
    if (lower.contains("quota") || lower.contains("insufficient") || lower.contains("not enough space")) {
      return DavError.INSUFFICIENT_STORAGE;
    }
    if (lower.contains("lock")) return DavError.LOCKED;
    if (lower.contains("permission") || lower.contains("forbidden") || lower.contains("not allowed")) return DavError.FORBIDDEN;
    if (lower.contains("invalid") || lower.contains("name")) return DavError.HOSTILE_NAME;
    return DavError.UNEXPECTED_STATUS;
  }

  private CompletionStage<List<ByteString>> readAll(List<Prepared> batch) {
    List<CompletableFuture<ByteString>> reads = new ArrayList<>();
    for (Prepared file : batch) {
      reads.add(FileBytes.of(file.file.source())
          .runFold(ByteString.emptyByteString(), ByteString::concat, transport.materializer())
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(d -> IntStream.range(0, reads.size()).mapToObj(i -> reads.get(i).join()).toList());
  }

  private static Exception asException(Throwable error) {
    Throwable cause = AkkaHttpRemoteStore.unwrap(error);
    if (cause instanceof Exception e) return e;
    return new CompletionException(cause);
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
