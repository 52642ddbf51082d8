package io.ncsync.daemon.e2e;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The test's own view of the WebDAV server, independent of the daemon's protocol module: plain HTTP with basic auth
 * against the server root. Paths are '/'-separated and relative to the root ("lib/a/b.txt"). Writes go through
 * HTTP, never into the server's document root on disk, because Apache's workers own those files.
 */
final class DavRemote {

  private static final String DAV = "DAV:";
  private static final String PROPFIND_BODY =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
          + "<d:propfind xmlns:d=\"DAV:\"><d:prop><d:resourcetype/><d:getetag/><d:getcontentlength/></d:prop></d:propfind>";

  /** One child of a folder listing. */
  record Entry(String path, boolean folder, long size, String etag) {}

  private final URI root;
  private final String authorization;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  DavRemote(URI root, String username, String password) {
    String r = root.toString();
    this.root = URI.create(r.endsWith("/") ? r : r + "/");
    this.authorization = "Basic "
        + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  URI url(String relPath) {
    StringBuilder sb = new StringBuilder();
    for (String segment : relPath.split("/")) {
      if (segment.isEmpty()) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return root.resolve(sb.toString());
  }

  private HttpRequest.Builder request(String relPath) {
    return HttpRequest.newBuilder(url(relPath)).timeout(Duration.ofSeconds(60)).header("Authorization", authorization);
  }

  private HttpResponse<byte[]> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static void expect(HttpRequest request, HttpResponse<byte[]> response, int... codes) {
    for (int code : codes) {
      if (response.statusCode() == code) {
        return;
      }
    }
    throw new AssertionError(request.method() + " " + request.uri() + " -> " + response.statusCode() + ": "
        + new String(response.body(), StandardCharsets.UTF_8));
  }

  /** PUT, creating missing parent folders first. */
  void put(String relPath, byte[] content) {
    mkdirs(parent(relPath));
    HttpRequest req = request(relPath).PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build();
    expect(req, send(req), 200, 201, 204);
  }

  void put(String relPath, String content) {
    put(relPath, E2eFiles.utf8(content));
  }

  /** PUTs many files with bounded parallelism (parent folders are created first, sequentially). */
  void putAll(Map<String, byte[]> files, int parallelism) {
    new TreeSet<>(files.keySet().stream().map(DavRemote::parent).toList()).forEach(this::mkdirs);
    Semaphore slots = new Semaphore(parallelism);
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      slots.acquireUninterruptibly();
      HttpRequest req = request(e.getKey()).PUT(HttpRequest.BodyPublishers.ofByteArray(e.getValue())).build();
      all.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
          .whenComplete((r, t) -> slots.release())
          .thenAccept(r -> expect(req, r, 200, 201, 204)));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
  }

  byte[] get(String relPath) {
    HttpRequest req = request(relPath).GET().build();
    HttpResponse<byte[]> response = send(req);
    expect(req, response, 200);
    return response.body();
  }

  /** PROPFIND Depth 0: whether a file or folder exists at the path. */
  boolean exists(String relPath) {
    HttpRequest req = request(relPath)
        .method("PROPFIND", HttpRequest.BodyPublishers.ofString(PROPFIND_BODY))
        .header("Depth", "0")
        .header("Content-Type", "application/xml; charset=utf-8")
        .build();
    HttpResponse<byte[]> response = send(req);
    if (response.statusCode() == 404) {
      return false;
    }
    expect(req, response, 207);
    return true;
  }

  void delete(String relPath) {
    HttpRequest req = request(relPath).DELETE().build();
    expect(req, send(req), 200, 204);
  }

  /** MOVE, as another client of the account renames a file on the server. */
  void move(String fromRelPath, String toRelPath) {
    HttpRequest req = request(fromRelPath).method("MOVE", HttpRequest.BodyPublishers.noBody())
        .header("Destination", url(toRelPath).toString())
        .build();
    expect(req, send(req), 201, 204);
  }

  /** MKCOL of every missing folder along the path. */
  void mkdirs(String relPath) {
    StringBuilder sb = new StringBuilder();
    for (String segment : relPath.split("/")) {
      if (segment.isEmpty()) {
        continue;
      }
      sb.append(sb.length() > 0 ? "/" : "").append(segment);
      HttpRequest req = request(sb + "/").method("MKCOL", HttpRequest.BodyPublishers.noBody()).build();
      expect(req, send(req), 201, 405);
    }
  }

  /** PROPFIND Depth 1 of a folder: its children (not the folder itself). */
  List<Entry> list(String folder) {
    String f = folder.isEmpty() || folder.endsWith("/") ? folder : folder + "/";
    HttpRequest req = request(f)
        .method("PROPFIND", HttpRequest.BodyPublishers.ofString(PROPFIND_BODY))
        .header("Depth", "1")
        .header("Content-Type", "application/xml; charset=utf-8")
        .build();
    HttpResponse<byte[]> response = send(req);
    expect(req, response, 207);
    String self = trimSlashes(folder);
    List<Entry> entries = new ArrayList<>();
    NodeList responses = parse(response.body()).getElementsByTagNameNS(DAV, "response");
    for (int i = 0; i < responses.getLength(); i++) {
      Element r = (Element) responses.item(i);
      String href = text(r, "href");
      String path = trimSlashes(relativeToRoot(href));
      if (path.equals(self)) {
        continue;
      }
      boolean isFolder = r.getElementsByTagNameNS(DAV, "collection").getLength() > 0;
      String length = text(r, "getcontentlength");
      long size = length == null || length.isBlank() ? -1 : Long.parseLong(length.trim());
      entries.add(new Entry(path, isFolder, size, text(r, "getetag")));
    }
    return entries;
  }

  /** Every file below a folder (walked with Depth 1, as ordinary clients do), without reading contents. */
  SortedMap<String, Long> listFilesRecursively(String folder) {
    SortedMap<String, Long> files = new TreeMap<>();
    for (Entry e : list(folder)) {
      if (e.folder()) {
        files.putAll(listFilesRecursively(e.path()));
      } else {
        files.put(e.path(), e.size());
      }
    }
    return files;
  }

  /** The tree below a folder, paths relative to that folder, every file downloaded and hashed. */
  Tree tree(String folder) {
    String base = trimSlashes(folder);
    SortedMap<String, String> files = new TreeMap<>();
    SortedSet<String> dirs = new TreeSet<>();
    walk(base, base, files, dirs);
    return new Tree(files, dirs);
  }

  private void walk(String base, String folder, SortedMap<String, String> files, SortedSet<String> dirs) {
    for (Entry e : list(folder)) {
      String rel = base.isEmpty() ? e.path() : e.path().substring(base.length() + 1);
      if (e.folder()) {
        dirs.add(rel);
        walk(base, e.path(), files, dirs);
      } else {
        files.put(rel, E2eFiles.sha256(get(e.path())));
      }
    }
  }

  private String relativeToRoot(String href) {
    String decoded = URI.create(href).getPath();
    String rootPath = root.getPath();
    if (decoded.startsWith(rootPath)) {
      return decoded.substring(rootPath.length());
    }
    String rootNoSlash = rootPath.substring(0, rootPath.length() - 1);
    if (decoded.equals(rootNoSlash)) {
      return "";
    }
    throw new AssertionError("href " + href + " is outside the server root " + root);
  }

  private static String trimSlashes(String p) {
    String s = p;
    while (s.startsWith("/")) {
      s = s.substring(1);
    }
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  static String parent(String relPath) {
    int i = relPath.lastIndexOf('/');
    return i < 0 ? "" : relPath.substring(0, i);
  }

  private static String text(Element parent, String localName) {
    NodeList nodes = parent.getElementsByTagNameNS(DAV, localName);
    return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent();
  }

  private static Document parse(byte[] xml) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      DocumentBuilder builder = factory.newDocumentBuilder();
      return builder.parse(new ByteArrayInputStream(xml));
    } catch (Exception e) {
      throw new AssertionError("unparseable PROPFIND answer: " + new String(xml, StandardCharsets.UTF_8), e);
    }
  }
}
