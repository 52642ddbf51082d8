package io.ncsync.protocol.testing.nextcloud;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** WebDAV XML as Sabre writes it (prefixes d, s, oc, nc), and a hardened reader for request bodies. */
final class Xml {
  static final String DAV = "DAV:";
  static final String OC = "http://owncloud.org/ns";
  static final String NC = "http://nextcloud.org/ns";
  static final String SABRE = "http://sabredav.org/ns";

  private static final Map<String, String> PREFIXES = Map.of(DAV, "d", OC, "oc", NC, "nc", SABRE, "s");

  private Xml() {}

  /** A property name. */
  record QName(String ns, String local) {
    static QName dav(String local) {
      return new QName(DAV, local);
    }

    static QName oc(String local) {
      return new QName(OC, local);
    }

    static QName nc(String local) {
      return new QName(NC, local);
    }

    @Override
    public String toString() {
      return "{" + ns + "}" + local;
    }
  }

  /** What a PROPFIND asks for: a list of names, or everything ({@code allprop}, also for an empty body). */
  record PropRequest(boolean allProp, List<QName> names) {}

  static PropRequest parsePropfind(byte[] body) {
    if (body.length == 0 || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
      return new PropRequest(true, List.of());
    }
    Element root = parse(body).getDocumentElement();
    if (!is(root, DAV, "propfind")) throw DavError.badRequest("The root element of a PROPFIND body must be {DAV:}propfind");
    for (Element child : children(root)) {
      if (is(child, DAV, "allprop") || is(child, DAV, "propname")) return new PropRequest(true, List.of());
      if (is(child, DAV, "prop")) {
        List<QName> names = new ArrayList<>();
        for (Element prop : children(child)) names.add(new QName(nsOf(prop), prop.getLocalName()));
        return new PropRequest(false, names);
      }
    }
    return new PropRequest(true, List.of());
  }

  /** PROPPATCH: the names (and text values) to set and to remove. */
  record PropPatch(Map<QName, String> set, List<QName> remove) {}

  static PropPatch parsePropPatch(byte[] body) {
    Element root = parse(body).getDocumentElement();
    if (!is(root, DAV, "propertyupdate")) throw DavError.badRequest("The root element must be {DAV:}propertyupdate");
    Map<QName, String> set = new LinkedHashMap<>();
    List<QName> remove = new ArrayList<>();
    for (Element action : children(root)) {
      for (Element prop : children(action)) {
        if (!is(prop, DAV, "prop")) continue;
        for (Element p : children(prop)) {
          QName name = new QName(nsOf(p), p.getLocalName());
          if (is(action, DAV, "set")) set.put(name, p.getTextContent());
          else if (is(action, DAV, "remove")) remove.add(name);
        }
      }
    }
    return new PropPatch(set, remove);
  }

