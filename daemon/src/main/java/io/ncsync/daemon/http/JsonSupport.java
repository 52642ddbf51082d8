package io.ncsync.daemon.http;

import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.function.Function;
import java.util.stream.Collectors;

import static akka.http.javadsl.server.Directives.entity;
import static akka.http.javadsl.server.Directives.extractRequestEntity;

/**
 * JSON for the admin API. Request bodies must be {@code application/json} (else 415) and well-formed (else 400
 * "malformed JSON: ..."). Unknown fields are rejected with 400 naming the field: a typo such as
 * {@code allowInsecureHTTP} must not be silently ignored.
 */
public final class JsonSupport {
  private final ObjectMapper mapper;

  public JsonSupport(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** The API's mapper: ISO-8601 instants, unknown properties rejected, nulls written (e.g. {@code activeRun: null}). */
  public static ObjectMapper newMapper() {
    ObjectMapper mapper = new ObjectMapper()
        .registerModule(new JavaTimeModule())
        .registerModule(new Jdk8Module())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    // No guessing: "allowInsecureHttp": "true" or "name": 5 are type errors, not silently converted.
    mapper.registerModule(new SimpleModule("strict-strings").addDeserializer(String.class, new StrictStringDeserializer()));
    mapper.coercionConfigFor(LogicalType.Boolean)
        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
    // 1.5 where an integer belongs is an error, not 1.
    mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    mapper.coercionConfigFor(LogicalType.Integer)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    return mapper;
  }

  public ObjectMapper mapper() {
    return mapper;
  }

  /** Reads the request body as {@code type}, then continues with {@code inner}. */
  public <T> Route body(Class<T> type, Function<T, Route> inner) {
    return extractRequestEntity(requestEntity -> {
      requireJson(requestEntity);
      return entity(Unmarshaller.entityToByteString(), bytes -> inner.apply(parse(utf8(bytes), type)));
    });
  }

  /** The body as UTF-8; invalid bytes are a 400, never silently replaced. */
  static String utf8(akka.util.ByteString bytes) {
    try {
      return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(bytes.asByteBuffer()).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw ApiException.badRequest("malformed JSON: the request body is not valid UTF-8");
    }
  }

  private static void requireJson(akka.http.javadsl.model.RequestEntity requestEntity) {
    if (!requestEntity.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
      throw new ApiException(StatusCodes.UNSUPPORTED_MEDIA_TYPE,
          "request body must be JSON: send 'Content-Type: application/json'");
    }
  }

  /** A parsed body and the names of the fields it had, so {@code "x": null} can differ from no {@code x} at all. */
  public record Fields<T>(T value, java.util.Set<String> present) {
    public boolean has(String field) {
      return present.contains(field);
    }
  }

  /** Like {@link #body}, also telling which top-level fields the body had. */
  public <T> Route bodyWithFields(Class<T> type, Function<Fields<T>, Route> inner) {
    return extractRequestEntity(requestEntity -> {
      requireJson(requestEntity);
      return entity(Unmarshaller.entityToByteString(), bytes -> {
        String text = utf8(bytes);
        T value = parse(text, type);
        java.util.Set<String> present = new java.util.HashSet<>();
        try {
          mapper.readTree(text).fieldNames().forEachRemaining(present::add);
        } catch (JsonProcessingException e) {
          throw ApiException.badRequest("malformed JSON: " + e.getOriginalMessage());
        }
        return inner.apply(new Fields<>(value, java.util.Set.copyOf(present)));
      });
    });
  }

  /** Like {@link #body}, with {@code whenEmpty} for a request that has no body at all. */
  public <T> Route optionalBody(Class<T> type, T whenEmpty, Function<T, Route> inner) {
    return extractRequestEntity(requestEntity -> requestEntity.isKnownEmpty()
        ? inner.apply(whenEmpty)
        : body(type, inner));
  }

  /** Parses a JSON object; every failure is a 400 whose message says what is wrong. */
  public <T> T parse(String text, Class<T> type) {
    if (text == null || text.isBlank()) throw ApiException.badRequest("malformed JSON: the request body is empty");
    T value;
    try {
      value = mapper.readValue(text, type);
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
          .map(Object::toString).sorted().collect(Collectors.joining(", "));
      throw ApiException.badField(e.getPropertyName(), "unknown field '" + e.getPropertyName() + "'"
          + (known.isEmpty() ? "" : " (known fields: " + known + ")"));
    } catch (MismatchedInputException e) {
      String field = fieldPath(e);
      if (field.isEmpty()) {
        throw ApiException.badRequest("malformed JSON: the request body must be a JSON object");
      }
      throw ApiException.badField(field, "field '" + field + "' has the wrong type" + expected(e));
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("malformed JSON: " + e.getOriginalMessage());
    }
    if (value == null) throw ApiException.badRequest("malformed JSON: the request body must be a JSON object, not null");
    return value;
  }

  /** Accepts only JSON strings (and null) where a string is expected; Jackson would turn 5 or true into text. */
  private static final class StrictStringDeserializer extends StdScalarDeserializer<String> {
    StrictStringDeserializer() {
      super(String.class);
    }

    @Override
    public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
      if (parser.hasToken(JsonToken.VALUE_STRING)) return parser.getText();
      return (String) context.handleUnexpectedToken(String.class, parser);
    }
  }

  private static String fieldPath(JsonMappingException e) {
    return e.getPath().stream()
        .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
        .collect(Collectors.joining("."));
  }

  private static String expected(MismatchedInputException e) {
    Class<?> target = e.getTargetType();
    if (target == null) return "";
    if (target == String.class) return ": expected a string";
    if (target == Boolean.class || target == boolean.class) return ": expected true or false";
    if (target == Integer.class || target == int.class || target == Long.class || target == long.class) {
      return ": expected a whole number";
    }
    if (Number.class.isAssignableFrom(target) || target.isPrimitive()) return ": expected a number";
    return "";
  }
}
