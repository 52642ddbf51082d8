package io.ncsync.protocol.testing.nextcloud;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import io.ncsync.protocol.testing.nextcloud.Xml.QName;
import io.ncsync.protocol.testing.nextcloud.Xml.Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * files_trashbin over DAV: {@code /remote.php/dav/trashbin/{user}/trash} lists deleted items, each named
 * {@code <name>.d<deletion time>} with {@code nc:trashbin-filename}, {@code nc:trashbin-original-location} (relative
 * to the user's root, no leading slash), {@code nc:trashbin-deletion-time} and {@code nc:trashbin-deleted-by-id}.
 * MOVE an item to {@code .../trashbin/{user}/restore/<item>} restores it to where it was (to the root when that folder
 * is gone, as "name (restored).ext" when the name is taken) with its fileid; DELETE an item purges it; DELETE
 * {@code .../trash} empties the trashbin. Items inside a trashed folder can be listed and downloaded, not restored
 * on their own.
 */
final class TrashbinDav {
  private final Ctx ctx;

  TrashbinDav(Ctx ctx) {
    this.ctx = ctx;
  }

  /** @param rest the decoded segments after {@code trashbin/{user}} */
  CompletionStage<HttpResponse> handle(Exchange ex, String hrefBase, List<String> rest) {
    if (!ctx.options().trashbin()) {
      ctx.discard(ex);
      throw DavError.notFound("The trashbin is disabled on this server");
    }
    if (ex.method.equals("PROPFIND")) {
      return ctx.smallBody(ex).thenCompose(body -> ctx.async(() -> propfind(ex, hrefBase, rest, body)));
    }
    ctx.discard(ex);
    return ctx.async(() -> switch (ex.method) {
      case "GET", "HEAD" -> get(ex, rest);
      case "MOVE" -> restore(ex, rest);
      case "DELETE" -> delete(rest);
      default -> throw DavError.methodNotAllowed(ex.method + " is not allowed here");
    });
  }

  private HttpResponse propfind(Exchange ex, String hrefBase, List<String> rest, byte[] body) {
    Xml.PropRequest request = Xml.parsePropfind(body);
    Xml.Multistatus ms = new Xml.Multistatus(Http.minimal(ex));
    int depth = Http.depth(ex, 1);
    if (rest.isEmpty()) {
      collection(ms, request, hrefBase);
      if (depth != 0) {
        collection(ms, request, hrefBase + "trash/");
        collection(ms, request, hrefBase + "restore/");
      }
      return Http.xml(207, ms.build(), List.of());
    }
    if (rest.get(0).equals("restore") && rest.size() == 1) {
      collection(ms, request, hrefBase + "restore/");
      return Http.xml(207, ms.build(), List.of());
    }
    if (!rest.get(0).equals("trash")) throw DavError.notFound("Not found");
    if (rest.size() == 1) {
      collection(ms, request, hrefBase + "trash/");
      if (depth != 0) {
        for (Store.TrashItem item : ctx.store().trashItems()) {
          Store.Entry e = ctx.store().trashList(item.trashName(), "", 0).get(0);
          item(ms, request, hrefBase + "trash/", item, "", e);
        }
      }
      return Http.xml(207, ms.build(), List.of());
    }
    String trashName = rest.get(1);
    String inner = String.join("/", rest.subList(2, rest.size()));
    Store.TrashItem item = ctx.store().trashItem(trashName);
    List<Store.Entry> entries = item == null ? null : ctx.store().trashList(trashName, inner, depth == 0 ? 0 : 1);
    if (entries == null) throw DavError.notFound("Trash item not found: " + trashName + "/" + inner);
    for (Store.Entry e : entries) item(ms, request, hrefBase + "trash/", item, e.path(), e);
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

  private void item(Xml.Multistatus ms, Xml.PropRequest request, String trashHref, Store.TrashItem item, String inner,
                    Store.Entry e) {
    List<QName> names = request.allProp()
        ? List.of(QName.nc("trashbin-filename"), QName.nc("trashbin-original-location"),
            QName.nc("trashbin-deletion-time"), QName.dav("getcontentlength"), QName.dav("resourcetype"),
            QName.dav("getlastmodified"), QName.dav("getetag"), QName.oc("fileid"))
        : request.names();
    String name = inner.isEmpty() ? item.name() : e.name();
    String location = inner.isEmpty() ? item.originalLocation() : item.originalLocation() + "/" + inner;
    Map<QName, Value> found = new LinkedHashMap<>();
    List<QName> missing = new ArrayList<>();
    for (QName n : names) {
      Value v = null;
      if (n.ns().equals(Xml.NC)) {
        v = switch (n.local()) {
          case "trashbin-filename" -> Value.text(name);
          case "trashbin-original-location" -> Value.text(location);
          case "trashbin-deletion-time" -> Value.text(Long.toString(item.deletionTime()));
          case "trashbin-title" -> Value.text(name);
          case "trashbin-deleted-by-id" -> Value.text(item.deletedBy());
          case "trashbin-deleted-by-display-name" -> Value.text(ctx.store().displayName);
          case "has-preview" -> Value.text("false");
          default -> null;
        };
      } else if (n.ns().equals(Xml.DAV)) {
        v = switch (n.local()) {
          case "getcontentlength" -> e.dir() ? null : Value.text(Long.toString(e.size()));
          case "resourcetype" -> e.dir() ? new Value("<d:collection/>") : Value.EMPTY;
          case "getlastmodified" -> Value.text(Http.httpDate(e.mtimeMillis()));
          case "getetag" -> Value.text(Http.quote(e.etag()));
          case "getcontenttype" -> e.dir() ? null : Value.text(Http.mimeType(name));
          default -> null;
        };
      } else if (n.ns().equals(Xml.OC)) {
        v = switch (n.local()) {
          case "fileid" -> Value.text(Long.toString(e.fileId()));
          case "id" -> Value.text(ctx.store().ocId(e.fileId()));
          case "size" -> Value.text(Long.toString(e.size()));
          case "permissions" -> Value.text("GD");
          default -> null;
        };
      }
      if (v != null) found.put(n, v);
      else if (!request.allProp()) missing.add(n);
    }
    String href = trashHref + Paths.encode(item.trashName()) + (inner.isEmpty() ? "" : "/" + Paths.encode(inner))
        + (e.dir() ? "/" : "");
    ms.response(href, found, missing);
  }

  private HttpResponse get(Exchange ex, List<String> rest) {
    if (rest.size() < 2 || !rest.get(0).equals("trash")) throw DavError.notFound("Not found");
    String inner = String.join("/", rest.subList(2, rest.size()));
    if (ctx.store().trashItem(rest.get(1)) == null) throw DavError.notFound("Trash item not found");
    Path file = ctx.store().trashDiskPath(rest.get(1), inner);
    if (!Files.isRegularFile(file)) throw DavError.notFound("Not a file");
    if (ex.method.equals("HEAD")) {
      return Http.response(200, List.of(), HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM,
          file.toFile().length(), akka.stream.javadsl.Source.empty()));
    }
    return Http.response(200, List.of(), HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, file));
  }

  private HttpResponse restore(Exchange ex, List<String> rest) {
    if (rest.size() != 2 || !rest.get(0).equals("trash")) {
      throw DavError.forbidden("Only top-level trash items can be restored");
    }
    String destination = ex.header("Destination");
    List<String> dest = destination == null ? null : Paths.decodeSegments(Http.pathOfUrl(destination));
    if (dest == null || dest.size() < 2 || !dest.get(dest.size() - 2).equals("restore") || !dest.contains("trashbin")) {
      throw DavError.forbidden("Trash items can only be moved to .../trashbin/{user}/restore/<name>");
    }
    String landed = ctx.store().restoreTrash(rest.get(1));
    Store.Entry e = ctx.store().stat(landed);
    return Http.empty(201, e == null ? List.of() : Http.writeHeaders(ctx.store(), e));
  }

  private HttpResponse delete(List<String> rest) {
    if (rest.size() == 1 && rest.get(0).equals("trash")) {
      ctx.store().emptyTrash();
      return Http.empty(204);
    }
    if (rest.size() == 2 && rest.get(0).equals("trash")) {
      ctx.store().purgeTrash(rest.get(1));
      return Http.empty(204);
    }
    throw DavError.forbidden("Only top-level trash items can be deleted");
  }
}
