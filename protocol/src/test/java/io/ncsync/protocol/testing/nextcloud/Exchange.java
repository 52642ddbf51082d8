package io.ncsync.protocol.testing.nextcloud;

import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One request as the handlers see it: method, the percent-decoded path segments (decoded by us from the raw request
 * target, so {@code %2F} inside a segment stays distinguishable), the query, headers, and who is logged in.
 */
final class Exchange {
  final HttpRequest request;
  final String method;
  final String rawPath;
  final String rawQuery;
  /** Decoded segments, without empty ones (a trailing slash is dropped). */
  final List<String> segments;
  final boolean trailingSlash;
  final Map<String, String> query;
  String user;
  /** Set once the request entity was read or discarded; the dispatcher discards it otherwise. */
  volatile boolean bodyTaken;

  private Exchange(HttpRequest request, String rawPath, String rawQuery, List<String> segments, boolean trailingSlash) {
    this.request = request;
    this.method = request.method().value();
    this.rawPath = rawPath;
    this.rawQuery = rawQuery;
    this.segments = segments;
    this.trailingSlash = trailingSlash;
    this.query = parseQuery(rawQuery);
  }

  /** Null segments when the path cannot be decoded (invalid escapes or UTF-8): the caller answers 400. */
  static Exchange of(HttpRequest request) {
    String target = request.getHeader("Raw-Request-URI").map(HttpHeader::value)
        .orElseGet(() -> request.getUri().toRelative().toString());
    int hash = target.indexOf('#');
    if (hash >= 0) target = target.substring(0, hash);
    if (target.startsWith("http://") || target.startsWith("https://")) {
      int slash = target.indexOf('/', target.indexOf("//") + 2);
      target = slash < 0 ? "/" : target.substring(slash);
    }
    int question = target.indexOf('?');
    String rawPath = question < 0 ? target : target.substring(0, question);
    String rawQuery = question < 0 ? "" : target.substring(question + 1);
    List<String> segments = Paths.decodeSegments(rawPath);
    return new Exchange(request, rawPath, rawQuery, segments, rawPath.endsWith("/"));
  }

  boolean decodable() {
    return segments != null;
  }

  /** The decoded path for logs. */
  String path() {
    return segments == null ? rawPath : "/" + String.join("/", segments) + (trailingSlash && !segments.isEmpty() ? "/" : "");
  }

  String header(String name) {
    Optional<HttpHeader> h = request.getHeader(name);
    return h.map(HttpHeader::value).orElse(null);
  }

  List<String> headers(String name) {
    List<String> out = new ArrayList<>();
    for (HttpHeader h : request.getHeaders()) if (h.name().equalsIgnoreCase(name)) out.add(h.value());
    return out;
  }

  String segment(int i) {
    return i < segments.size() ? segments.get(i) : null;
  }

  /** Segments from {@code from} on, joined with '/'. */
  String rest(int from) {
    return from >= segments.size() ? "" : String.join("/", segments.subList(from, segments.size()));
  }

  private static Map<String, String> parseQuery(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw.isEmpty()) return out;
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String key = decodeQuery(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decodeQuery(pair.substring(eq + 1));
      out.putIfAbsent(key, value);
    }
    return out;
  }

  private static String decodeQuery(String s) {
    try {
      return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
