package io.ncsync.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.TestDaemons;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.http.HttpRequest;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The served OpenAPI document is valid (parsed by swagger-parser), lists every operation of {@link Endpoint}, and
 * every operation it lists is answered by a route (never "no such endpoint" or 405).
 */
class OpenApiTest extends InProcessDaemonTest {

  @Test
  void theDocumentIsValidOpenApiAndMatchesTheRoutes() {
    ApiClient.Response served = api.get("/api/v1/openapi.json");
    assertEquals(200, served.status(), served.toString());
    SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(served.body());
    assertTrue(parsed.getMessages() == null || parsed.getMessages().isEmpty(), String.valueOf(parsed.getMessages()));
    OpenAPI openApi = parsed.getOpenAPI();
    assertNotNull(openApi);

    Set<String> documented = new HashSet<>();
    for (Map.Entry<String, PathItem> path : openApi.getPaths().entrySet()) {
      for (Map.Entry<PathItem.HttpMethod, Operation> operation : path.getValue().readOperationsMap().entrySet()) {
        String method = operation.getKey().name();
        documented.add(method + " " + path.getKey());
        String concrete = path.getKey().replaceAll("\\{[A-Za-z]+}", "x");
        HttpRequest request = api.request("/api/v1" + concrete)
            .method(method, HttpRequest.BodyPublishers.noBody()).build();
        ApiClient.Response answer = api.send(request);
        String what = method + " " + path.getKey() + ": " + answer;
        assertNotEquals(405, answer.status(), what);
        assertFalse(String.valueOf(answer.error()).startsWith("no such endpoint"), what);
        assertNotNull(operation.getValue().getExtensions().get("x-ncsync-role"), what);
      }
    }
    for (Endpoint endpoint : Endpoint.values()) {
      assertTrue(documented.contains(endpoint.method() + " " + endpoint.path()), endpoint + " is documented");
    }
    assertEquals(Endpoint.values().length, documented.size());
    assertNotNull(openApi.getComponents().getSchemas().get("CreateLibrary"), "request bodies are described");
  }

  @Test
  void anUndocumentedOperationIsNoRoute() {
    ApiClient.Response answer = api.send(api.request("/api/v1/libraries/x/undocumented")
        .method("POST", HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(404, answer.status());
    assertTrue(answer.error().startsWith("no such endpoint"), answer.toString());
  }
}
