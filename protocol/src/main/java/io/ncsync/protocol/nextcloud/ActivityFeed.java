package io.ncsync.protocol.nextcloud;

import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.http.HttpTransport;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Activity API as a change feed: {@code GET /ocs/v2.php/apps/activity/api/v2/activity/files?since=<cursor>&sort=asc}.
 * The cursor is an opaque string the caller persists with the library's state ("" = from the start). A hint only: the
 * stream misses changes made outside Nextcloud (files:scan, external storage), so keep a periodic pruned walk.
 */
public final class ActivityFeed {
  public static final int DEFAULT_LIMIT = 200;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern NEXT_LINK = Pattern.compile("<([^>]*)>\\s*;[^,]*rel=\"?next\"?");
  private static final Pattern SINCE = Pattern.compile("[?&]since=(\\d+)");

  private final HttpTransport transport;
  private final URI serverBase;

  private ActivityFeed(HttpTransport transport, URI serverBase) {
    this.transport = transport;
    this.serverBase = NextcloudFeatures.withSlash(serverBase);
  }

  public static ActivityFeed create(HttpTransport transport, URI serverBase) {
    return new ActivityFeed(transport, serverBase);
  }

  /** Activities after {@code cursor}, oldest first, {@link #DEFAULT_LIMIT} at most. */
  public CompletionStage<ActivityPage> since(String cursor) {
    return since(cursor, DEFAULT_LIMIT);
  }

  public CompletionStage<ActivityPage> since(String cursor, int limit) {
    String since = cursor == null ? "" : cursor.strip();
    if (!since.isEmpty() && !since.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("not an activity cursor: " + cursor);
    }
    String url = endpoint() + "?format=json&sort=asc&limit=" + limit + (since.isEmpty() ? "" : "&since=" + since);
    String what = "GET activities since " + (since.isEmpty() ? "the start" : since);
    return Ocs.get(transport, url, what, TIMEOUT).thenApply(answer -> switch (answer.status()) {
      case 304 -> new ActivityPage(ActivityPage.Status.NOTHING_NEW, List.of(), since, false, firstKnown(answer, since));
      case 204 -> new ActivityPage(ActivityPage.Status.DISABLED, List.of(), since, false, false);
      case 403 -> new ActivityPage(ActivityPage.Status.CURSOR_INVALID, List.of(), since, false, false);
      case 404 -> new ActivityPage(ActivityPage.Status.UNAVAILABLE, List.of(), since, false, false);
      default -> page(answer, what, since, limit);
    });
  }

  /**
   * The newest activity's id: where a library that has just been walked in full starts following ("" when the stream
   * is empty or unusable).
   */
  public CompletionStage<String> latestCursor() {
    String url = endpoint() + "?format=json&sort=desc&limit=1";
    String what = "GET latest activity";
    return Ocs.get(transport, url, what, TIMEOUT).thenApply(answer -> {
      if (answer.status() != 200) return "";
      List<Activity> newest = activities(Ocs.data(answer, what));
      return newest.isEmpty() ? "" : Long.toString(newest.get(0).activityId());
    });
  }

  private String endpoint() {
    return serverBase + "ocs/v2.php/apps/activity/api/v2/activity/files";
  }

  private ActivityPage page(Ocs.Answer answer, String what, String since, int limit) {
    List<Activity> activities = activities(Ocs.data(answer, what));
    Optional<String> link = answer.raw().header("Link");
    String nextLink = link.map(ActivityFeed::nextLink).orElse(null);
    String next = answer.raw().header("X-Activity-Last-Given").map(String::strip).filter(s -> s.matches("\\d+"))
        .orElse(null);
    if (next == null && nextLink != null) {
      Matcher m = SINCE.matcher(nextLink);
      if (m.find()) next = m.group(1);
    }
    if (next == null && !activities.isEmpty()) next = Long.toString(activities.get(activities.size() - 1).activityId());
    if (next == null) next = since;
    // The server links a next page after every non-empty one; a short page was the last.
    boolean hasMore = nextLink != null && activities.size() >= limit;
    return new ActivityPage(ActivityPage.Status.OK, activities, next, hasMore, firstKnown(answer, since));
  }

  /** The server says it does not know the cursor we sent. */
  private static boolean firstKnown(Ocs.Answer answer, String since) {
    return !since.isEmpty() && answer.raw().header("X-Activity-First-Known").isPresent();
  }

  static String nextLink(String header) {
    Matcher m = NEXT_LINK.matcher(header);
    return m.find() ? m.group(1) : null;
  }

  private static List<Activity> activities(JsonNode data) {
    if (!data.isArray()) throw new DavException(DavError.MALFORMED_RESPONSE, 200, "activity data is not a list");
    List<Activity> out = new ArrayList<>();
    for (JsonNode a : data) {
      Map<Long, String> objects = new HashMap<>();
      JsonNode objs = a.path("objects");
      if (objs.isObject()) {
        objs.fields().forEachRemaining(e -> {
          try {
            objects.put(Long.parseLong(e.getKey()), e.getValue().asText(""));
          } catch (NumberFormatException ignored) {
            // not a file id
          }
        });
      } else if (objs.isArray()) {
        // PHP encodes {0: "a", 1: "b"} as a list; the index is then the key
        for (int i = 0; i < objs.size(); i++) objects.put((long) i, objs.get(i).asText(""));
      }
      out.add(new Activity(
          a.path("activity_id").asLong(0),
          instant(a.path("datetime").asText(null)),
          a.path("app").asText(""),
          a.path("type").asText(""),
          a.path("user").asText(""),
          a.path("subject").asText(""),
          a.path("object_type").asText(""),
          a.path("object_id").asLong(0),
          a.path("object_name").asText(""),
          objects,
          richFilePaths(a.path("subject_rich"))));
    }
    return out;
  }

  /** {@code subject_rich} is {@code [text, {name: {type, id, name, path, ...}}]}; file parameters carry a path. */
  private static List<String> richFilePaths(JsonNode rich) {
    List<String> paths = new ArrayList<>();
    JsonNode params = rich.isArray() && rich.size() > 1 ? rich.get(1) : null;
    if (params == null || !params.isObject()) return paths;
    params.fields().forEachRemaining(e -> {
      JsonNode p = e.getValue();
      if (p.isObject() && "file".equals(p.path("type").asText()) && p.path("path").isTextual()) {
        paths.add(p.path("path").asText());
      }
    });
    return paths;
  }

  private static java.time.Instant instant(String text) {
    if (text == null) return null;
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
