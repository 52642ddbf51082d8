package io.ncsync.protocol.testing.nextcloud;

import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The OCS API subset: {@code cloud/capabilities} (public), {@code cloud/user}, {@code cloud/users/{id}}, the activity
 * stream ({@code apps/activity/api/v2/activity[/filter]}), files_lock ({@code apps/files_lock/lock/{fileId}}) and
 * {@code core/getapppassword} / {@code core/apppassword}.
 *
 * <p>v1 answers HTTP 200 with {@code meta.statuscode} 100 for success (other OCS codes in the body, but 401 stays
 * 401); v2 uses real HTTP statuses with statuscode 200. {@code ?format=json} (or {@code Accept: application/json})
 * selects JSON, else XML. A request authenticated by the session cookie alone must carry {@code OCS-APIRequest: true}
 * (else 412 "CSRF check failed", as Nextcloud's CSRF check answers); with Basic auth it is not needed.
 */
final class Ocs {
  static final String VERSION = "30.0.1.2";
  static final String VERSION_STRING = "30.0.1";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx").withZone(ZoneOffset.UTC);

  /** An OCS failure: OCS status code and HTTP status (v2). */
  static final class OcsError extends RuntimeException {
    final int ocsCode;
    final int httpStatus;

    OcsError(int ocsCode, int httpStatus, String message) {
      super(message, null, false, false);
      this.ocsCode = ocsCode;
      this.httpStatus = httpStatus;
    }
  }

  private final Ctx ctx;
  private final String baseUrl;

  Ocs(Ctx ctx, String baseUrl) {
    this.ctx = ctx;
    this.baseUrl = baseUrl;
  }

  static boolean isV2(Exchange ex) {
    return "v2.php".equals(ex.segment(1));
  }

  static boolean wantsJson(Exchange ex) {
    String format = ex.query.get("format");
    if (format != null) return format.equalsIgnoreCase("json");
    String accept = ex.header("Accept");
    return accept != null && accept.contains("application/json");
  }

  /** Routes an OCS request; {@code authenticated} says whether credentials (basic or session) were valid. */
  CompletionStage<HttpResponse> handle(Exchange ex, boolean authenticated, boolean viaCookieOnly) {
    ctx.discard(ex);
    String route = ex.rest(2);
    if (route.equals("cloud/capabilities") && ex.method.equals("GET")) {
      return done(ok(ex, map("version", version(), "capabilities", capabilities())));
    }
    if (!authenticated) throw new OcsError(997, 401, "Current user is not logged in");
    String apiRequest = ex.header("OCS-APIRequest");
    if (viaCookieOnly && !"true".equalsIgnoreCase(apiRequest == null ? "" : apiRequest.strip())) {
      return done(Http.json(412, "{\"message\":\"CSRF check failed\"}", List.of()));
    }
    if (route.equals("cloud/user") && ex.method.equals("GET")) return done(ok(ex, user()));
    if (route.equals("cloud/users/" + ctx.store().userId) && ex.method.equals("GET")) return done(ok(ex, user()));
    if (route.startsWith("cloud/users/")) throw new OcsError(404, 404, "User does not exist");
    if (route.equals("core/getapppassword") && ex.method.equals("GET")) {
      throw new OcsError(403, 403, "You are already using an app password");
    }
    if (route.startsWith("apps/activity/api/v2/activity") && ex.method.equals("GET")) {
      if (!ctx.options().activity()) throw new OcsError(998, 404, "The activity app is not enabled");
      return ctx.async(() -> activity(ex, route));
    }
    if (route.startsWith("apps/files_lock/lock/") && ctx.options().locking()) {
      return ctx.async(() -> filesLock(ex, route.substring("apps/files_lock/lock/".length())));
    }
    throw new OcsError(998, 404, "Invalid query, please check the syntax. API specifications are here:"
        + " http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.");
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  // ---- Documents ---------------------------------------------------------------------------------------------------

  static Map<String, Object> status(boolean maintenance) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("installed", true);
    s.put("maintenance", maintenance);
    s.put("needsDbUpgrade", false);
    s.put("version", VERSION);
    s.put("versionstring", VERSION_STRING);
    s.put("edition", "");
    s.put("productname", "Nextcloud");
    s.put("extendedSupport", false);
    return s;
  }

  private static Map<String, Object> version() {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("major", 30);
    v.put("minor", 0);
    v.put("micro", 1);
    v.put("string", VERSION_STRING);
    v.put("edition", "");
    v.put("extendedSupport", false);
    return v;
  }

  Map<String, Object> capabilities() {
    NextcloudTestServer.Options o = ctx.options();
    Map<String, Object> caps = new LinkedHashMap<>();
    caps.put("core", map("pollinterval", 60, "webdav-root", "remote.php/webdav", "reference-api", true,
        "mod-rewrite-working", false));
    caps.put("bruteforce", map("delay", ctx.faults().bruteForceDelayMillis(), "allow-listed", false));
    Map<String, Object> dav = new LinkedHashMap<>();
    if (o.chunking()) dav.put("chunking", "1.0");
    if (o.bulkUpload() && !ctx.faults().minimalOn()) dav.put("bulkupload", "1.0");
    caps.put("dav", dav);
    Map<String, Object> files = new LinkedHashMap<>();
    files.put("bigfilechunking", o.chunking());
    files.put("blacklisted_files", List.of(".htaccess"));
    files.put("forbidden_filenames", List.of(".htaccess"));
    files.put("forbidden_filename_basenames", List.of());
    files.put("forbidden_filename_characters", List.of("/", "\\"));
    files.put("forbidden_filename_extensions", List.of(".part", ".filepart"));
    files.put("chunked_upload", map("max_size", o.maxChunkSize(), "max_parallel_count", 5));
    if (o.trashbin()) files.put("undelete", true);
    if (o.versions()) {
      files.put("versioning", true);
      files.put("version_labeling", true);
      files.put("version_deletion", true);
    }
    if (o.locking()) {
      files.put("locking", "1.0");
      files.put("api-feature-lock-type", true);
    }
    caps.put("files", files);
    if (ctx.faults().notifyPushOn()) {
      caps.put("notify_push", map("type", List.of("files", "activities", "notifications"), "endpoints",
          map("websocket", baseUrl.replaceFirst("^http", "ws") + "push/ws")));
    }
    if (o.activity()) caps.put("activity", map("apiv2", List.of("filters", "filters-api", "previews", "rich-strings")));
    if (o.checksumsCapability()) {
      caps.put("checksums", map("supportedTypes", List.of("SHA1", "MD5", "SHA256"), "preferredUploadType", "SHA1"));
    }
    return caps;
  }

  private Map<String, Object> user() {
    Store store = ctx.store();
    Map<String, Object> u = new LinkedHashMap<>();
    u.put("enabled", true);
    u.put("storageLocation", store.filesDir.getParent().toString());
    u.put("id", store.userId);
    u.put("lastLogin", System.currentTimeMillis());
    u.put("backend", "Database");
    u.put("subadmin", List.of());
    u.put("quota", store.quotaJson());
    u.put("email", store.userId + "@example.com");
    u.put("additional_mail", List.of());
    u.put("displayname", store.displayName);
    u.put("display-name", store.displayName);
    u.put("phone", "");
    u.put("address", "");
    u.put("website", "");
    u.put("twitter", "");
    u.put("groups", List.of());
    u.put("language", "en");
    u.put("locale", "");
    u.put("backendCapabilities", map("setDisplayName", true, "setPassword", true));
    return u;
  }

  // ---- Activity ----------------------------------------------------------------------------------------------------

  private HttpResponse activity(Exchange ex, String route) {
    String filter = route.equals("apps/activity/api/v2/activity") ? "all"
        : route.substring("apps/activity/api/v2/activity/".length());
    if (filter.equals("filters")) {
      return ok(ex, List.of(map("id", "all", "name", "All activities", "priority", 0),
          map("id", "self", "name", "By you", "priority", 1), map("id", "files", "name", "File changes", "priority", 2)));
    }
    if (!List.of("all", "self", "files", "filter").contains(filter)) throw new OcsError(404, 404, "The filter is unknown");
    long since = parseLong(ex.query.get("since"), 0);
    int limit = (int) Math.max(1, Math.min(500, parseLong(ex.query.get("limit"), 50)));
    boolean ascending = "asc".equalsIgnoreCase(ex.query.get("sort"));
    List<HttpHeader> headers = new ArrayList<>();
    Store store = ctx.store();
    if (since > 0 && !store.knowsActivity(since)) {
      headers.add(Http.header("X-Activity-First-Known", Long.toString(ascending ? store.firstActivityId()
          : store.lastActivityId())));
      since = 0;
    }
    List<Store.Activity> page = store.activities(since, limit, ascending);
    if (page.isEmpty()) return Http.empty(304, headers);
    long lastGiven = page.get(page.size() - 1).id();
    headers.add(Http.header("X-Activity-Last-Given", Long.toString(lastGiven)));
    Map<String, String> next = new LinkedHashMap<>(ex.query);
    next.put("since", Long.toString(lastGiven));
    StringBuilder link = new StringBuilder(baseUrl).append(ex.rawPath.substring(1)).append('?');
    next.forEach((k, v) -> link.append(java.net.URLEncoder.encode(k, java.nio.charset.StandardCharsets.UTF_8)).append('=')
        .append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8)).append('&'));
    link.setLength(link.length() - 1);
    headers.add(Http.header("Link", "<" + link + ">; rel=\"next\""));
    List<Object> data = new ArrayList<>();
    for (Store.Activity a : page) data.add(activityJson(a));
    return ok(ex, data, headers);
  }

  private Map<String, Object> activityJson(Store.Activity a) {
    String user = ctx.store().userId;
    String objectName = "/" + a.path();
    String name = Store.lastSegment(a.path());
    Map<String, Object> file = map("type", "file", "id", Long.toString(a.fileId()), "name", name, "path", a.path(),
        "link", baseUrl + "index.php/f/" + a.fileId());
    String subject;
    Map<String, Object> params = new LinkedHashMap<>();
    switch (a.subject()) {
      case "created_self" -> {
        subject = "You created {file}";
        params.put("file", file);
      }
      case "changed_self", "restored_version" -> {
        subject = "You changed {file}";
        params.put("file", file);
      }
      case "deleted_self" -> {
        subject = "You deleted {file}";
        params.put("file", file);
      }
      case "restored_self" -> {
        subject = "You restored {file}";
        params.put("file", file);
      }
      case "renamed_self", "moved_self" -> {
        subject = a.subject().equals("renamed_self") ? "You renamed {oldfile} to {newfile}" : "You moved {oldfile} to {newfile}";
        params.put("newfile", file);
        params.put("oldfile", map("type", "file", "id", Long.toString(a.fileId()), "name", Store.lastSegment(a.oldPath()),
            "path", a.oldPath()));
      }
      default -> {
        subject = "{file}";
        params.put("file", file);
      }
    }
    String plain = subject;
    for (Map.Entry<String, Object> p : params.entrySet()) {
      @SuppressWarnings("unchecked") Map<String, Object> param = (Map<String, Object>) p.getValue();
      plain = plain.replace("{" + p.getKey() + "}", String.valueOf(param.get("name")));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("activity_id", a.id());
    out.put("app", "files");
    out.put("type", a.type());
    out.put("user", user);
    out.put("affecteduser", user);
    out.put("subject", plain);
    out.put("subject_rich", List.of(subject, params));
    out.put("message", "");
    out.put("message_rich", List.of("", List.of()));
    out.put("object_type", "files");
    out.put("object_id", a.fileId());
    out.put("object_name", objectName);
    out.put("objects", map(Long.toString(a.fileId()), objectName));
    out.put("link", baseUrl + "index.php/apps/files/?dir=" + "/" + Store.parentOf(a.path()));
    out.put("icon", baseUrl + "apps/files/img/" + (a.type().equals("file_deleted") ? "delete" : "add") + "-color.svg");
    out.put("datetime", ISO.format(Instant.ofEpochMilli(a.time())));
    out.put("previews", List.of());
    return out;
  }

  // ---- files_lock OCS ----------------------------------------------------------------------------------------------

  private HttpResponse filesLock(Exchange ex, String fileIdText) {
    long fileId = parseLong(fileIdText, -1);
    String path = fileId < 0 ? null : ctx.store().pathOfFileId(fileId);
    if (path == null) throw new OcsError(404, 404, "File not found");
    try {
      Store.Entry e = switch (ex.method) {
        case "PUT" -> ctx.store().lock(path, ctx.store().userId, ctx.store().displayName, 0);
        case "DELETE" -> ctx.store().unlock(path, ctx.store().userId);
        default -> throw new OcsError(405, 405, "Method not allowed");
      };
      Store.Lock lock = e.lock();
      return ok(ex, lock == null ? List.of() : map("id", 1, "uri", path, "type", lock.type(), "owner", lock.owner(),
          "ownerDisplayName", lock.ownerDisplayName(), "creation", lock.time(), "ttl", lock.timeoutSeconds(),
          "token", lock.token()));
    } catch (DavError e) {
      throw new OcsError(e.status, e.status, e.getMessage());
    }
  }

  // ---- Envelope ----------------------------------------------------------------------------------------------------

  HttpResponse ok(Exchange ex, Object data) {
    return ok(ex, data, List.of());
  }

  private HttpResponse ok(Exchange ex, Object data, List<HttpHeader> headers) {
    boolean v2 = isV2(ex);
    return envelope(ex, "ok", v2 ? 200 : 100, "OK", data, 200, headers);
  }

  /** The OCS failure envelope: v1 answers HTTP 200 (except 401), v2 the real status. */
  static HttpResponse failure(Exchange ex, OcsError e, List<HttpHeader> headers, boolean httpLevel) {
    boolean v2 = isV2(ex);
    int http = v2 || httpLevel ? e.httpStatus : 200;
    return envelope(ex, "failure", e.ocsCode, e.getMessage(), List.of(), http, headers);
  }

  private static HttpResponse envelope(Exchange ex, String status, int code, String message, Object data, int http,
                                       List<HttpHeader> headers) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("status", status);
    meta.put("statuscode", code);
    meta.put("message", message);
    meta.put("totalitems", "");
    meta.put("itemsperpage", "");
    Map<String, Object> ocs = map("meta", meta, "data", data);
    if (wantsJson(ex)) {
      try {
        return Http.json(http, JSON.writeValueAsString(Map.of("ocs", ocs)), headers);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\"?>\n<ocs>");
    toXml(meta, "meta", xml);
    toXml(data, "data", xml);
    xml.append("</ocs>\n");
    return Http.xml(http, xml.toString(), headers);
  }

  private static void toXml(Object value, String tag, StringBuilder out) {
    String name = tag.matches("[A-Za-z_][A-Za-z0-9_.-]*") ? tag : "element";
    out.append('<').append(name).append('>');
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> toXml(v, String.valueOf(k), out));
    } else if (value instanceof List<?> list) {
      for (Object v : list) toXml(v, "element", out);
    } else if (value instanceof Boolean b) {
      out.append(b ? "1" : "");
    } else if (value != null) {
      out.append(Xml.escape(String.valueOf(value)));
    }
    out.append("</").append(name).append('>');
  }

  static Map<String, Object> map(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) m.put(String.valueOf(keyValues[i]), keyValues[i + 1]);
    return m;
  }

  private static long parseLong(String value, long fallback) {
    if (value == null || value.isBlank()) return fallback;
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
