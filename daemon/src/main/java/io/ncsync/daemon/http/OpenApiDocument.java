package io.ncsync.daemon.http;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The OpenAPI 3 description of {@code /api/v1}, made from {@link Endpoint} (every operation, its role and request
 * type) and the request records of {@link ApiJson}, so it cannot drift from the routes: a route exists only with its
 * {@code Endpoint} constant. Served at {@code GET /api/v1/openapi.json}.
 */
public final class OpenApiDocument {
  private OpenApiDocument() {}

  public static Map<String, Object> build(String version) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("openapi", "3.0.3");
    document.put("info", Map.of("title", "ncsync admin API", "version", version,
        "description", "Every operation needs 'Authorization: Bearer <token>'; x-ncsync-role is the least role that "
            + "may call it (viewer < manager < admin < system). A system token acts for the tenant named in "
            + BearerAuth.TENANT_HEADER + "."));
    document.put("servers", List.of(Map.of("url", "/api/v1")));
    Map<String, Object> schemas = new LinkedHashMap<>();
    Map<String, Object> error = new LinkedHashMap<>(object(Map.of(
        "error", Map.of("type", "string", "description", "a code: the status's name or a more precise one"),
        "message", Map.of("type", "string"),
        "field", Map.of("type", "string", "nullable", true)), List.of("error", "message")));
    error.put("additionalProperties", true); // some errors add what they are about (requiredRole, runId, ...)
    schemas.put("Error", error);
    Map<String, Object> paths = new LinkedHashMap<>();
    for (Endpoint endpoint : Endpoint.values()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> item = (Map<String, Object>) paths.computeIfAbsent(endpoint.path(), p -> new LinkedHashMap<>());
      item.put(endpoint.method().toLowerCase(Locale.ROOT), operation(endpoint, schemas));
    }
    document.put("paths", paths);
    document.put("components", Map.of(
        "schemas", schemas,
        "securitySchemes", Map.of("bearer", Map.of("type", "http", "scheme", "bearer"))));
    document.put("security", List.of(Map.of("bearer", List.of())));
    return document;
  }

  private static Map<String, Object> operation(Endpoint endpoint, Map<String, Object> schemas) {
    Map<String, Object> operation = new LinkedHashMap<>();
    operation.put("operationId", camel(endpoint.name()));
    operation.put("summary", endpoint.summary());
    operation.put("x-ncsync-role", endpoint.role().wireName());
    List<Map<String, Object>> parameters = endpoint.pathParameters().stream()
        .map(name -> Map.<String, Object>of("name", name, "in", "path", "required", true,
            "schema", Map.of("type", "string")))
        .toList();
    if (!parameters.isEmpty()) operation.put("parameters", parameters);
    if (endpoint.requestBody() != null) {
      operation.put("requestBody", Map.of("required", true, "content",
          Map.of("application/json", Map.of("schema", schema(endpoint.requestBody(), schemas)))));
    }
    Map<String, Object> responses = new LinkedHashMap<>();
    responses.put("2XX", Map.of("description", "done; the body is JSON"));
    Map<String, Object> error = Map.of("description", "{error, message, field}",
        "content", Map.of("application/json", Map.of("schema", Map.of("$ref", "#/components/schemas/Error"))));
    responses.put("4XX", error);
    responses.put("5XX", error);
    operation.put("responses", responses);
    return operation;
  }

  /** A JSON schema for a Java type; records become components referred to by name. */
  private static Map<String, Object> schema(Type type, Map<String, Object> schemas) {
    if (type instanceof ParameterizedType parameterized) {
      Class<?> raw = (Class<?>) parameterized.getRawType();
      Type argument = parameterized.getActualTypeArguments()[0];
      if (List.class.isAssignableFrom(raw) || java.util.Set.class.isAssignableFrom(raw)) {
        return Map.of("type", "array", "items", schema(argument, schemas));
      }
      if (java.util.Optional.class.equals(raw)) return schema(argument, schemas);
      return Map.of("type", "object");
    }
    Class<?> clazz = (Class<?>) type;
    if (clazz == String.class) return Map.of("type", "string");
    if (clazz == Boolean.class || clazz == boolean.class) return Map.of("type", "boolean");
    if (clazz == Integer.class || clazz == int.class) return Map.of("type", "integer", "format", "int32");
    if (clazz == Long.class || clazz == long.class) return Map.of("type", "integer", "format", "int64");
    if (clazz == Instant.class) return Map.of("type", "string", "format", "date-time");
    if (clazz == Duration.class) return Map.of("type", "string");
    if (clazz.isRecord()) {
      String name = clazz.getSimpleName();
      if (!schemas.containsKey(name)) {
        schemas.put(name, Map.of()); // a placeholder against cycles
        Map<String, Object> properties = new LinkedHashMap<>();
        for (RecordComponent component : clazz.getRecordComponents()) {
          properties.put(component.getName(), schema(component.getGenericType(), schemas));
        }
        schemas.put(name, object(properties, List.of()));
      }
      return Map.of("$ref", "#/components/schemas/" + name);
    }
    return Map.of("type", "object");
  }

  private static Map<String, Object> object(Map<String, Object> properties, List<String> required) {
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("type", "object");
    object.put("properties", properties);
    if (!required.isEmpty()) object.put("required", required);
    object.put("additionalProperties", false);
    return object;
  }

  private static String camel(String constant) {
    StringBuilder out = new StringBuilder();
    for (String word : constant.toLowerCase(Locale.ROOT).split("_")) {
      out.append(out.length() == 0 ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
    }
    return out.toString();
  }
}
