package io.ncsync.protocol.testing.nextcloud;

import akka.http.javadsl.model.HttpResponse;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Bulk upload: {@code POST /remote.php/dav/bulk}, {@code multipart/related}, as Nextcloud's BulkUploadPlugin and
 * MultipartRequestParser handle it.
 *
 * <p>Each part: {@code Content-Length} (required), {@code X-File-Path} (relative to the user's root, a leading '/'
 * allowed; parents must exist), a hash ({@code X-File-MD5} and/or {@code OC-Checksum: MD5|SHA1|SHA256:<hex>}, one is
 * required and it is verified), optional {@code X-File-Mtime} (or {@code X-OC-MTime}). The answer is 200 with a JSON
 * object keyed by X-File-Path as sent: {@code {"error":false,"etag","fileid","permissions"}} or
 * {@code {"error":true,"message"}} for a part that could not be written (missing folder, invalid name, quota).
 *
 * <p>Like Nextcloud, a part that cannot be parsed (framing, missing headers) or whose hash does not match stops the
 * whole request: 400 with the JSON of the parts written before it; that part and the ones after it are not written.
 */
final class BulkUpload {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Ctx ctx;

  BulkUpload(Ctx ctx) {
    this.ctx = ctx;
  }

  CompletionStage<HttpResponse> handle(Exchange ex) {
    if (!ctx.options().bulkUpload()) {
      ctx.discard(ex);
      throw DavError.notFound("Bulk upload is disabled on this server");
    }
    if (!ex.method.equals("POST")) {
      ctx.discard(ex);
      throw DavError.methodNotAllowed("Only POST is allowed on the bulk endpoint");
    }
    String boundary = boundary(ex.request.entity().getContentType().toString());
    return ctx.receive(ex, List.of()).thenCompose(received -> ctx.async(() -> {
      try (InputStream in = new BufferedInputStream(Files.newInputStream(received.file()), 1 << 16)) {
        return parse(in, boundary);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        received.delete();
      }
    }));
  }

