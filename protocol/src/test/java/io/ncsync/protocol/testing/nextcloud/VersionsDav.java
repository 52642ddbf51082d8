package io.ncsync.protocol.testing.nextcloud;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import io.ncsync.protocol.testing.nextcloud.Xml.QName;
import io.ncsync.protocol.testing.nextcloud.Xml.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * files_versions over DAV: {@code /remote.php/dav/versions/{user}/versions/{fileId}} lists the old versions of a file
 * (one child per version, named by the unix time of that version's mtime; the current content is not listed);
 * GET a child downloads it; MOVE it to {@code /remote.php/dav/versions/{user}/restore/target} restores it (the current
 * content becomes a version); DELETE removes one; PROPPATCH {@code nc:version-label} labels one.
 *
 * <p>Every overwrite through the server keeps the old content as a version. Two overwrites of content with the same
 * mtime second keep only the later one, as Nextcloud's file naming does.
 */
final class VersionsDav {
  private final Ctx ctx;

  VersionsDav(Ctx ctx) {
    this.ctx = ctx;
  }

  /** @param rest the decoded segments after {@code versions/{user}} */
  CompletionStage<HttpResponse> handle(Exchange ex, String hrefBase, List<String> rest) {
    if (!ctx.options().versions()) {
      ctx.discard(ex);
      throw DavError.notFound("Versions are disabled on this server");
    }
    if (ex.method.equals("PROPFIND")) {
      return ctx.smallBody(ex).thenCompose(body -> ctx.async(() -> propfind(ex, hrefBase, rest, body)));
    }
    if (ex.method.equals("PROPPATCH")) {
      return ctx.smallBody(ex).thenCompose(body -> ctx.async(() -> proppatch(ex, hrefBase, rest, body)));
    }
    ctx.discard(ex);
    return ctx.async(() -> switch (ex.method) {
      case "GET", "HEAD" -> get(ex, rest);
      case "MOVE" -> restore(ex, rest);
      case "DELETE" -> delete(rest);
      default -> throw DavError.methodNotAllowed(ex.method + " is not allowed here");
    });
  }

  private long fileId(List<String> rest) {
    if (rest.size() < 2 || !rest.get(0).equals("versions")) throw DavError.notFound("Not found");
    try {
      return Long.parseLong(rest.get(1));
    } catch (NumberFormatException e) {
      throw DavError.notFound("File not found: " + rest.get(1));
    }
  }

  private long timestamp(List<String> rest) {
    if (rest.size() != 3) throw DavError.notFound("Not found");
    try {
      return Long.parseLong(rest.get(2));
    } catch (NumberFormatException e) {
      throw DavError.notFound("Version not found: " + rest.get(2));
    }
  }

  private HttpResponse propfind(Exchange ex, String hrefBase, List<String> rest, byte[] body) {
    Xml.PropRequest request = Xml.parsePropfind(body);
    Xml.Multistatus ms = new Xml.Multistatus(Http.minimal(ex));
    int depth = Http.depth(ex, 1);
    if (rest.size() <= 1) {
      if (!rest.isEmpty() && !rest.get(0).equals("versions") && !rest.get(0).equals("restore")) {
        throw DavError.notFound("Not found");
      }
      String href = rest.isEmpty() ? hrefBase : hrefBase + rest.get(0) + "/";
      collection(ms, request, href);
      if (rest.isEmpty() && depth != 0) {
        collection(ms, request, hrefBase + "versions/");
        collection(ms, request, hrefBase + "restore/");
      }
      return Http.xml(207, ms.build(), List.of());
    }
    long fileId = fileId(rest);
    List<Store.Version> versions = ctx.store().versions(fileId);
    if (versions == null) throw DavError.notFound("File not found: " + fileId);
    String folderHref = hrefBase + "versions/" + fileId + "/";
    String path = ctx.store().pathOfFileId(fileId);
    String name = path == null ? Long.toString(fileId) : Store.lastSegment(path);
    if (rest.size() == 2) {
      collection(ms, request, folderHref);
      if (depth != 0) for (Store.Version v : versions) version(ms, request, folderHref, v, name);
    } else {
      long ts = timestamp(rest);
      Store.Version v = versions.stream().filter(x -> x.timestamp() == ts).findFirst()
          .orElseThrow(() -> DavError.notFound("Version " + ts + " not found"));
      version(ms, request, folderHref, v, name);
    }
    return Http.xml(207, ms.build(), List.of());
  }

  private static void collection(Xml.Multistatus ms, Xml.PropRequest request, String href) {
    List<QName> names = request.allProp() ? List.of(QName.dav("resourcetype")) : request.names();
    Map<QName, Value> found = new LinkedHashMap<>();
    List<QName> missing = new ArrayList<>();
    for (QName n : names) {
      if (n.equals(QName.dav("resourcetype"))) found.put(n, new Value("<d:collection/>"));
      else if (!request.allProp()) missing.add(n);
    }
    ms.response(href, found, missing);
  }

  private static void version(Xml.Multistatus ms, Xml.PropRequest request, String folderHref, Store.Version v,
                              String fileName) {
    List<QName> names = request.allProp()
        ? List.of(QName.dav("getcontentlength"), QName.dav("getcontenttype"), QName.dav("getlastmodified"),
            QName.dav("getetag"), QName.dav("resourcetype"), QName.nc("version-label"), QName.nc("version-author"))
        : request.names();
    Map<QName, Value> found = new LinkedHashMap<>();
    List<QName> missing = new ArrayList<>();
    for (QName n : names) {
      Value value = null;
      if (n.ns().equals(Xml.DAV)) {
        value = switch (n.local()) {
          case "getcontentlength" -> Value.text(Long.toString(v.size()));
          case "getcontenttype" -> Value.text(Http.mimeType(fileName));
          case "getlastmodified" -> Value.text(Http.httpDate(v.mtimeMillis()));
          case "getetag" -> Value.text(Http.quote(v.etag()));
          case "resourcetype" -> Value.EMPTY;
          default -> null;
        };
      } else if (n.ns().equals(Xml.NC)) {
        value = switch (n.local()) {
          case "version-label" -> Value.text(v.label());
          case "version-author" -> Value.text(v.author());
          case "has-preview" -> Value.text("false");
          default -> null;
        };
      } else if (n.equals(QName.oc("size"))) {
        value = Value.text(Long.toString(v.size()));
      }
      if (value != null) found.put(n, value);
      else if (!request.allProp()) missing.add(n);
    }
    ms.response(folderHref + v.timestamp(), found, missing);
  }

  private HttpResponse get(Exchange ex, List<String> rest) {
    long fileId = fileId(rest);
    long ts = timestamp(rest);
    java.nio.file.Path file = ctx.store().versionFile(fileId, ts);
    if (file == null) throw DavError.notFound("Version " + ts + " not found");
    if (ex.method.equals("HEAD")) {
      return Http.response(200, List.of(), HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM,
          file.toFile().length(), akka.stream.javadsl.Source.empty()));
    }
    return Http.response(200, List.of(), HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, file));
  }

  private HttpResponse restore(Exchange ex, List<String> rest) {
    long fileId = fileId(rest);
    long ts = timestamp(rest);
    String destination = ex.header("Destination");
    List<String> dest = destination == null ? null : Paths.decodeSegments(Http.pathOfUrl(destination));
    boolean toRestore = dest != null && dest.size() >= 2 && dest.get(dest.size() - 2).equals("restore")
        && dest.contains("versions");
    if (!toRestore) throw DavError.forbidden("Versions can only be moved to .../versions/{user}/restore/target");
    Store.Entry e = ctx.store().restoreVersion(fileId, ts);
    return Http.empty(201, Http.writeHeaders(ctx.store(), e));
  }

  private HttpResponse delete(List<String> rest) {
    ctx.store().deleteVersion(fileId(rest), timestamp(rest));
    return Http.empty(204);
  }

  private HttpResponse proppatch(Exchange ex, String hrefBase, List<String> rest, byte[] body) {
    long fileId = fileId(rest);
    long ts = timestamp(rest);
    Xml.PropPatch patch = Xml.parsePropPatch(body);
    Map<QName, Integer> statuses = new LinkedHashMap<>();
    patch.set().forEach((name, value) -> {
      if (name.equals(QName.nc("version-label"))) {
        ctx.store().labelVersion(fileId, ts, value);
        statuses.put(name, 200);
      } else {
        statuses.put(name, 403);
      }
    });
    for (QName name : patch.remove()) {
      if (name.equals(QName.nc("version-label"))) {
        ctx.store().labelVersion(fileId, ts, "");
        statuses.put(name, 200);
      } else {
        statuses.put(name, 403);
      }
    }
    return Http.xml(207, new Xml.Multistatus(false)
        .statusResponse(hrefBase + "versions/" + fileId + "/" + ts, statuses).build(), List.of());
  }
}
