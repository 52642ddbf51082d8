package io.ncsync.protocol.testing.nextcloud;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.stream.javadsl.Source;
import akka.stream.javadsl.StreamConverters;
import akka.util.ByteString;
import io.ncsync.protocol.testing.nextcloud.Xml.QName;
import io.ncsync.protocol.testing.nextcloud.Xml.Value;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The user's files: {@code /remote.php/dav/files/{user}/...} and the legacy {@code /remote.php/webdav/...}.
 *
 * <p>PROPFIND answers Depth 0, 1 and infinity (Nextcloud answers infinity by default too). Unknown properties come
 * back in a 404 propstat, as do properties a node does not have (getcontentlength of a folder, checksums of a file no
 * client gave one).
 */
final class FilesDav {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FilesDav.class);
  static final List<QName> ALLPROP = List.of(QName.dav("getlastmodified"), QName.dav("getetag"),
      QName.dav("getcontenttype"), QName.dav("resourcetype"), QName.dav("getcontentlength"), QName.oc("id"),
      QName.oc("fileid"), QName.oc("permissions"), QName.oc("size"), QName.dav("quota-used-bytes"),
      QName.dav("quota-available-bytes"));

  private final Ctx ctx;

  FilesDav(Ctx ctx) {
    this.ctx = ctx;
  }

  /**
   * @param hrefBase the URL path of the user's root, ending with '/' ({@code /remote.php/dav/files/alice/})
   * @param path     the decoded path below it, "" for the root
   */
  CompletionStage<HttpResponse> handle(Exchange ex, String hrefBase, String path) {
    switch (ex.method) {
      case "PROPFIND":
        return ctx.smallBody(ex).thenCompose(body -> ctx.async(() -> propfind(ex, hrefBase, path, body)));
      case "PROPPATCH":
        return ctx.smallBody(ex).thenCompose(body -> ctx.async(() -> proppatch(ex, hrefBase, path, body)));
      case "GET":
      case "HEAD":
        ctx.discard(ex);
        return ctx.async(() -> get(ex, path));
      case "PUT":
        return put(ex, path);
      case "MKCOL":
        ctx.discard(ex);
        return ctx.async(() -> mkcol(path));
      case "DELETE":
        ctx.discard(ex);
        return ctx.async(() -> delete(ex, path));
      case "MOVE":
      case "COPY":
        ctx.discard(ex);
        return ctx.async(() -> moveOrCopy(ex, path));
      case "LOCK":
      case "UNLOCK":
        return ctx.smallBody(ex).thenCompose(body -> ctx.async(() -> lock(ex, path)));
      case "OPTIONS":
        ctx.discard(ex);
        return CompletableFuture.completedFuture(options());
      default:
        ctx.discard(ex);
        throw DavError.notImplemented("There was no plugin in the system that was willing to handle this " + ex.method
            + " method.");
    }
  }

  static HttpResponse options() {
    return Http.empty(200, List.of(
        Http.header("DAV", "1, 3, extended-mkcol, nc-calendar-search, nc-enable-birthday-calendar"),
        Http.header("MS-Author-Via", "DAV"),
        Http.header("Allow", "OPTIONS, GET, HEAD, DELETE, PROPFIND, PUT, PROPPATCH, COPY, MOVE, REPORT, LOCK, UNLOCK"),
        Http.header("Accept-Ranges", "bytes")));
  }

  // ---- PROPFIND ----------------------------------------------------------------------------------------------------

  private HttpResponse propfind(Exchange ex, String hrefBase, String path, byte[] body) {
    if (log.isDebugEnabled()) {
      log.debug("PROPFIND {} Depth {} body: {}", path, ex.header("Depth"),
          new String(body, java.nio.charset.StandardCharsets.UTF_8).replaceAll("\\s+", " "));
    }
    Xml.PropRequest request = Xml.parsePropfind(body);
    int depth = Http.depth(ex, -1);
    List<Store.Entry> entries = ctx.store().list(path, depth);
    if (entries == null) throw DavError.notFound("File with name " + path + " could not be located");
    if (ctx.faults().minimalOn() && depth != 0 && !entries.isEmpty() && !entries.get(0).dir()) {
      throw DavError.of(500, "Sabre\\DAV\\Exception", "Depth 1 on a file (minimal server)");
    }
    Xml.Multistatus ms = new Xml.Multistatus(Http.minimal(ex));
    List<QName> names = request.allProp() ? ALLPROP : request.names();
    for (Store.Entry e : entries) {
      Map<QName, Value> found = new LinkedHashMap<>();
      List<QName> missing = new ArrayList<>();
      for (QName name : names) {
        Value v = property(e, name);
        if (v != null) found.put(name, v);
        else if (!request.allProp()) missing.add(name);
      }
      ms.response(href(hrefBase, e), found, missing);
    }
    return Http.xml(207, ms.build(), List.of(Http.header("Vary", "Brief,Prefer"), Http.header("DAV", "1, 3, extended-mkcol")));
  }

  static String href(String hrefBase, Store.Entry e) {
    if (e.path().isEmpty()) return hrefBase;
    return hrefBase + Paths.encode(e.path()) + (e.dir() ? "/" : "");
  }

  /** One property of a node in the files tree; null when the node does not have it (404 propstat). */
  Value property(Store.Entry e, QName name) {
    Store store = ctx.store();
    boolean locking = ctx.options().locking();
    if (name.ns().equals(Xml.DAV)) {
      return switch (name.local()) {
        case "getetag" -> Value.text(Http.quote(e.etag()));
        case "getlastmodified" -> Value.text(Http.httpDate(e.mtimeMillis()));
        case "getcontentlength" -> e.dir() ? null : Value.text(Long.toString(e.size()));
        case "resourcetype" -> e.dir() ? new Value("<d:collection/>") : Value.EMPTY;
        case "getcontenttype" -> e.dir() ? null : Value.text(Http.mimeType(e.name()));
        case "quota-used-bytes" -> e.dir() ? Value.text(Long.toString(e.size())) : null;
        case "quota-available-bytes" -> e.dir() ? Value.text(Long.toString(quotaAvailable())) : null;
        default -> null;
      };
    }
    if (name.ns().equals(Xml.OC)) {
      return switch (name.local()) {
        case "fileid" -> Value.text(Long.toString(e.fileId()));
        case "id" -> Value.text(store.ocId(e.fileId()));
        case "permissions" -> Value.text(e.dir() ? "RGDNVCK" : "RGDNVW");
        case "share-permissions" -> Value.text(e.dir() ? "31" : "19");
        case "size" -> Value.text(Long.toString(e.size()));
        case "checksums" -> e.dir() || e.checksum() == null || e.checksum().isEmpty() || ctx.faults().minimalOn() ? null
            : new Value("<oc:checksum>" + Xml.escape(e.checksum()) + "</oc:checksum>");
        // As Nextcloud's FilesPlugin: the system's one value (empty until set) on every node, not only the root.
        case "data-fingerprint" -> Value.text(store.dataFingerprint());
        case "share-types", "tags" -> Value.EMPTY;
        case "owner-id" -> Value.text(store.userId);
        case "owner-display-name" -> Value.text(store.displayName);
        case "favorite", "comments-unread", "comments-count" -> Value.text("0");
        default -> null;
      };
    }
    if (name.ns().equals(Xml.NC)) {
      return switch (name.local()) {
        case "has-preview" -> Value.text("false");
        case "mount-type" -> Value.EMPTY;
        case "is-encrypted" -> Value.text("0");
        case "is-mount-root" -> Value.text("false");
        case "upload_time" -> Value.text(Long.toString(e.uploadTime()));
        case "creation_time" -> Value.text(Long.toString(e.creationTime()));
        case "contained-folder-count", "contained-file-count" -> null;
        case "lock" -> locking ? Value.text(e.lock() != null ? "1" : "") : null;
        case "lock-owner" -> locking && e.lock() != null ? Value.text(e.lock().owner()) : null;
        case "lock-owner-displayname" -> locking && e.lock() != null ? Value.text(e.lock().ownerDisplayName()) : null;
        case "lock-owner-type" -> locking && e.lock() != null ? Value.text(Integer.toString(e.lock().type())) : null;
        case "lock-owner-editor" -> locking && e.lock() != null ? Value.text("") : null;
        case "lock-time" -> locking && e.lock() != null ? Value.text(Long.toString(e.lock().time())) : null;
        case "lock-timeout" -> locking && e.lock() != null ? Value.text(Long.toString(e.lock().timeoutSeconds())) : null;
        case "lock-token" -> locking && e.lock() != null ? Value.text(e.lock().token()) : null;
        default -> null;
      };
    }
    return null;
  }

  private long quotaAvailable() {
    long free = ctx.store().freeBytes();
    return free < 0 ? -3 : free;
  }

  // ---- PROPPATCH ---------------------------------------------------------------------------------------------------

  private HttpResponse proppatch(Exchange ex, String hrefBase, String path, byte[] body) {
    Xml.PropPatch patch = Xml.parsePropPatch(body);
    Store.Entry entry = ctx.store().stat(path);
    if (entry == null) throw DavError.notFound("File with name " + path + " could not be located");
    Map<QName, Integer> statuses = new LinkedHashMap<>();
    boolean failed = false;
    for (QName name : patch.set().keySet()) {
      boolean settable = name.equals(QName.dav("lastmodified")) || name.equals(QName.oc("favorite"))
          || name.equals(QName.nc("creation_time"));
      statuses.put(name, settable ? 200 : 403);
      failed |= !settable;
    }
    for (QName name : patch.remove()) {
      statuses.put(name, 403);
      failed = true;
    }
    if (failed) {
      statuses.replaceAll((name, status) -> status == 200 ? 424 : status);
    } else {
      String mtime = patch.set().get(QName.dav("lastmodified"));
      if (mtime != null) entry = ctx.store().touch(path, Http.sanitizeMtime(mtime, "lastmodified"));
    }
    return Http.xml(207, new Xml.Multistatus(false).statusResponse(href(hrefBase, entry), statuses).build(), List.of());
  }

  // ---- GET, HEAD ---------------------------------------------------------------------------------------------------

  private HttpResponse get(Exchange ex, String path) {
    boolean head = ex.method.equals("HEAD");
    Store.Opened opened = head ? headOnly(path) : ctx.store().open(path);
    if (opened == null) throw DavError.notFound("File with name " + path + " could not be located");
    Store.Entry e = opened.entry();
    FileChannel channel = opened.channel();
    boolean handedOver = false;
    try {
      if (e.dir()) {
        throw DavError.notImplemented("GET is only implemented on File objects");
      }
      List<HttpHeader> headers = new ArrayList<>(List.of(
          Http.header("ETag", Http.quote(e.etag())),
          Http.header("OC-ETag", Http.quote(e.etag())),
          Http.header("OC-FileId", ctx.store().ocId(e.fileId())),
          Http.header("Last-Modified", Http.httpDate(e.mtimeMillis())),
          Http.header("Accept-Ranges", "bytes")));
      if (e.checksum() != null && !e.checksum().isEmpty()) headers.add(Http.header("OC-Checksum", e.checksum()));
      String ifMatch = ex.header("If-Match");
      if (ifMatch != null && !Http.etagListMatches(ifMatch, e.etag())) {
        throw DavError.preconditionFailed("An If-Match header was specified, but none of the specified ETags matched.");
      }
      String ifNoneMatch = ex.header("If-None-Match");
      if (ifNoneMatch != null && Http.etagListMatches(ifNoneMatch, e.etag())) return Http.empty(304, headers);

      long size = e.size();
      long start = 0;
      long length = size;
      int status = 200;
      String range = ex.header("Range");
      String ifRange = ex.header("If-Range");
      boolean rangeApplies = range != null && (ifRange == null || Http.normalizeEtag(ifRange).equals(e.etag())
          || ifRange.equals(Http.httpDate(e.mtimeMillis())));
      if (rangeApplies) {
        long[] r = parseRange(range, size);
        if (r == null) {
          headers.add(Http.header("Content-Range", "bytes */" + size));
          return Http.davError(DavError.of(416, "Sabre\\DAV\\Exception\\RequestedRangeNotSatisfiable",
              "The start offset should be smaller than the end offset / the file size"), headers);
        }
        if (r.length == 2) {
          start = r[0];
          length = r[1] - r[0] + 1;
          status = 206;
          headers.add(Http.header("Content-Range", "bytes " + r[0] + "-" + r[1] + "/" + size));
        }
      }
      var contentType = ContentTypes.parse(Http.mimeType(e.name()));
      if (head) return Http.response(status, headers, HttpEntities.create(contentType, length, Source.empty()));
      long extra = status == 200 ? ctx.faults().extraBodyBytes(e.name()) : 0;
      if (extra > 0) {
        // A server that sends more than it listed: the content, then zeros, chunked.
        long whole = length;
        ByteString zeros = ByteString.fromArray(new byte[64 * 1024]);
        Source<ByteString, ?> content = StreamConverters.fromInputStream(() -> bounded(channel, whole), 64 * 1024);
        Source<ByteString, ?> more = Source.repeat(zeros).take((extra + zeros.size() - 1) / zeros.size());
        handedOver = true;
        return Http.response(status, headers, HttpEntities.createChunked(contentType, content.concat(more)));
      }
      if (length == 0) return Http.response(status, headers, HttpEntities.create(contentType, new byte[0]));
      channel.position(start);
      long limit = length;
      Source<ByteString, ?> bytes = StreamConverters.fromInputStream(() -> bounded(channel, limit), 64 * 1024);
      handedOver = true;
      return Http.response(status, headers, HttpEntities.create(contentType, length, bytes));
    } catch (IOException ioe) {
      throw new UncheckedIOException(ioe);
    } finally {
      if (!handedOver && channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // read-only channel
        }
      }
    }
  }

  private Store.Opened headOnly(String path) {
    Store.Entry e = ctx.store().stat(path);
    return e == null ? null : new Store.Opened(e, null);
  }

  /** Single byte range: {start, end} inclusive, {} for "ignore the header", null for unsatisfiable. */
  static long[] parseRange(String header, long size) {
    String h = header.strip().toLowerCase(Locale.ROOT);
    if (!h.startsWith("bytes=") || h.contains(",")) return new long[0];
    String spec = h.substring(6).strip();
    int dash = spec.indexOf('-');
    if (dash < 0) return new long[0];
    try {
      String a = spec.substring(0, dash).strip();
      String b = spec.substring(dash + 1).strip();
      long start;
      long end;
      if (a.isEmpty()) {
        long suffix = Long.parseLong(b);
        if (suffix == 0) return null;
        start = Math.max(0, size - suffix);
        end = size - 1;
      } else {
        start = Long.parseLong(a);
        end = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
      }
      if (start >= size || start > end) return null;
      return new long[] {start, end};
    } catch (NumberFormatException e) {
      return new long[0];
    }
  }

  private static InputStream bounded(FileChannel channel, long limit) {
    InputStream in = Channels.newInputStream(channel);
    return new InputStream() {
      private long left = limit;

      @Override
      public int read() throws IOException {
        if (left <= 0) return -1;
        int b = in.read();
        if (b >= 0) left--;
        return b;
      }

      @Override
      public int read(byte[] buffer, int off, int len) throws IOException {
        if (left <= 0) return -1;
        int n = in.read(buffer, off, (int) Math.min(len, left));
        if (n > 0) left -= n;
        return n;
      }

      @Override
      public void close() throws IOException {
        in.close();
      }
    };
  }

  // ---- PUT ---------------------------------------------------------------------------------------------------------

  private CompletionStage<HttpResponse> put(Exchange ex, String path) {
    if (path.isEmpty()) {
      ctx.discard(ex);
      throw DavError.conflict("PUT is not allowed on non-files.");
    }
    Paths.requireValidName(Store.lastSegment(path));
    Long mtime = ctx.faults().ignoresMtime() ? null : Http.unixTime(ex, "X-OC-MTime");
    Long ctime = Http.unixTime(ex, "X-OC-CTime");
    List<String> hashes = hashAlgorithms(ex.header("X-Hash"));
    Long totalLength = longHeader(ex, "OC-Total-Length");
    // Checked before the body is read as well as at commit: a refused upload should not cost its bytes first.
    Store.Entry before = ctx.store().stat(path);
    checkWritePreconditions(ex, before);
    Http.checkIfHeader(ex, before, this::resolve);
    long incoming = ex.request.entity().getContentLengthOption().orElse(totalLength == null ? 0 : totalLength);
    ctx.store().requireSpace(incoming - (before == null || before.dir() ? 0 : before.size()));
    boolean autoMkcol = "1".equals(ex.header("X-NC-WebDAV-AutoMkcol"));
    return ctx.receive(ex, hashes).thenCompose(received -> ctx.async(() -> {
      try {
        if (totalLength != null && totalLength != received.bytes()) {
          throw DavError.badRequest("Expected filesize of " + totalLength + " bytes but read (from Nextcloud client) and"
              + " wrote (to Nextcloud storage) " + received.bytes() + " bytes. Could either be a network problem on"
              + " the sending side or a problem writing to the storage on the server side.");
        }
        Consumer<Store.Entry> precondition = current -> {
          checkWritePreconditions(ex, current);
          Http.checkIfHeader(ex, current, this::resolve);
        };
        Store.Written written = ctx.store().writeFile(path, received.file(),
            new Store.WriteMeta(mtime, ctime, checksumHeader(ex)), precondition, autoMkcol);
        List<HttpHeader> headers = ctx.faults().minimalOn() ? Http.minimalWriteHeaders(written.entry())
            : Http.writeHeaders(ctx.store(), written.entry());
        if (mtime != null) headers.add(Http.header("X-OC-MTime", "accepted"));
        if (ctime != null) headers.add(Http.header("X-OC-CTime", "accepted"));
        received.digests().forEach((algorithm, hex) ->
            headers.add(Http.header("X-Hash-" + algorithm.replace("-", ""), hex)));
        return Http.empty(written.created() ? 201 : 204, headers);
      } finally {
        received.delete();
      }
    }));
  }

  /** If-Match / If-None-Match, unless the faults make this server ignore them. */
  private void checkWritePreconditions(Exchange ex, Store.Entry current) {
    Http.checkWritePreconditions(ex, current, !ctx.faults().ignoresIfMatch(), !ctx.faults().ignoresIfNoneMatch());
  }

  static String checksumHeader(Exchange ex) {
    String value = ex.header("OC-Checksum");
    return value == null || value.isBlank() ? null : value.strip();
  }

  /** X-Hash: md5, sha1 or sha256 (a comma-separated list is accepted too). */
  static List<String> hashAlgorithms(String header) {
    List<String> out = new ArrayList<>();
    if (header == null) return out;
    for (String part : header.split(",")) {
      switch (part.strip().toLowerCase(Locale.ROOT)) {
        case "md5" -> out.add("MD5");
        case "sha1" -> out.add("SHA-1");
        case "sha256" -> out.add("SHA-256");
        default -> { }
      }
    }
    return out;
  }

  static Long longHeader(Exchange ex, String name) {
    String value = ex.header(name);
    if (value == null) return null;
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw DavError.badRequest(name + " must be a number");
    }
  }

  // ---- MKCOL, DELETE, MOVE, COPY -----------------------------------------------------------------------------------

  private HttpResponse mkcol(String path) {
    if (path.isEmpty()) throw DavError.methodNotAllowed("The resource you tried to create already exists");
    Paths.requireValidName(Store.lastSegment(path));
    Store.Entry e = ctx.store().mkcol(path);
    return Http.empty(201, List.of(Http.header("OC-FileId", ctx.store().ocId(e.fileId()))));
  }

  private HttpResponse delete(Exchange ex, String path) {
    ctx.store().delete(path, current -> {
      checkWritePreconditions(ex, current);
      Http.checkIfHeader(ex, current, this::resolve);
    });
    return Http.empty(204);
  }

  private HttpResponse moveOrCopy(Exchange ex, String from) {
    String destination = ex.header("Destination");
    if (destination == null) throw DavError.badRequest("The destination header was not supplied");
    String to = filesPathOf(destination, ctx.store().userId);
    if (to == null) throw DavError.forbidden("Requested uri (" + destination + ") is out of base uri");
    if (!to.isEmpty()) Paths.requireValidName(Store.lastSegment(to));
    boolean overwrite = Http.overwrite(ex) || ctx.faults().ignoresOverwriteF();
    Consumer<Store.Entry> precondition = current -> {
      checkWritePreconditions(ex, current);
      Http.checkIfHeader(ex, current, this::resolve);
    };
    boolean existed = ex.method.equals("MOVE")
        ? ctx.store().move(from, to, overwrite, precondition, ctx.faults().movesKeepFolderEtags())
        : ctx.store().copy(from, to, overwrite, precondition);
    Store.Entry moved = ctx.store().stat(to);
    List<HttpHeader> headers = moved == null ? List.of() : Http.writeHeaders(ctx.store(), moved);
    return Http.empty(existed ? 204 : 201, headers);
  }

  /**
   * The files-tree path a URL (absolute or path-only) points at, for this user: {@code /remote.php/dav/files/{user}/x}
   * or {@code /remote.php/webdav/x}; null when it points elsewhere.
   */
  static String filesPathOf(String url, String userId) {
    List<String> segments = Paths.decodeSegments(Http.pathOfUrl(url));
    if (segments == null) throw DavError.badRequest("Invalid URL: " + url);
    int base = baseSegmentCount(segments, userId);
    if (base < 0) return null;
    return String.join("/", segments.subList(base, segments.size()));
  }

  /** How many leading segments form the files root, or -1. Handles a server below a path prefix too. */
  private static int baseSegmentCount(List<String> s, String userId) {
    for (int i = 0; i + 1 < s.size(); i++) {
      if (!s.get(i).equals("remote.php")) continue;
      if (s.get(i + 1).equals("webdav")) return i + 2;
      if (i + 3 < s.size() && s.get(i + 1).equals("dav") && s.get(i + 2).equals("files")
          && s.get(i + 3).equals(userId)) {
        return i + 4;
      }
      return -1;
    }
    return -1;
  }

  /** Resolves an If-header resource URL to its current entry (null when it does not exist or lies elsewhere). */
  Store.Entry resolve(String url) {
    String path = filesPathOf(url, ctx.store().userId);
    return path == null ? null : ctx.store().stat(path);
  }

  // ---- files_lock --------------------------------------------------------------------------------------------------

  private HttpResponse lock(Exchange ex, String path) {
    if (!ctx.options().locking() || !"1".equals(ex.header("X-User-Lock"))) {
      throw DavError.notImplemented("WebDAV locks are not supported; use X-User-Lock: 1 (files_lock)");
    }
    Store.Entry e = ex.method.equals("LOCK")
        ? ctx.store().lock(path, ctx.store().userId, ctx.store().displayName, 0)
        : ctx.store().unlock(path, ctx.store().userId);
    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\"?>\n<d:prop xmlns:d=\"DAV:\" xmlns:nc=\"http://nextcloud.org/ns\">");
    for (String local : List.of("lock", "lock-owner-type", "lock-owner", "lock-owner-displayname", "lock-owner-editor",
        "lock-time", "lock-timeout", "lock-token")) {
      Value v = property(e, QName.nc(local));
      xml.append("<nc:").append(local);
      if (v == null || v.xmlContent() == null || v.xmlContent().isEmpty()) xml.append("/>");
      else xml.append('>').append(v.xmlContent()).append("</nc:").append(local).append('>');
    }
    xml.append("</d:prop>\n");
    return Http.xml(200, xml.toString(), List.of());
  }
}
