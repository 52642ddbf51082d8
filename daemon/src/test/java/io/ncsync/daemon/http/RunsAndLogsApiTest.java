package io.ncsync.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ncsync.daemon.TestDaemons;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What every run did, over HTTP: the run history and the sync log with its filters and exports. */
class RunsAndLogsApiTest extends InProcessDaemonTest {
  static String libraryId;

  @BeforeAll
  static void start() throws Exception {
    libraryId = TestDaemons.createLibrary(api, TestDaemons.createConnection(api, "c"), "docs");
    io.trees(libraryId, Set.of("new here.txt", "=HYPERLINK(x).txt"), Set.of("from the server.txt"));
    assertEquals(202, api.postEmpty("/api/v1/libraries/" + libraryId + "/sync").status());
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!finished()) {
      assertTrue(System.nanoTime() < deadline, "the run did not finish");
      Thread.sleep(50);
    }
  }

  private static boolean finished() {
    JsonNode runs = api.get("/api/v1/libraries/" + libraryId + "/runs").json();
    return runs.get("total").asInt() == 1 && !runs.get("runs").get(0).get("finishedAt").isNull();
  }

  @Test
  void documentsAreListedWithTheirLastTransitionAndFilteredByTimeAndPaged() throws Exception {
    String base = "/api/v1/libraries/" + libraryId + "/documents";
    JsonNode all = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) { // the history is written in batches beside the journal
      all = api.get(base).json();
      boolean everyOneHasItsStep = true;
      for (JsonNode d : all.get("documents")) everyOneHasItsStep &= !d.get("lastTransition").isNull();
      if (all.get("total").asInt() == 3 && everyOneHasItsStep) break;
      Thread.sleep(50);
    }
    assertEquals(3, all.get("total").asInt(), all.toString());
    for (JsonNode d : all.get("documents")) {
      assertEquals("synced", d.get("lastTransition").get("to").asText(), d.toString());
      assertEquals(d.get("path").asText(), d.get("lastTransition").get("path").asText());
    }

    JsonNode future = api.get(base + "?updatedSince=2099-01-01T00:00:00Z").json();
    assertEquals(0, future.get("total").asInt(), future.toString());
    JsonNode past = api.get(base + "?updatedSince=2020-01-01T00:00:00Z").json();
    assertEquals(3, past.get("total").asInt(), past.toString());

    JsonNode second = api.get(base + "?page=2&size=2").json();
    assertEquals(2, second.get("offset").asInt());
    assertEquals(1, second.get("documents").size(), second.toString());
    assertEquals(all.get("documents").get(2).get("path"), second.get("documents").get(0).get("path"));

    assertEquals("updatedSince", api.get(base + "?updatedSince=yesterday").json().get("field").asText());
    assertEquals(400, api.get(base + "?page=1&offset=0").status());
    assertEquals(400, api.get(base + "?page=0").status());
  }

  @Test
  void theRunHistoryShowsTriggerCountsAndBytes() {
    JsonNode run = api.get("/api/v1/libraries/" + libraryId + "/runs").json().get("runs").get(0);
    assertEquals("manual", run.get("trigger").asText(), run.toString());
    assertEquals("succeeded", run.get("outcome").asText(), run.toString());
    assertEquals(2, run.get("uploaded").asInt(), run.toString());
    assertEquals(1, run.get("downloaded").asInt(), run.toString());
    assertEquals(2, run.get("bytesUploaded").asLong(), "two files of one byte: " + run);
    assertEquals(1, run.get("bytesDownloaded").asLong(), run.toString());
    assertEquals(400, api.get("/api/v1/libraries/" + libraryId + "/runs?limit=0").status());
    assertEquals(404, api.get("/api/v1/libraries/no-such/runs").status());
  }

  @Test
  void theSyncLogTellsEveryActionAndFilters() {
    JsonNode page = api.get("/api/v1/logs?library=" + libraryId).json();
    assertEquals(4, page.get("total").asInt(), page.toString());
    assertEquals("run", page.get("lines").get(0).get("action").asText(), "newest first: " + page);
    JsonNode uploads = api.get("/api/v1/logs?library=" + libraryId + "&q=new%20here").json();
    assertEquals(1, uploads.get("total").asInt(), uploads.toString());
    assertEquals("upload", uploads.get("lines").get(0).get("action").asText());
    assertEquals("info", uploads.get("lines").get(0).get("level").asText());
    assertEquals(0, api.get("/api/v1/logs?level=error").json().get("total").asInt());
    assertEquals(2, api.get("/api/v1/logs?size=2&page=1").json().get("lines").size());
    assertEquals(0, api.get("/api/v1/logs?until=2000-01-01T00:00:00Z").json().get("total").asInt());

    for (String bad : new String[] {"level=fatal", "since=yesterday", "page=0", "size=5000", "format=xml", "colour=1"}) {
      ApiClient.Response refused = api.get("/api/v1/logs?" + bad);
      assertEquals(400, refused.status(), bad + ": " + refused);
      assertEquals(bad.substring(0, bad.indexOf('=')), refused.json().get("field").asText(), bad);
    }
    assertEquals(404, api.get("/api/v1/logs?library=no-such-library").status());
  }

  @Test
  void theLogExportsAsCsvAndNdjson() throws Exception {
    ApiClient.Response csv = api.get("/api/v1/logs?format=csv&library=" + libraryId);
    assertEquals(200, csv.status());
    assertTrue(csv.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
    String[] lines = csv.body().split("\r\n");
    assertEquals("at,tenantId,libraryId,runId,level,action,path,message", lines[0]);
    assertEquals(5, lines.length, csv.body());
    assertTrue(csv.body().contains(",'=HYPERLINK(x).txt,"), "a formula-like name is neutralised: " + csv.body());

    ApiClient.Response ndjson = api.send(api.request("/api/v1/logs").header("Accept", "application/x-ndjson").GET().build());
    assertEquals(200, ndjson.status());
    String[] objects = ndjson.body().split("\n");
    assertEquals(4, objects.length);
    ObjectMapper mapper = new ObjectMapper();
    for (String object : objects) assertFalse(mapper.readTree(object).get("message").asText().isEmpty());
  }

  @Test
  void theSummaryCountsTheTenantsLibrariesAndDocuments() {
    JsonNode summary = api.get("/api/v1/summary").json();
    assertEquals(1, summary.get("libraries").asInt(), summary.toString());
    assertEquals(1, summary.get("librariesByState").get("idle").asInt(), summary.toString());
    assertEquals(3, summary.get("documents").get("synced").asInt(), summary.toString());
    assertEquals(0, summary.get("openConflicts").asInt());
    assertEquals(0, summary.get("lastFailures").size());
  }

  @Test
  void anotherTenantSeesNoneOfIt() {
    String tenant = api.post("/api/v1/tenants", ApiClient.json(Map.of("name", "other"))).json().get("id").asText();
    ApiClient other = new ApiClient(daemon.baseUrl(), api.post("/api/v1/tenants/" + tenant + "/tokens",
        ApiClient.json(Map.of("name", "v", "role", "viewer"))).json().get("token").asText());
    assertEquals(0, other.get("/api/v1/logs").json().get("total").asInt());
    assertEquals(404, other.get("/api/v1/logs?library=" + libraryId).status());
    assertEquals(404, other.get("/api/v1/libraries/" + libraryId + "/runs").status());
    assertEquals(0, other.get("/api/v1/summary").json().get("libraries").asInt());
  }
}