  static Document parse(byte[] body) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setXIncludeAware(false);
      factory.setExpandEntityReferences(false);
      DocumentBuilder builder = factory.newDocumentBuilder();
      builder.setErrorHandler(null);
      return builder.parse(new ByteArrayInputStream(body));
    } catch (Exception e) {
      throw DavError.badRequest("The request body is not valid XML: " + e.getMessage());
    }
  }

  static List<Element> children(Element parent) {
    List<Element> out = new ArrayList<>();
    NodeList list = parent.getChildNodes();
    for (int i = 0; i < list.getLength(); i++) {
      if (list.item(i).getNodeType() == Node.ELEMENT_NODE) out.add((Element) list.item(i));
    }
    return out;
  }

  static boolean is(Element e, String ns, String local) {
    return ns.equals(nsOf(e)) && local.equals(e.getLocalName());
  }

  private static String nsOf(Element e) {
    return e.getNamespaceURI() == null ? "" : e.getNamespaceURI();
  }

  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** Sabre's error body. */
  static String error(DavError e) {
    StringBuilder out = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
        .append("<d:error xmlns:d=\"DAV:\" xmlns:s=\"http://sabredav.org/ns\">\n")
        .append("  <s:exception>").append(escape(e.exception)).append("</s:exception>\n")
        .append("  <s:message>").append(escape(String.valueOf(e.getMessage()))).append("</s:message>\n");
    if (e.invalidPath) {
      out.append("  <o:retry xmlns:o=\"o:\">false</o:retry>\n")
          .append("  <o:reason xmlns:o=\"o:\">").append(escape(String.valueOf(e.getMessage()))).append("</o:reason>\n");
    }
    return out.append("</d:error>\n").toString();
  }

  /**
   * One property value: {@code null} content renders an empty element, otherwise the content is inserted as is (it
   * must already be escaped XML).
   */
  record Value(String xmlContent) {
    static final Value EMPTY = new Value(null);

    static Value text(String text) {
      return new Value(escape(text));
    }
  }

  /** Builds a 207 Multi-Status body. */
  static final class Multistatus {
    private final StringBuilder out = new StringBuilder(4096);
    private final boolean minimal;
    private int unknownNamespaces;

    /** @param minimal {@code Prefer: return=minimal} or {@code Brief: t}: 404 propstats are left out */
    Multistatus(boolean minimal) {
      this.minimal = minimal;
      out.append("<?xml version=\"1.0\"?>\n<d:multistatus xmlns:d=\"DAV:\" xmlns:s=\"http://sabredav.org/ns\" ")
          .append("xmlns:oc=\"http://owncloud.org/ns\" xmlns:nc=\"http://nextcloud.org/ns\">");
    }

    Multistatus response(String href, Map<QName, Value> found, List<QName> notFound) {
      out.append("<d:response><d:href>").append(escape(href)).append("</d:href>");
      if (!found.isEmpty() || notFound.isEmpty() || minimal) {
        out.append("<d:propstat><d:prop>");
        found.forEach(this::element);
        out.append("</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>");
      }
      if (!notFound.isEmpty() && !minimal) {
        out.append("<d:propstat><d:prop>");
        for (QName name : notFound) element(name, Value.EMPTY);
        out.append("</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>");
      }
      out.append("</d:response>");
      return this;
    }

    /** A response with per-property statuses (PROPPATCH). */
    Multistatus statusResponse(String href, Map<QName, Integer> statuses) {
      out.append("<d:response><d:href>").append(escape(href)).append("</d:href>");
      Map<Integer, List<QName>> byStatus = new LinkedHashMap<>();
      statuses.forEach((name, status) -> byStatus.computeIfAbsent(status, s -> new ArrayList<>()).add(name));
      byStatus.forEach((status, names) -> {
        out.append("<d:propstat><d:prop>");
        for (QName name : names) element(name, Value.EMPTY);
        out.append("</d:prop><d:status>HTTP/1.1 ").append(status).append(' ').append(reason(status))
            .append("</d:status></d:propstat>");
      });
      out.append("</d:response>");
      return this;
    }

    private void element(QName name, Value value) {
      String prefix = PREFIXES.get(name.ns());
      String tag;
      String declaration = "";
      if (prefix != null) {
        tag = prefix + ":" + name.local();
      } else if (name.ns().isEmpty()) {
        tag = name.local();
        declaration = " xmlns=\"\"";
      } else {
        String p = "x" + (++unknownNamespaces);
        tag = p + ":" + name.local();
        declaration = " xmlns:" + p + "=\"" + escape(name.ns()) + "\"";
      }
      if (value.xmlContent() == null || value.xmlContent().isEmpty()) {
        out.append('<').append(tag).append(declaration).append("/>");
      } else {
        out.append('<').append(tag).append(declaration).append('>').append(value.xmlContent())
            .append("</").append(tag).append('>');
      }
    }

    String build() {
      return out.append("</d:multistatus>\n").toString();
    }
  }

  static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 409 -> "Conflict";
      case 424 -> "Failed Dependency";
      default -> "Status";
    };
  }
}
