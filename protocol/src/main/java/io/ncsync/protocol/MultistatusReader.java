package io.ncsync.protocol;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads any 207 Multi-Status body into hrefs and their properties (versions, trash bin, upload folders), with the same
 * hardening as {@link MultistatusParser}: no DTD, no entities. Names taken from hrefs go through
 * {@link #childName(String, String)}, which refuses anything that is not a safe direct child.
 */
public final class MultistatusReader {
  private MultistatusReader() {}

  public static final String DAV = MultistatusParser.DAV;
  public static final String OC = MultistatusParser.OC;
  public static final String NC = MultistatusParser.NC;

  /**
   * One {@code <d:response>}: the properties of its 200 propstats, keyed {@code {namespace}localName}; the value is the
   * element's text (the texts of nested elements joined by a space).
   */
  public record Response(String href, boolean collection, Map<String, String> properties) {
    public Response {
      properties = Collections.unmodifiableMap(new HashMap<>(properties));
    }

    /** A property's text, or null when the server did not return it. */
    public String get(String namespace, String localName) {
      String value = properties.get("{" + namespace + "}" + localName);
      return value == null || value.isEmpty() ? null : value;
    }
  }

  public static List<Response> read(byte[] body) {
    XMLStreamReader reader = null;
    try {
      reader = MultistatusParser.newFactory().createXMLStreamReader(new ByteArrayInputStream(body));
      MultistatusParser.skipProlog(reader);
      if (!MultistatusParser.is(reader, DAV, "multistatus")) {
        throw MultistatusParser.malformed("root element is not DAV: multistatus");
      }
      List<Response> responses = new ArrayList<>();
      while (MultistatusParser.nextChild(reader)) {
        if (MultistatusParser.is(reader, DAV, "response")) responses.add(readResponse(reader));
        else MultistatusParser.skipElement(reader);
      }
      return responses;
    } catch (XMLStreamException | RuntimeException e) {
      if (e instanceof DavException dav) throw dav;
      throw new DavException(DavError.MALFORMED_RESPONSE, 207, "multistatus is not acceptable XML: " + e.getMessage(), e);
    } finally {
      MultistatusParser.closeQuietly(reader);
    }
  }

  /**
   * The decoded name of a direct child of the folder at {@code parentRawPath} (raw, percent-encoded URL path), "" when
   * the href is the folder itself.
   *
   * @throws DavException HOSTILE_NAME when the href lies elsewhere or names something unsafe
   */
  public static String childName(String href, String parentRawPath) {
    String raw = MultistatusParser.stripSchemeAndAuthority(href.strip());
    int end = raw.indexOf('?');
    if (end >= 0) raw = raw.substring(0, end);
    List<String> segments;
    List<String> parent;
    try {
      segments = MultistatusParser.withoutTrailingEmpty(UrlPaths.decodeSegments(raw));
      parent = MultistatusParser.withoutTrailingEmpty(UrlPaths.decodeSegments(parentRawPath));
    } catch (IllegalArgumentException e) {
      throw MultistatusParser.hostile("href " + RemotePaths.printable(href) + " is not a valid URL path");
    }
    if (segments.equals(parent)) return "";
    if (segments.size() != parent.size() + 1 || !segments.subList(0, parent.size()).equals(parent)) {
      throw MultistatusParser.hostile("href " + RemotePaths.printable(href) + " is not a direct child of "
          + RemotePaths.printable(parentRawPath));
    }
    return RemotePaths.requireSafeName(segments.get(segments.size() - 1));
  }

  private static Response readResponse(XMLStreamReader reader) throws XMLStreamException {
    String href = null;
    boolean collection = false;
    Map<String, String> properties = new HashMap<>();
    while (MultistatusParser.nextChild(reader)) {
      if (MultistatusParser.is(reader, DAV, "href")) {
        href = MultistatusParser.readText(reader);
      } else if (MultistatusParser.is(reader, DAV, "propstat")) {
        Map<String, String> props = new HashMap<>();
        boolean[] isCollection = {false};
        int status = -1;
        while (MultistatusParser.nextChild(reader)) {
          if (MultistatusParser.is(reader, DAV, "prop")) readProp(reader, props, isCollection);
          else if (MultistatusParser.is(reader, DAV, "status")) status = MultistatusParser.statusCode(MultistatusParser.readText(reader));
          else MultistatusParser.skipElement(reader);
        }
        if (status == 200) {
          properties.putAll(props);
          collection |= isCollection[0];
        }
      } else {
        MultistatusParser.skipElement(reader);
      }
    }
    if (href == null || href.isEmpty()) throw MultistatusParser.malformed("a response has no href");
    return new Response(href, collection, properties);
  }

  private static void readProp(XMLStreamReader reader, Map<String, String> props, boolean[] collection)
      throws XMLStreamException {
    while (MultistatusParser.nextChild(reader)) {
      String key = "{" + reader.getNamespaceURI() + "}" + reader.getLocalName();
      if (MultistatusParser.is(reader, DAV, "resourcetype")) {
        while (MultistatusParser.nextChild(reader)) {
          if (MultistatusParser.is(reader, DAV, "collection")) collection[0] = true;
          MultistatusParser.skipElement(reader);
        }
        props.put(key, collection[0] ? "collection" : "");
      } else {
        props.put(key, deepText(reader));
      }
    }
  }

  /** All text inside the current element, nested elements' texts joined by a space. */
  private static String deepText(XMLStreamReader reader) throws XMLStreamException {
    StringBuilder text = new StringBuilder();
    int depth = 1;
    while (depth > 0 && reader.hasNext()) {
      int event = reader.next();
      switch (event) {
        case XMLStreamConstants.START_ELEMENT -> {
          depth++;
          if (text.length() > 0) text.append(' ');
        }
        case XMLStreamConstants.END_ELEMENT -> depth--;
        case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> text.append(reader.getText());
        case XMLStreamConstants.DTD, XMLStreamConstants.ENTITY_REFERENCE ->
            throw MultistatusParser.malformed("entity references are not accepted");
        default -> { }
      }
    }
    if (depth > 0) throw MultistatusParser.malformed("unexpected end of document");
    return text.toString().strip().replaceAll("\\s+", " ");
  }
}
