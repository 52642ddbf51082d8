package io.ncsync.protocol.testing.nextcloud;

import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import io.ncsync.protocol.testing.nextcloud.Xml.QName;
import io.ncsync.protocol.testing.nextcloud.Xml.Value;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Chunked upload v2: {@code /remote.php/dav/uploads/{user}/{transferId}/...}.
 *
 * <ol>
 *   <li>MKCOL the transfer folder (with {@code Destination}, optionally {@code OC-Total-Length}) → 201.</li>
 *   <li>PUT numbered chunks (names of digits; at most 10,000 chunks, at most 5 GiB each) → 201.</li>
 *   <li>MOVE {@code .file} to the destination → the chunks are concatenated in natural (numeric) name order into a
 *       staging file, checked against {@code OC-Total-Length} (400) and the minimum chunk size (every chunk but the
 *       last at least {@code Options.minChunkSize}, else 400), the {@code If: <dest> (["etag"])} guard (412), then
 *       renamed over the destination atomically → 201/204 with OC-FileId, OC-ETag, ETag, X-OC-MTime: accepted.</li>
 *   <li>DELETE the transfer folder aborts; PROPFIND Depth 1 lists the chunks so a client can resume.</li>
 * </ol>
 * A second MOVE while one is assembling answers 423, as do the first N when {@link Faults#moveLocked(int)} is set.
 */
final class UploadsDav {
  static final long MAX_CHUNK_BYTES = 5L << 30;
  static final int MAX_CHUNKS = 10_000;

  private static final class Session {
    final String id;
    final Path dir;
    volatile String destination;
    volatile Long totalLength;
    final AtomicBoolean assembling = new AtomicBoolean();

    Session(String id, Path dir) {
      this.id = id;
      this.dir = dir;
    }
  }

  private final Ctx ctx;
  private final FilesDav files;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  UploadsDav(Ctx ctx, FilesDav files) {
    this.ctx = ctx;
    this.files = files;
  }

  /** @param rest the decoded segments after {@code uploads/{user}} */
  CompletionStage<HttpResponse> handle(Exchange ex, String hrefBase, List<String> rest) {
    if (!ctx.options().chunking()) {
      ctx.discard(ex);
      throw DavError.notFound("Chunked upload is disabled on this server");
    }
    if (ex.method.equals("OPTIONS")) {
      ctx.discard(ex);
      return CompletableFuture.completedFuture(FilesDav.options());
    }
    if (rest.isEmpty()) {
      if (ex.method.equals("PROPFIND")) return ctx.smallBody(ex).thenCompose(b -> ctx.async(() -> propfindHome(ex, hrefBase, b)));
      ctx.discard(ex);
      throw DavError.methodNotAllowed(ex.method + " is not allowed on the uploads home");
    }
    String transferId = rest.get(0);
    if (rest.size() == 1) {
      switch (ex.method) {
        case "MKCOL":
          ctx.discard(ex);
          return ctx.async(() -> mkcol(ex, transferId));
        case "PROPFIND":
          return ctx.smallBody(ex).thenCompose(b -> ctx.async(() -> propfindSession(ex, hrefBase, transferId, b)));
        case "DELETE":
          ctx.discard(ex);
          return ctx.async(() -> abort(transferId));
        default:
          ctx.discard(ex);
          throw DavError.methodNotAllowed(ex.method + " is not allowed on an upload folder");
      }
    }
    if (rest.size() > 2) {
      ctx.discard(ex);
      throw DavError.notFound("Upload folders are flat");
    }
    String name = rest.get(1);
    if (name.equals(".file")) {
      ctx.discard(ex);
      if (!ex.method.equals("MOVE")) throw DavError.methodNotAllowed(".file can only be moved");
      return ctx.async(() -> assemble(ex, transferId));
    }
    return switch (ex.method) {
      case "PUT" -> putChunk(ex, transferId, name);
      case "DELETE" -> {
        ctx.discard(ex);
        yield ctx.async(() -> deleteChunk(transferId, name));
      }
      case "PROPFIND" -> ctx.smallBody(ex).thenCompose(b -> ctx.async(() -> propfindChunk(ex, hrefBase, transferId, name, b)));
      default -> {
        ctx.discard(ex);
        throw DavError.methodNotAllowed(ex.method + " is not allowed on a chunk");
      }
    };
  }

  /** The session of a transfer id, adopting an upload folder left on disk by an earlier run. */
  private Session session(String transferId) {
    Paths.requireValidName(transferId);
    Session s = sessions.get(transferId);
    if (s != null && Files.isDirectory(s.dir)) return s;
    Path dir = ctx.store().uploadsDir.resolve(transferId);
    if (!Files.isDirectory(dir)) {
      sessions.remove(transferId);
      return null;
    }
    return sessions.computeIfAbsent(transferId, id -> new Session(id, dir));
  }

  private HttpResponse mkcol(Exchange ex, String transferId) {
    Paths.requireValidName(transferId);
    synchronized (sessions) {
      if (session(transferId) != null) throw DavError.methodNotAllowed("The resource you tried to create already exists");
      Session s = new Session(transferId, ctx.store().uploadsDir.resolve(transferId));
      rememberDestination(ex, s);
      try {
        Files.createDirectory(s.dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      sessions.put(transferId, s);
    }
    return Http.empty(201);
  }

  private void rememberDestination(Exchange ex, Session s) {
    String destination = ex.header("Destination");
    if (destination != null) {
      String path = FilesDav.filesPathOf(destination, ctx.store().userId);
      if (path == null || path.isEmpty()) throw DavError.badRequest("Destination must be a file of this user: " + destination);
      s.destination = path;
    }
    Long total = FilesDav.longHeader(ex, "OC-Total-Length");
    if (total != null) {
      s.totalLength = total;
      ctx.store().requireSpace(total);
    }
  }

  private CompletionStage<HttpResponse> putChunk(Exchange ex, String transferId, String name) {
    Session s = session(transferId);
    if (s == null) {
      ctx.discard(ex);
      throw DavError.conflict("Files cannot be created in non-existent collections");
    }
    if (!name.matches("\\d{1,20}")) {
      ctx.discard(ex);
      throw DavError.badRequest("Invalid chunk name, must be numeric");
    }
    long length = ex.request.entity().getContentLengthOption().orElse(0);
    if (length > MAX_CHUNK_BYTES) {
      ctx.discard(ex);
      throw DavError.badRequest("Chunk is larger than 5 GiB");
    }
    if (!Files.exists(s.dir.resolve(name)) && chunkNames(s).size() >= MAX_CHUNKS) {
      ctx.discard(ex);
      throw DavError.badRequest("An upload may have at most " + MAX_CHUNKS + " chunks");
    }
    rememberDestination(ex, s);
    return ctx.receive(ex, List.of()).thenCompose(received -> ctx.async(() -> {
      try {
        Path target = s.dir.resolve(name);
        Store.move(received.file(), target);
        String etag = ctx.store().newEtag();
        return Http.empty(201, List.of(Http.header("ETag", Http.quote(etag)), Http.header("OC-ETag", Http.quote(etag))));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        received.delete();
      }
    }));
  }

  private HttpResponse deleteChunk(String transferId, String name) {
    Session s = session(transferId);
    if (s == null) throw DavError.notFound("Upload " + transferId + " not found");
    try {
      if (!Files.deleteIfExists(s.dir.resolve(name))) throw DavError.notFound("Chunk " + name + " not found");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Http.empty(204);
  }

  private HttpResponse abort(String transferId) {
    Session s = session(transferId);
    if (s == null) throw DavError.notFound("Upload " + transferId + " not found");
    if (s.assembling.get()) throw DavError.locked("The upload is being assembled");
    Store.deleteRecursively(s.dir);
    sessions.remove(transferId);
    return Http.empty(204);
  }

  /** Chunk file names in assembly order: numeric order (Nextcloud sorts naturally). */
  private static List<String> chunkNames(Session s) {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(s.dir)) {
      for (Path p : stream) {
        String n = p.getFileName().toString();
        if (n.matches("\\d{1,20}")) names.add(n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    names.sort(Comparator.comparing((String n) -> new java.math.BigInteger(n)).thenComparing(n -> n));
    return names;
  }

  // ---- Assembly ----------------------------------------------------------------------------------------------------

  private HttpResponse assemble(Exchange ex, String transferId) {
    Session s = session(transferId);
    if (s == null) throw DavError.notFound("Upload " + transferId + " not found");
    String destinationHeader = ex.header("Destination");
    if (destinationHeader == null) throw DavError.badRequest("The destination header was not supplied");
    String destination = FilesDav.filesPathOf(destinationHeader, ctx.store().userId);
    if (destination == null || destination.isEmpty()) {
      throw DavError.forbidden("Requested uri (" + destinationHeader + ") is out of base uri");
    }
    Paths.requireValidName(Store.lastSegment(destination));
    Long mtime = Http.unixTime(ex, "X-OC-MTime");
    Long ctime = Http.unixTime(ex, "X-OC-CTime");
    Long total = FilesDav.longHeader(ex, "OC-Total-Length");
    if (total == null) total = s.totalLength;
    if (ctx.faults().takeMoveLocked()) throw DavError.locked("\"" + Store.lastSegment(destination) + "\" is locked (assembling)");
    if (ctx.faults().moveFailsInBodyOn()) {
      return Http.xml(200, Xml.error(DavError.of(500, "Sabre\\DAV\\Exception", "Could not assemble the upload")), List.of());
    }
    if (!s.assembling.compareAndSet(false, true)) throw DavError.locked("The upload is already being assembled");
    Path staged = null;
    try {
      // Fail fast on a stale guard before the (possibly long) concatenation; checked again at commit.
      Store.Entry current = ctx.store().stat(destination);
      // If-Match here applies to the .file node (the upload folder), never to the destination: only * holds.
      String ifMatch = ex.header("If-Match");
      if (ifMatch != null && !ifMatch.strip().equals("*")) {
        throw DavError.preconditionFailed("An If-Match header was specified, but none of the specified ETags matched.");
      }
      Http.checkIfHeader(ex, current, files::resolve);
      List<String> names = chunkNames(s);
      long sum = 0;
      long min = ctx.options().minChunkSize();
      for (int i = 0; i < names.size(); i++) {
        long size = Files.size(s.dir.resolve(names.get(i)));
        if (i < names.size() - 1 && size < min) {
          throw DavError.badRequest("Chunk " + names.get(i) + " has " + size + " bytes; every chunk but the last must"
              + " have at least " + min + " bytes");
        }
        sum += size;
      }
      if (total != null && total != sum) {
        throw DavError.badRequest("Chunks on server do not sum up to " + total + " but to " + sum + " bytes");
      }
      ctx.store().requireSpace(sum - (current == null || current.dir() ? 0 : current.size()));
      staged = Files.createTempFile(ctx.store().stagingDir, "assembly-", ".part", Ctx.FILE_MODE);
      concatenate(s.dir, names, staged);
      Store.Written written = ctx.store().writeFile(destination, staged,
          new Store.WriteMeta(mtime, ctime, FilesDav.checksumHeader(ex)),
          entry -> Http.checkIfHeader(ex, entry, files::resolve), false);
      Store.deleteRecursively(s.dir);
      sessions.remove(transferId);
      if (ctx.faults().takeMoveAssemblesThenFails()) {
        return Http.xml(504, Xml.error(DavError.of(504, "Sabre\\DAV\\Exception", "Gateway Timeout (fault)")), List.of());
      }
      if (ctx.faults().moveWithoutHeadersOn()) {
        return Http.xml(200, Xml.error(DavError.of(500, "Sabre\\DAV\\Exception", "Upload assembled, answer lost")), List.of());
      }
      List<HttpHeader> headers = Http.writeHeaders(ctx.store(), written.entry());
      if (mtime != null) headers.add(Http.header("X-OC-MTime", "accepted"));
      if (ctime != null) headers.add(Http.header("X-OC-CTime", "accepted"));
      return Http.empty(written.created() ? 201 : 204, headers);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      s.assembling.set(false);
      if (staged != null) {
        try {
          Files.deleteIfExists(staged);
        } catch (IOException ignored) {
          // staging is cleaned on close
        }
      }
    }
  }

  /**
   * Copies the chunks one after another into {@code target}, as Nextcloud's assembly stream does; the copying is left
   * to the kernel (FileChannel.transferTo) instead of going through an 8 KiB buffer.
   */
  private static void concatenate(Path dir, List<String> names, Path target) throws IOException {
    try (FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
      for (String name : names) {
        try (FileChannel in = FileChannel.open(dir.resolve(name), StandardOpenOption.READ)) {
          long size = in.size();
          for (long done = 0; done < size; ) done += in.transferTo(done, size - done, out);
        }
      }
    }
  }

  // ---- PROPFIND ----------------------------------------------------------------------------------------------------

  private HttpResponse propfindHome(Exchange ex, String hrefBase, byte[] body) {
    Xml.PropRequest request = Xml.parsePropfind(body);
    Xml.Multistatus ms = new Xml.Multistatus(Http.minimal(ex));
    respond(ms, request, hrefBase, Files.isDirectory(ctx.store().uploadsDir) ? attrs(ctx.store().uploadsDir) : null, true);
    if (Http.depth(ex, 1) != 0) {
      try (DirectoryStream<Path> stream = Files.newDirectoryStream(ctx.store().uploadsDir)) {
        for (Path dir : stream) {
          respond(ms, request, hrefBase + Paths.encode(dir.getFileName().toString()) + "/", attrs(dir), true);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return Http.xml(207, ms.build(), List.of());
  }

  private HttpResponse propfindSession(Exchange ex, String hrefBase, String transferId, byte[] body) {
    Session s = session(transferId);
    if (s == null) throw DavError.notFound("Upload " + transferId + " not found");
    Xml.PropRequest request = Xml.parsePropfind(body);
    Xml.Multistatus ms = new Xml.Multistatus(Http.minimal(ex));
    String folderHref = hrefBase + Paths.encode(transferId) + "/";
    respond(ms, request, folderHref, attrs(s.dir), true);
    if (Http.depth(ex, 1) != 0) {
      for (String name : chunkNames(s)) respond(ms, request, folderHref + name, attrs(s.dir.resolve(name)), false);
    }
    return Http.xml(207, ms.build(), List.of());
  }

  private HttpResponse propfindChunk(Exchange ex, String hrefBase, String transferId, String name, byte[] body) {
    Session s = session(transferId);
    Path chunk = s == null ? null : s.dir.resolve(name);
    if (chunk == null || !Files.isRegularFile(chunk)) throw DavError.notFound("Chunk " + name + " not found");
    Xml.Multistatus ms = new Xml.Multistatus(Http.minimal(ex));
    respond(ms, Xml.parsePropfind(body), hrefBase + Paths.encode(transferId) + "/" + Paths.encode(name), attrs(chunk), false);
    return Http.xml(207, ms.build(), List.of());
  }

  private static BasicFileAttributes attrs(Path p) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void respond(Xml.Multistatus ms, Xml.PropRequest request, String href, BasicFileAttributes a,
                              boolean collection) {
    List<QName> names = request.allProp()
        ? List.of(QName.dav("resourcetype"), QName.dav("getcontentlength"), QName.dav("getlastmodified"), QName.dav("getetag"))
        : request.names();
    Map<QName, Value> found = new LinkedHashMap<>();
    List<QName> missing = new ArrayList<>();
    for (QName name : names) {
      Value v = null;
      if (name.ns().equals(Xml.DAV)) {
        v = switch (name.local()) {
          case "resourcetype" -> collection ? new Value("<d:collection/>") : Value.EMPTY;
          case "getcontentlength" -> collection ? null : Value.text(Long.toString(a.size()));
          case "getlastmodified" -> Value.text(Http.httpDate(a.lastModifiedTime().toMillis()));
          case "getetag" -> Value.text(Http.quote(Long.toHexString(a.lastModifiedTime().toMillis()) + Long.toHexString(a.size())));
          default -> null;
        };
      } else if (name.equals(QName.oc("size"))) {
        v = Value.text(Long.toString(collection ? 0 : a.size()));
      }
      if (v != null) found.put(name, v);
      else if (!request.allProp()) missing.add(name);
    }
    ms.response(href, found, missing);
  }
}