  static String boundary(String contentType) {
    String[] parts = contentType.split(";");
    if (!parts[0].strip().equalsIgnoreCase("multipart/related")) {
      throw DavError.badRequest("Content-Type must be multipart/related");
    }
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].strip();
      int eq = p.indexOf('=');
      if (eq > 0 && p.substring(0, eq).strip().equalsIgnoreCase("boundary")) {
        String value = p.substring(eq + 1).strip();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) value = value.substring(1, value.length() - 1);
        if (!value.isEmpty()) return value;
      }
    }
    throw DavError.badRequest("Boundary is invalid");
  }

  private HttpResponse parse(InputStream in, String boundary) throws IOException {
    byte[] delimiter = ("--" + boundary + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    byte[] last = ("--" + boundary + "--").getBytes(StandardCharsets.ISO_8859_1);
    ObjectNode written = JSON.createObjectNode();
    while (true) {
      in.mark(last.length + 2);
      byte[] head = in.readNBytes(last.length);
      in.reset();
      if (java.util.Arrays.equals(head, last)) break;
      Map<String, String> headers;
      Path part = null;
      try {
        byte[] start = in.readNBytes(delimiter.length);
        if (!java.util.Arrays.equals(start, delimiter)) throw new ParseError("Boundary not found where it should be.");
        headers = readHeaders(in);
        String lengthHeader = headers.get("content-length");
        if (lengthHeader == null) throw new ParseError("The Content-Length header must not be null.");
        String md5 = headers.get("x-file-md5");
        String checksum = headers.get("oc-checksum");
        if (md5 == null && checksum == null) throw new ParseError("The hash headers must not be null.");
        long length;
        try {
          length = Long.parseLong(lengthHeader.strip());
        } catch (NumberFormatException e) {
          throw new ParseError("The Content-Length header must be a number.");
        }
        String algorithm;
        String expected;
        if (checksum != null && checksum.contains(":")) {
          algorithm = switch (checksum.substring(0, checksum.indexOf(':')).strip().toLowerCase(Locale.ROOT)) {
            case "md5" -> "MD5";
            case "sha1" -> "SHA-1";
            case "sha256" -> "SHA-256";
            case "sha512" -> "SHA-512";
            default -> throw new ParseError("Unsupported checksum algorithm: " + checksum);
          };
          expected = checksum.substring(checksum.indexOf(':') + 1).strip().toLowerCase(Locale.ROOT);
        } else {
          algorithm = "MD5";
          expected = md5 == null ? "" : md5.strip().toLowerCase(Locale.ROOT);
        }
        part = Files.createTempFile(ctx.store().stagingDir, "bulk-", ".part", Ctx.FILE_MODE);
        MessageDigest digest = MessageDigest.getInstance(algorithm);
        try (OutputStream out = Files.newOutputStream(part)) {
          byte[] buffer = new byte[1 << 16];
          long left = length;
          while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) throw new ParseError("Unexpected EOF while reading stream.");
            digest.update(buffer, 0, n);
            out.write(buffer, 0, n);
            left -= n;
          }
        }
        String computed = HexFormat.of().formatHex(digest.digest());
        if (!computed.equals(expected)) {
          throw new ParseError("Computed " + algorithm.toLowerCase(Locale.ROOT).replace("-", "") + " hash is incorrect ("
              + computed + ").");
        }
        byte[] crlf = in.readNBytes(2);
        if (crlf.length != 2 || crlf[0] != '\r' || crlf[1] != '\n') throw new ParseError("Part content not followed by CRLF");
      } catch (ParseError e) {
        if (part != null) Files.deleteIfExists(part);
        return Http.json(400, JSON.writeValueAsString(written), List.of());
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      writePart(headers, part, written);
    }
    return Http.json(200, JSON.writeValueAsString(written), List.of());
  }

  private void writePart(Map<String, String> headers, Path part, ObjectNode written) throws IOException {
    String rawPath = headers.getOrDefault("x-file-path", "");
    try {
      String path = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
      if (path.isEmpty()) throw DavError.forbidden("Could not create as provided path is empty");
      Paths.requireValidPath(path);
      String mtimeHeader = headers.containsKey("x-file-mtime") ? headers.get("x-file-mtime") : headers.get("x-oc-mtime");
      Long mtime = mtimeHeader == null ? null : Http.sanitizeMtime(mtimeHeader, "X-File-MTime");
      Store.Written w = ctx.store().writeFile(path, part, new Store.WriteMeta(mtime, null, null), e -> { }, false);
      ObjectNode entry = written.putObject(rawPath);
      entry.put("error", false);
      entry.put("etag", w.entry().etag());
      entry.put("fileid", ctx.store().ocId(w.entry().fileId()));
      entry.put("permissions", "RGDNVW");
    } catch (DavError e) {
      ObjectNode entry = written.putObject(rawPath);
      entry.put("error", true);
      entry.put("message", e.status == 409 ? "Could not create path \"/" + ctx.store().userId + "/files/"
          + (rawPath.startsWith("/") ? rawPath.substring(1) : rawPath) + "\"" : e.getMessage());
    } finally {
      Files.deleteIfExists(part);
    }
  }

  /** Part headers up to the empty line; names lowercased. */
  private static Map<String, String> readHeaders(InputStream in) throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    while (true) {
      String line = readLine(in);
      if (line == null) throw new ParseError("An error occurred while reading headers of a part");
      if (line.isEmpty()) return headers;
      int colon = line.indexOf(':');
      if (colon < 0) throw new ParseError("An error occurred while reading headers of a part");
      headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int previous = -1;
    while (true) {
      int c = in.read();
      if (c < 0) return null;
      if (c == '\n' && previous == '\r') {
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
      }
      if (line.size() > 64 * 1024) throw new ParseError("Part header line too long");
      line.write(c);
      previous = c;
    }
  }

  private static final class ParseError extends RuntimeException {
    ParseError(String message) {
      super(message, null, false, false);
    }
  }
}
