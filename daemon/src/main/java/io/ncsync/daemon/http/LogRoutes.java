package io.ncsync.daemon.http;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.ContentDisposition;
import akka.http.javadsl.model.headers.ContentDispositionTypes;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ncsync.daemon.db.JdbcSyncLog;
import io.ncsync.daemon.logs.SyncLogEntry;
import io.ncsync.persistence.tenant.Tenant;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.optionalHeaderValueByName;
import static akka.http.javadsl.server.Directives.parameterMap;
import static akka.http.javadsl.server.Directives.path;

/**
 * {@code GET /api/v1/logs}: the sync log of the caller's tenant, newest first, filtered by library, level, text and
 * time, as JSON pages or exported as CSV or NDJSON ({@code format=} or {@code Accept}). A library of another tenant
 * answers 404 like an unknown one.
 */
public final class LogRoutes {
  static final int DEFAULT_SIZE = 100;
  static final int MAX_SIZE = 1_000;
  /** An export may take more lines in one request than a page. */
  static final int MAX_EXPORT_SIZE = 10_000;

  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final ApiErrors errors;
  private final JdbcSyncLog syncLog;
  private final Access access;
  private final ObjectMapper mapper = JsonSupport.newMapper();

  public LogRoutes(ClusterSharding sharding, Duration askTimeout, ApiErrors errors, JdbcSyncLog syncLog) {
    this.sharding = sharding;
    this.askTimeout = askTimeout;
    this.errors = errors;
    this.syncLog = syncLog;
    this.access = new Access(errors);
  }

  private enum Format { JSON, CSV, NDJSON }

  public Route route(Caller caller) {
    return path("logs", () -> get(() -> access.require(caller, Endpoint.LOGS, () -> parameterMap(parameters ->
        optionalHeaderValueByName("Accept", accept -> errors.respond(() -> logs(caller.tenantId(), parameters, accept)))))));
  }

  private CompletionStage<HttpResponse> logs(String tenantId, Map<String, String> parameters, Optional<String> accept) {
    for (String name : parameters.keySet()) {
      if (!List.of("library", "level", "q", "since", "until", "page", "size", "format").contains(name)) {
        throw ApiException.badField(name, "unknown parameter '" + name
            + "' (known: library, level, q, since, until, page, size, format)");
      }
    }
    Format format = format(parameters.get("format"), accept);
    String level = parameters.get("level");
    if (level != null && !List.of(SyncLogEntry.INFO, SyncLogEntry.WARNING, SyncLogEntry.ERROR).contains(level)) {
      throw ApiException.badField("level", "level must be one of info, warning, error, got '" + level + "'");
    }
    Instant since = instant(parameters.get("since"), "since");
    Instant until = instant(parameters.get("until"), "until");
    int page = whole(parameters.get("page"), "page", 1, 1, Integer.MAX_VALUE / MAX_EXPORT_SIZE);
    int size = whole(parameters.get("size"), "size", DEFAULT_SIZE, 1, format == Format.JSON ? MAX_SIZE : MAX_EXPORT_SIZE);
    String text = parameters.get("q");
    if (text != null && (text.isBlank() || text.length() > 200)) {
      throw ApiException.badField("q", "q must be 1 to 200 characters");
    }
    String library = parameters.get("library");
    CompletionStage<Void> libraryKnown = library == null ? CompletableFuture.completedFuture(null)
        : sharding.entityRefFor(Tenant.ENTITY_KEY, tenantId).<Tenant.Libraries>ask(Tenant.ListLibraries::new, askTimeout)
            .thenAccept(all -> {
              if (all.libraries().stream().noneMatch(l -> l.libraryId().equals(library))) {
                throw ApiException.notFound("unknown library: " + library);
              }
            });
    JdbcSyncLog.Query query = new JdbcSyncLog.Query(tenantId, library, level, text, since, until, (page - 1) * size, size);
    return libraryKnown.thenCompose(ok -> syncLog.lines(query)).thenApply(found -> switch (format) {
      case JSON -> errors.json(StatusCodes.OK, new ApiJson.LogPage(found.total(), page, size,
          found.items().stream().map(ApiJson.LogLine::of).toList()));
      case CSV -> export(csv(found.items()), ContentTypes.TEXT_CSV_UTF8, "csv");
      case NDJSON -> export(ndjson(found.items()), NDJSON_TYPE, "ndjson");
    });
  }

  private static Format format(String parameter, Optional<String> accept) {
    if (parameter != null) {
      return switch (parameter) {
        case "json" -> Format.JSON;
        case "csv" -> Format.CSV;
        case "ndjson" -> Format.NDJSON;
        default -> throw ApiException.badField("format", "format must be json, csv or ndjson, got '" + parameter + "'");
      };
    }
    String wanted = accept.orElse("");
    if (wanted.contains("text/csv")) return Format.CSV;
    if (wanted.contains("application/x-ndjson") || wanted.contains("application/ndjson")) return Format.NDJSON;
    return Format.JSON;
  }

  private static final akka.http.javadsl.model.ContentType NDJSON_TYPE = MediaTypes
      .applicationWithFixedCharset("x-ndjson", akka.http.javadsl.model.HttpCharsets.UTF_8, "ndjson").toContentType();

  private static HttpResponse export(String body, akka.http.javadsl.model.ContentType type, String extension) {
    return HttpResponse.create().withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.create(type, body.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .addHeader(ContentDisposition.create(ContentDispositionTypes.ATTACHMENT,
            Map.of("filename", "ncsync-log." + extension)));
  }

  static String csv(List<SyncLogEntry> lines) {
    StringBuilder out = new StringBuilder("at,tenantId,libraryId,runId,level,action,path,message\r\n");
    for (SyncLogEntry e : lines) {
      out.append(String.join(",", cell(String.valueOf(e.at())), cell(e.tenantId()), cell(e.libraryId()),
          cell(e.runId()), cell(e.level()), cell(e.action()), cell(e.path()), cell(e.message()))).append("\r\n");
    }
    return out.toString();
  }

  /**
   * One CSV field (RFC 4180). A value a spreadsheet would run as a formula (a file name like {@code =HYPERLINK(...)})
   * is prefixed with {@code '}, so opening an export never executes a user's file name.
   */
  static String cell(String value) {
    if (value == null) return "";
    String safe = !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
    if (safe.contains(",") || safe.contains("\"") || safe.contains("\n") || safe.contains("\r")) {
      return "\"" + safe.replace("\"", "\"\"") + "\"";
    }
    return safe;
  }

  private String ndjson(List<SyncLogEntry> lines) {
    StringBuilder out = new StringBuilder();
    for (SyncLogEntry e : lines) {
      try {
        out.append(mapper.writeValueAsString(ApiJson.LogLine.of(e))).append('\n');
      } catch (JsonProcessingException ex) {
        throw new IllegalStateException("a log line is not serializable", ex);
      }
    }
    return out.toString();
  }

  private static Instant instant(String value, String name) {
    if (value == null) return null;
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw ApiException.badField(name, name + " must be an ISO-8601 instant such as 2026-12-01T00:00:00Z, got '"
          + value + "'");
    }
  }

  private static int whole(String value, String name, int fallback, int min, int max) {
    if (value == null) return fallback;
    try {
      int parsed = Integer.parseInt(value);
      if (parsed < min || parsed > max) throw ApiException.badField(name, name + " must be between " + min + " and " + max);
      return parsed;
    } catch (NumberFormatException e) {
      throw ApiException.badField(name, name + " must be a whole number, got '" + value + "'");
    }
  }
}
