package io.ncsync.daemon.http;

import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.Route;
import io.ncsync.daemon.security.KeyRotation;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.pathPrefix;
import static akka.http.javadsl.server.Directives.post;

/**
 * {@code POST /api/v1/keys/rotate} (system role): re-wraps every tenant's data key under a new master key while the
 * daemon runs. The answer names where the new key is and the key's fingerprint, never the key.
 */
public final class KeyRoutes {
  private final KeyRotation rotation;
  private final JsonSupport json;
  private final ApiErrors errors;
  private final Access access;

  public KeyRoutes(KeyRotation rotation, JsonSupport json, ApiErrors errors) {
    this.rotation = rotation;
    this.json = json;
    this.errors = errors;
    this.access = new Access(errors);
  }

  public Route route(Caller caller) {
    return pathPrefix("keys", () -> path("rotate", () -> post(() -> access.require(caller, Endpoint.KEYS_ROTATE,
        () -> json.optionalBody(ApiJson.RotateKeys.class, new ApiJson.RotateKeys(null), body -> errors.respond(() -> rotate(body)))))));
  }

  private CompletionStage<HttpResponse> rotate(ApiJson.RotateKeys body) {
    CompletionStage<KeyRotation.Outcome> rotated;
    try {
      rotated = rotation.rotate(Optional.ofNullable(body.newKey()).filter(k -> !k.isBlank()));
    } catch (KeyRotation.Refused e) {
      throw refusal(e);
    }
    return rotated.handle((outcome, error) -> {
      if (error != null) throw refusal(error);
      return errors.json(StatusCodes.OK, ApiJson.KeysRotated.of(outcome));
    });
  }

  private static RuntimeException refusal(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof KeyRotation.Refused refused) {
      return refused.badInput ? ApiException.badField("newKey", refused.getMessage())
          : ApiException.conflict(refused.getMessage());
    }
    return cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
  }
}
