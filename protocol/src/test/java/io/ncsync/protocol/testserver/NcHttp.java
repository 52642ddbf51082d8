package io.ncsync.protocol.testserver;

import io.ncsync.protocol.testing.nextcloud.NextcloudTestServer;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** A bare HTTP client for speaking to a {@link NextcloudTestServer} the way the protocol documents it. */
final class NcHttp {
  static final String DAV = "DAV:";
  static final String OC = "http://owncloud.org/ns";
  static final String NC = "http://nextcloud.org/ns";

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final NextcloudTestServer server;
  private final String authorization;

  NcHttp(NextcloudTestServer server) {
    this(server, server.loginName(), server.appPassword());
  }

  NcHttp(NextcloudTestServer server, String login, String password) {
    this.server = server;
    this.authorization = login == null ? null
        : "Basic " + Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** A request builder: {@code target} is a path below the server ("/remote.php/...") or an absolute URL. */
  Req req(String method, String target) {
    return new Req(method, target);
  }

  /** A files-tree request: {@code path} relative to the user's root, already percent-encoded. */
  Req files(String method, String path) {
    return new Req(method, server.filesRoot() + path);
  }

  String filesUrl(String path) {
    return server.filesRoot() + path;
  }

  final class Req {
    private final String method;
    private final String target;
    private final List<String> headers = new ArrayList<>();
    private HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
    private boolean auth = true;

    Req(String method, String target) {
      this.method = method;
      this.target = target;
    }

    Req header(String name, String value) {
      headers.add(name);
      headers.add(value);
      return this;
    }

    Req body(byte[] bytes) {
      body = HttpRequest.BodyPublishers.ofByteArray(bytes);
      return this;
    }

    Req body(String text) {
      return body(text.getBytes(StandardCharsets.UTF_8));
    }

    Req noAuth() {
      auth = false;
      return this;
    }

    HttpResponse<byte[]> send() throws Exception {
      URI uri = target.startsWith("http") ? URI.create(target) : server.baseUrl().resolve(target.substring(1));
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).method(method, body);
      if (auth && authorization != null) b.header("Authorization", authorization);
      for (int i = 0; i < headers.size(); i += 2) b.header(headers.get(i), headers.get(i + 1));
      return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    String text() throws Exception {
      return new String(send().body(), StandardCharsets.UTF_8);
    }
  }

  static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  static String propfindBody(String... props) {
    StringBuilder out = new StringBuilder("<?xml version=\"1.0\"?><d:propfind xmlns:d=\"DAV:\" "
        + "xmlns:oc=\"http://owncloud.org/ns\" xmlns:nc=\"http://nextcloud.org/ns\" xmlns:x=\"urn:example\"><d:prop>");
    for (String p : props) out.append('<').append(p).append("/>");
    return out.append("</d:prop></d:propfind>").toString();
  }

  /** One {@code <d:response>}: its href and properties by "{ns}local", each with status and text. */
  record Prop(int status, String text, Element element) {}

  static Map<String, Map<String, Prop>> multistatus(HttpResponse<byte[]> response) throws Exception {
    if (response.statusCode() != 207) {
      throw new AssertionError("expected 207, got " + response.statusCode() + ": " + text(response));
    }
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(response.body()));
    Map<String, Map<String, Prop>> out = new LinkedHashMap<>();
    for (Element r : elements(doc.getDocumentElement(), DAV, "response")) {
      String href = elements(r, DAV, "href").get(0).getTextContent();
      Map<String, Prop> props = new LinkedHashMap<>();
      for (Element propstat : elements(r, DAV, "propstat")) {
        String statusLine = elements(propstat, DAV, "status").get(0).getTextContent();
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        for (Element prop : elements(propstat, DAV, "prop")) {
          NodeList children = prop.getChildNodes();
          for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element e) {
              props.put("{" + e.getNamespaceURI() + "}" + e.getLocalName(), new Prop(status, e.getTextContent(), e));
            }
          }
        }
      }
      out.put(href, props);
    }
    return out;
  }

  static List<Element> elements(Element parent, String ns, String local) {
    List<Element> out = new ArrayList<>();
    NodeList list = parent.getElementsByTagNameNS(ns, local);
    for (int i = 0; i < list.getLength(); i++) out.add((Element) list.item(i));
    return out;
  }

  static boolean isCollection(Prop resourcetype) {
    NodeList children = resourcetype.element().getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      Node n = children.item(i);
      if (n instanceof Element e && "collection".equals(e.getLocalName())) return true;
    }
    return false;
  }
}
