package io.ncsync.protocol.testing.nextcloud;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.ResponseEntity;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Response builders, content types and the conditional-request rules shared by the endpoints. */
final class Http {
  private Http() {}

  /**
   * Exactly "application/xml; charset=utf-8": the desktop client's listing job checks this string, and akka's own
   * UTF-8 charset would render as "UTF-8".
   */
  static final ContentType XML = ContentTypes.create(MediaTypes.APPLICATION_XML, HttpCharsets.custom("utf-8"));
  static final ContentType JSON = ContentTypes.create(MediaTypes.APPLICATION_JSON);
  static final ContentType OCTET = ContentTypes.APPLICATION_OCTET_STREAM;

  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

  static String httpDate(long millis) {
    return HTTP_DATE.format(Instant.ofEpochMilli(millis));
  }

  static HttpHeader header(String name, String value) {
    return RawHeader.create(name, value);
  }

  static HttpResponse response(int status, List<HttpHeader> headers, ResponseEntity entity) {
    return HttpResponse.create().withStatus(StatusCodes.get(status)).addHeaders(headers).withEntity(entity);
  }

  static HttpResponse empty(int status, List<HttpHeader> headers) {
    return response(status, headers, HttpEntities.EMPTY);
  }

  static HttpResponse empty(int status) {
    return empty(status, List.of());
  }

  static HttpResponse xml(int status, String body, List<HttpHeader> headers) {
    return response(status, headers, HttpEntities.create(XML, body.getBytes(StandardCharsets.UTF_8)));
  }

  static HttpResponse json(int status, String body, List<HttpHeader> headers) {
    return response(status, headers, HttpEntities.create(JSON, body.getBytes(StandardCharsets.UTF_8)));
  }

  static HttpResponse davError(DavError e, List<HttpHeader> headers) {
    return xml(e.status, Xml.error(e), headers);
  }

  static HttpResponse davError(DavError e) {
    return davError(e, List.of());
  }

  /** Headers a write answers with: ETag and OC-ETag (quoted), OC-FileId. */
  static List<HttpHeader> writeHeaders(Store store, Store.Entry entry) {
    List<HttpHeader> out = new ArrayList<>();
    out.add(header("ETag", quote(entry.etag())));
    out.add(header("OC-ETag", quote(entry.etag())));
    out.add(header("OC-FileId", store.ocId(entry.fileId())));
    return out;
  }

  /**
   * A {@link Faults#minimal} server's answer to a write: only an {@code ETag}, the one the file had before the server
   * applied its modification time, which no listing shows.
   */
  static List<HttpHeader> minimalWriteHeaders(Store.Entry entry) {
    List<HttpHeader> out = new ArrayList<>();
    out.add(header("ETag", quote(entry.etag() + "0")));
    return out;
  }

  static String quote(String etag) {
    return "\"" + etag + "\"";
  }

