package io.ncsync.protocol;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads a PROPFIND 207 Multi-Status body into {@link DavEntry}s. Pure: no I/O besides the byte array it is given.
 *
 * <p>The body comes from a server we do not control, so it is treated as hostile: no DTD (any DOCTYPE is refused, which
 * also stops external entities and entity expansion bombs), every href is decoded per segment, must lie below the
 * store's root and inside the requested folder. A child whose name is not {@link RemotePaths#unsafeReason safe} is
 * left out and reported in {@link Listing#excluded()}.
 */
public final class MultistatusParser {
  private MultistatusParser() {}

  static final String DAV = "DAV:";
  static final String OC = "http://owncloud.org/ns";
  static final String NC = "http://nextcloud.org/ns";

  /** The status the caller received with a multistatus body; used in the exceptions this parser throws. */
  private static final int MULTI_STATUS = 207;

  /**
   * Parses a Depth 0 or Depth 1 answer.
   *
   * @param body          the response body
   * @param rootRawPath   the raw (percent-encoded) path of the store's root URL, e.g. {@code /remote.php/dav/files/u/}
   * @param requestedPath the relative path that was asked for ("" = root)
   * @return the requested resource as {@code self} and any direct children, in the server's order
   * @throws DavException MALFORMED_RESPONSE for XML we cannot accept, HOSTILE_NAME for hrefs outside the folder
   */
  public static Listing parse(byte[] body, String rootRawPath, String requestedPath) {
    return parse(new ByteArrayInputStream(body), rootRawPath, requestedPath);
  }

  /**
   * Like {@link #parse(byte[], String, String)}, reading the body as it arrives, so a large listing is never held whole
   * in memory. Blocks on {@code body}; the caller bounds its size (the parser has no limit of its own).
   */
  public static Listing parse(InputStream body, String rootRawPath, String requestedPath) {
    List<String> rootSegments = withoutTrailingEmpty(UrlPaths.decodeSegments(rootRawPath));
    String requestRawPath = rootRawPath + UrlPaths.encodePath(requestedPath) + (requestedPath.isEmpty() ? "" : "/");
    List<String> requestedSegments = requestedPath.isEmpty() ? List.of() : List.of(requestedPath.split("/"));
    HrefContext context = new HrefContext(rootSegments, requestRawPath, requestedPath, requestedSegments);

    List<RawResponse> responses = readResponses(body);
    DavEntry self = null;
    List<DavEntry> children = new ArrayList<>();
    Map<String, String> excluded = new HashMap<>();
    Set<String> seen = new HashSet<>();
    for (RawResponse response : responses) {
      List<String> relative = relativeSegments(response.href, context);
      String unsafe = relative.size() == context.requestedSegments.size() ? null
          : RemotePaths.unsafeReason(relative.get(relative.size() - 1));
      String key = unsafe == null ? String.join("/", relative)
          : RemotePaths.excludedKey(context.requestedPath, relative.get(relative.size() - 1));
      if (!seen.add(key)) {
        throw malformed("the server listed " + RemotePaths.printable(response.href) + " twice");
      }
      if (unsafe != null) {
        // One name the workspace cannot hold costs that entry (and whatever is below it), not the whole listing.
        excluded.put(key, Listing.exclusionReason(relative.get(relative.size() - 1), unsafe));
        continue;
      }
      DavEntry entry = toEntry(response, key);
      if (entry.path().equals(requestedPath)) self = entry;
      else children.add(entry);
    }
    if (self == null) {
      throw malformed("no response describes the requested resource " + RemotePaths.printable(requestedPath));
    }
    return new Listing(self, children, excluded);
  }

  // ---- XML reading -------------------------------------------------------------------------------------------------

  /** One {@code <d:response>} with the properties of its 200 propstats merged. */
  private static final class RawResponse {
    String href;
    String etag;
    String lastModified;
    String contentLength;
    boolean collection;
    String fileId;
    String permissions;
    String ocSize;
    String checksum;
    String dataFingerprint;

    void mergeFrom(RawResponse props) {
      if (props.etag != null) etag = props.etag;
      if (props.lastModified != null) lastModified = props.lastModified;
      if (props.contentLength != null) contentLength = props.contentLength;
      collection |= props.collection;
      if (props.fileId != null) fileId = props.fileId;
      if (props.permissions != null) permissions = props.permissions;
      if (props.ocSize != null) ocSize = props.ocSize;
      if (props.checksum != null) checksum = props.checksum;
      if (props.dataFingerprint != null) dataFingerprint = props.dataFingerprint;
    }
  }

  private static List<RawResponse> readResponses(InputStream body) {
    XMLStreamReader reader = null;
    try {
      reader = newFactory().createXMLStreamReader(body);
      skipProlog(reader);
      if (!DAV.equals(reader.getNamespaceURI()) || !"multistatus".equals(reader.getLocalName())) {
        throw malformed("root element is {" + reader.getNamespaceURI() + "}" + reader.getLocalName() + ", not DAV: multistatus");
      }
      List<RawResponse> responses = new ArrayList<>();
      while (nextChild(reader)) {
        if (is(reader, DAV, "response")) responses.add(readResponse(reader));
        else skipElement(reader);
      }
      return responses;
    } catch (XMLStreamException | RuntimeException e) {
      if (e instanceof DavException dav) throw dav;
      throw new DavException(DavError.MALFORMED_RESPONSE, MULTI_STATUS,
          "multistatus is not acceptable XML: " + e.getMessage(), e);
    } finally {
      closeQuietly(reader);
    }
  }

  static XMLInputFactory newFactory() {
    // The JDK's own implementation, whatever else is on the class path, so the settings below are known to apply.
    XMLInputFactory factory = XMLInputFactory.newDefaultFactory();
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
    factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
    factory.setProperty(XMLInputFactory.IS_COALESCING, true);
    trySetProperty(factory, XMLConstants.ACCESS_EXTERNAL_DTD, "");
    // Belt and braces: DOCTYPEs are refused anyway, but should one slip through, expansion stays tiny.
    trySetProperty(factory, "http://www.oracle.com/xml/jaxp/properties/entityExpansionLimit", "1");
    trySetProperty(factory, "jdk.xml.entityExpansionLimit", "1");
    return factory;
  }

  private static void trySetProperty(XMLInputFactory factory, String name, Object value) {
    try {
      factory.setProperty(name, value);
    } catch (IllegalArgumentException unsupported) {
      // Not every JDK knows every limit; the DOCTYPE refusal is the real protection.
    }
  }

  /** Moves to the root element, refusing any DOCTYPE on the way. */
  static void skipProlog(XMLStreamReader reader) throws XMLStreamException {
    while (reader.hasNext()) {
      int event = reader.next();
      if (event == XMLStreamConstants.DTD) throw malformed("DOCTYPE declarations are not accepted");
      if (event == XMLStreamConstants.ENTITY_REFERENCE) throw malformed("entity references are not accepted");
      if (event == XMLStreamConstants.START_ELEMENT) return;
    }
    throw malformed("empty document");
  }

  /** Advances to the next child element (true) or to the end of the current element (false). */
  static boolean nextChild(XMLStreamReader reader) throws XMLStreamException {
    while (reader.hasNext()) {
      int event = reader.next();
      switch (event) {
        case XMLStreamConstants.START_ELEMENT:
          return true;
        case XMLStreamConstants.END_ELEMENT:
          return false;
        case XMLStreamConstants.DTD:
        case XMLStreamConstants.ENTITY_REFERENCE:
          throw malformed("entity references are not accepted");
        default:
          break; // whitespace, comments, processing instructions
      }
    }
    throw malformed("unexpected end of document");
  }

  /** The text content of the current element; child elements are skipped. */
  static String readText(XMLStreamReader reader) throws XMLStreamException {
    StringBuilder text = new StringBuilder();
    while (reader.hasNext()) {
      int event = reader.next();
      switch (event) {
        case XMLStreamConstants.CHARACTERS:
        case XMLStreamConstants.CDATA:
        case XMLStreamConstants.SPACE:
          text.append(reader.getText());
          break;
        case XMLStreamConstants.START_ELEMENT:
          skipElement(reader);
          break;
        case XMLStreamConstants.END_ELEMENT:
          return text.toString().strip();
        case XMLStreamConstants.DTD:
        case XMLStreamConstants.ENTITY_REFERENCE:
          throw malformed("entity references are not accepted");
        default:
          break;
      }
    }
    throw malformed("unexpected end of document");
  }

  /** Skips the current element with everything inside it. */
  static void skipElement(XMLStreamReader reader) throws XMLStreamException {
    int depth = 1;
    while (depth > 0 && reader.hasNext()) {
      int event = reader.next();
      if (event == XMLStreamConstants.START_ELEMENT) depth++;
      else if (event == XMLStreamConstants.END_ELEMENT) depth--;
      else if (event == XMLStreamConstants.ENTITY_REFERENCE) throw malformed("entity references are not accepted");
    }
    if (depth > 0) throw malformed("unexpected end of document");
  }

  private static RawResponse readResponse(XMLStreamReader reader) throws XMLStreamException {
    RawResponse response = new RawResponse();
    while (nextChild(reader)) {
      if (is(reader, DAV, "href")) {
        if (response.href != null) throw malformed("a response has two hrefs");
        response.href = readText(reader);
      } else if (is(reader, DAV, "propstat")) {
        readPropstat(reader, response);
      } else {
        skipElement(reader);
      }
    }
    if (response.href == null || response.href.isEmpty()) throw malformed("a response has no href");
    return response;
  }

  /** Merges the propstat's properties into {@code response} when, and only when, its status is 200. */
  private static void readPropstat(XMLStreamReader reader, RawResponse response) throws XMLStreamException {
    RawResponse props = new RawResponse();
    int status = -1;
    while (nextChild(reader)) {
      if (is(reader, DAV, "prop")) readProp(reader, props);
      else if (is(reader, DAV, "status")) status = statusCode(readText(reader));
      else skipElement(reader);
    }
    // Unknown properties come back in a 404 propstat: they describe what the server lacks, not the resource.
    if (status == 200) response.mergeFrom(props);
  }

  private static void readProp(XMLStreamReader reader, RawResponse props) throws XMLStreamException {
    while (nextChild(reader)) {
      if (is(reader, DAV, "getetag")) props.etag = readText(reader);
      else if (is(reader, DAV, "getlastmodified")) props.lastModified = readText(reader);
      else if (is(reader, DAV, "getcontentlength")) props.contentLength = readText(reader);
      else if (is(reader, DAV, "resourcetype")) props.collection = readResourceType(reader);
      else if (is(reader, OC, "fileid")) props.fileId = readText(reader);
      else if (is(reader, OC, "permissions")) props.permissions = readText(reader);
      else if (is(reader, OC, "size")) props.ocSize = readText(reader);
      else if (is(reader, OC, "checksums")) props.checksum = readChecksums(reader);
      else if (is(reader, OC, "data-fingerprint")) props.dataFingerprint = readText(reader);
      else skipElement(reader);
    }
  }

  private static boolean readResourceType(XMLStreamReader reader) throws XMLStreamException {
    boolean collection = false;
    while (nextChild(reader)) {
      if (is(reader, DAV, "collection")) collection = true;
      skipElement(reader);
    }
    return collection;
  }

  /** The first "TYPE:hex" of {@code <oc:checksums><oc:checksum>SHA1:.. MD5:..</oc:checksum></oc:checksums>}. */
  private static String readChecksums(XMLStreamReader reader) throws XMLStreamException {
    String first = null;
    while (nextChild(reader)) {
      if (is(reader, OC, "checksum")) {
        String text = readText(reader);
        if (first == null && !text.isEmpty()) first = text.split("\\s+")[0];
      } else {
        skipElement(reader);
      }
    }
    return first;
  }

  static int statusCode(String statusLine) {
    String[] parts = statusLine.strip().split("\\s+");
    if (parts.length < 2) return -1;
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static boolean is(XMLStreamReader reader, String namespace, String localName) {
    return namespace.equals(reader.getNamespaceURI()) && localName.equals(reader.getLocalName());
  }

  static void closeQuietly(XMLStreamReader reader) {
    if (reader == null) return;
    try {
      reader.close();
    } catch (XMLStreamException ignored) {
      // nothing was opened that outlives the byte array
    }
  }

  // ---- Entries -----------------------------------------------------------------------------------------------------

  private record HrefContext(
      List<String> rootSegments, String requestRawPath, String requestedPath, List<String> requestedSegments) {}

  private static DavEntry toEntry(RawResponse response, String path) {
    String etag = ETags.normalize(response.etag);
    if (etag == null) throw malformed("no ETag for href " + RemotePaths.printable(response.href));
    long size = response.collection
        ? parseSize(response.ocSize, -1, response.href)
        : parseSize(response.contentLength, parseSize(response.ocSize, -1, response.href), response.href);
    return new DavEntry(path, response.collection, etag, size, parseHttpDate(response.lastModified),
        emptyToNull(response.fileId), emptyToNull(response.permissions), emptyToNull(response.checksum),
        // Empty is a value: Nextcloud lists "" until a restore sets one, and that change must be seen.
        response.dataFingerprint == null ? null : response.dataFingerprint.strip());
  }

  /**
   * Turns an href (absolute URL, absolute path or, rarely, a reference relative to the request) into the decoded
   * segments below the store's root: the requested folder's, or those of one of its direct children. Anything else is
   * hostile and fails the listing (a server naming other places is not answering the question). A child's own name is
   * not checked here: the caller leaves out a child it cannot sync.
   */
  private static List<String> relativeSegments(String href, HrefContext context) {
    String raw = stripSchemeAndAuthority(href.strip());
    int end = indexOfAny(raw, '?', '#');
    if (end >= 0) raw = raw.substring(0, end);
    if (!raw.startsWith("/")) {
      String base = context.requestRawPath;
      raw = base.substring(0, base.lastIndexOf('/') + 1) + raw;
    }
    List<String> segments;
    try {
      segments = withoutTrailingEmpty(UrlPaths.decodeSegments(raw));
    } catch (IllegalArgumentException e) {
      throw malformed("href " + RemotePaths.printable(href) + " is not a valid URL path: " + e.getMessage());
    }
    List<String> root = context.rootSegments;
    if (segments.size() < root.size() || !segments.subList(0, root.size()).equals(root)) {
      throw hostile("href " + RemotePaths.printable(href) + " lies outside the store's root /" + String.join("/", root));
    }
    List<String> relative = segments.subList(root.size(), segments.size());
    List<String> requested = context.requestedSegments;
    boolean self = relative.equals(requested);
    boolean child = relative.size() == requested.size() + 1 && relative.subList(0, requested.size()).equals(requested);
    if (!self && !child) {
      throw hostile("href " + RemotePaths.printable(href) + " lies outside the requested folder "
          + RemotePaths.printable(context.requestedPath));
    }
    return relative;
  }

  static String stripSchemeAndAuthority(String href) {
    int colon = href.indexOf(':');
    int slash = href.indexOf('/');
    boolean hasScheme = colon > 0 && (slash < 0 || colon < slash) && href.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*");
    if (!hasScheme) {
      if (href.startsWith("//")) return pathAfterAuthority(href.substring(2));
      return href;
    }
    String rest = href.substring(colon + 1);
    return rest.startsWith("//") ? pathAfterAuthority(rest.substring(2)) : rest;
  }

  private static String pathAfterAuthority(String authorityAndPath) {
    int end = indexOfAny(authorityAndPath, '/', '?', '#');
    if (end < 0) return "/";
    String rest = authorityAndPath.substring(end);
    return rest.startsWith("/") ? rest : "/" + rest;
  }

  private static int indexOfAny(String s, char a, char b) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == a || c == b) return i;
    }
    return -1;
  }

  private static int indexOfAny(String s, char a, char b, char c) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == a || ch == b || ch == c) return i;
    }
    return -1;
  }

  /** A trailing slash (folders) decodes to one trailing empty segment: tolerated, dropped. */
  static List<String> withoutTrailingEmpty(List<String> segments) {
    if (!segments.isEmpty() && segments.get(segments.size() - 1).isEmpty()) {
      return segments.subList(0, segments.size() - 1);
    }
    return segments;
  }

  private static long parseSize(String value, long fallback, String href) {
    if (value == null || value.isEmpty()) return fallback;
    try {
      long size = Long.parseLong(value.strip());
      if (size < 0) throw new NumberFormatException("negative");
      return size;
    } catch (NumberFormatException e) {
      throw malformed("size " + RemotePaths.printable(value) + " of href " + RemotePaths.printable(href) + " is not a byte count");
    }
  }

  /** getlastmodified is informational, so an unparsable date becomes null rather than failing the listing. */
  static Instant parseHttpDate(String value) {
    if (value == null || value.isEmpty()) return null;
    try {
      return DateTimeFormatter.RFC_1123_DATE_TIME.parse(value.strip(), Instant::from);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  static DavException malformed(String message) {
    return new DavException(DavError.MALFORMED_RESPONSE, MULTI_STATUS, message);
  }

  static DavException hostile(String message) {
    return new DavException(DavError.HOSTILE_NAME, MULTI_STATUS, message);
  }
}