  /** Strips W/, quotes and -gzip, as clients compare ETags. */
  static String normalizeEtag(String etag) {
    String e = etag.strip();
    if (e.startsWith("W/")) e = e.substring(2);
    if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) e = e.substring(1, e.length() - 1);
    if (e.endsWith("-gzip")) e = e.substring(0, e.length() - 5);
    return e;
  }

  // ---- Conditional requests ----------------------------------------------------------------------------------------

  /** If-Match / If-None-Match for a write (412 when they fail). {@code current} is null when nothing exists. */
  static void checkWritePreconditions(Exchange ex, Store.Entry current) {
    checkWritePreconditions(ex, current, true, true);
  }

  /** Like {@link #checkWritePreconditions(Exchange, Store.Entry)}, for a server that may ignore either header. */
  static void checkWritePreconditions(Exchange ex, Store.Entry current, boolean honourIfMatch, boolean honourIfNoneMatch) {
    String ifMatch = honourIfMatch ? ex.header("If-Match") : null;
    if (ifMatch != null) {
      if (current == null) throw DavError.preconditionFailed("An If-Match header was specified, but none of the specified ETags matched.");
      if (!etagListMatches(ifMatch, current.etag())) {
        throw DavError.preconditionFailed("An If-Match header was specified, but none of the specified ETags matched.");
      }
    }
    String ifNoneMatch = honourIfNoneMatch ? ex.header("If-None-Match") : null;
    if (ifNoneMatch != null && current != null && etagListMatches(ifNoneMatch, current.etag())) {
      throw DavError.preconditionFailed("An If-None-Match header was specified, but the ETag matched (or * was specified).");
    }
  }

  static boolean etagListMatches(String headerValue, String etag) {
    for (String candidate : headerValue.split(",")) {
      String c = candidate.strip();
      if (c.equals("*") || normalizeEtag(c).equals(etag)) return true;
    }
    return false;
  }

  /**
   * The WebDAV {@code If} header (RFC 4918 §10.4), as Sabre evaluates it: true when at least one list holds. A list
   * holds when each condition does: {@code ["etag"]} equals the resource's ETag, {@code <token>} equals its lock token,
   * {@code Not} negates. Tagged lists name their resource; untagged ones mean the request target.
   *
   * @param resolve the current entry for a resource URL (path or absolute URL); null when it does not exist
   */
  static void checkIfHeader(Exchange ex, Store.Entry target, Function<String, Store.Entry> resolve) {
    String value = ex.header("If");
    if (value == null || value.isBlank()) return;
    boolean anyHolds = false;
    Store.Entry resource = target;
    int i = 0;
    String s = value.strip();
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '<') {
        int end = s.indexOf('>', i);
        if (end < 0) throw DavError.badRequest("Invalid If header");
        resource = resolve.apply(s.substring(i + 1, end));
        i = end + 1;
      } else if (c == '(') {
        int end = s.indexOf(')', i);
        if (end < 0) throw DavError.badRequest("Invalid If header");
        if (listHolds(s.substring(i + 1, end), resource)) anyHolds = true;
        i = end + 1;
      } else {
        throw DavError.badRequest("Invalid If header: " + value);
      }
    }
    if (!anyHolds) throw DavError.preconditionFailed("An If-Match header was specified, but none of the specified ETags matched.");
  }

  private static boolean listHolds(String list, Store.Entry resource) {
    int i = 0;
    boolean all = true;
    boolean negate = false;
    while (i < list.length()) {
      char c = list.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (list.startsWith("Not", i)) {
        negate = true;
        i += 3;
      } else if (c == '[') {
        int end = list.indexOf(']', i);
        if (end < 0) throw DavError.badRequest("Invalid If header");
        boolean holds = resource != null && normalizeEtag(list.substring(i + 1, end)).equals(resource.etag());
        all &= negate != holds;
        negate = false;
        i = end + 1;
      } else if (c == '<') {
        int end = list.indexOf('>', i);
        if (end < 0) throw DavError.badRequest("Invalid If header");
        String token = list.substring(i + 1, end);
        boolean holds = resource != null && resource.lock() != null && token.equals(resource.lock().token());
        all &= negate != holds;
        negate = false;
        i = end + 1;
      } else {
        throw DavError.badRequest("Invalid If header condition: " + list);
      }
    }
    return all;
  }

  /** The path part of a Destination or If resource: absolute URL or absolute path. */
  static String pathOfUrl(String url) {
    String u = url.strip();
    int scheme = u.indexOf("://");
    if (scheme > 0 && scheme < 10) {
      int slash = u.indexOf('/', scheme + 3);
      u = slash < 0 ? "/" : u.substring(slash);
    }
    int q = u.indexOf('?');
    return q < 0 ? u : u.substring(0, q);
  }

  /** Overwrite header: T (default) or F; anything else is a 400. */
  static boolean overwrite(Exchange ex) {
    String value = ex.header("Overwrite");
    if (value == null) return true;
    if (value.equalsIgnoreCase("T")) return true;
    if (value.equalsIgnoreCase("F")) return false;
    throw DavError.badRequest("The HTTP Overwrite header should be either T or F");
  }

  /** {@code Depth}: 0, 1 or infinity (-1); {@code fallback} when absent. */
  static int depth(Exchange ex, int fallback) {
    String value = ex.header("Depth");
    if (value == null) return fallback;
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "0" -> 0;
      case "1" -> 1;
      case "infinity" -> -1;
      default -> throw DavError.badRequest("Invalid Depth header: " + value);
    };
  }

  /** {@code Prefer: return=minimal} or {@code Brief: t}. */
  static boolean minimal(Exchange ex) {
    String brief = ex.header("Brief");
    String prefer = ex.header("Prefer");
    return (brief != null && brief.strip().equalsIgnoreCase("t"))
        || (prefer != null && prefer.toLowerCase(Locale.ROOT).contains("return=minimal"));
  }

  /**
   * X-OC-MTime / X-OC-CTime as Nextcloud's MtimeSanitizer reads them: an integer number of seconds (a fraction is
   * dropped) above one day after the epoch; anything else is a 400.
   */
  static Long unixTime(Exchange ex, String headerName) {
    String value = ex.header(headerName);
    if (value == null) return null;
    return sanitizeMtime(value, headerName);
  }

  static long sanitizeMtime(String value, String what) {
    String v = value.strip();
    if (v.startsWith("0x") || v.startsWith("0X") || !v.matches("-?\\d+(\\.\\d+)?")) {
      throw DavError.badRequest(what + " header must be an integer (unix timestamp).");
    }
    long seconds;
    try {
      seconds = (long) Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw DavError.badRequest(what + " header must be an integer (unix timestamp).");
    }
    if (seconds <= 24 * 60 * 60) throw DavError.badRequest(what + " header must be a valid positive integer");
    return seconds;
  }

  /** Mime type by extension, the way Nextcloud's mimetype mapping names common types. */
  static String mimeType(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    int dot = lower.lastIndexOf('.');
    String ext = dot < 0 ? "" : lower.substring(dot + 1);
    return MIME.getOrDefault(ext, "application/octet-stream");
  }

  private static final Map<String, String> MIME = Map.ofEntries(
      Map.entry("txt", "text/plain"), Map.entry("md", "text/markdown"), Map.entry("csv", "text/csv"),
      Map.entry("html", "text/html"), Map.entry("htm", "text/html"), Map.entry("css", "text/css"),
      Map.entry("js", "application/javascript"), Map.entry("json", "application/json"),
      Map.entry("xml", "application/xml"), Map.entry("pdf", "application/pdf"), Map.entry("zip", "application/zip"),
      Map.entry("gz", "application/gzip"), Map.entry("tar", "application/x-tar"), Map.entry("png", "image/png"),
      Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"), Map.entry("gif", "image/gif"),
      Map.entry("svg", "image/svg+xml"), Map.entry("mp3", "audio/mpeg"), Map.entry("mp4", "video/mp4"),
      Map.entry("odt", "application/vnd.oasis.opendocument.text"),
      Map.entry("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
      Map.entry("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
}
