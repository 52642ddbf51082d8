package io.ncsync.persistence.sync;

import java.util.Objects;

/**
 * Why an action failed: a {@link FailureCode} (which decides its {@link FailureClass}) and a message for people that
 * names the operation, the path and the cause (never a credential).
 */
public record Failure(FailureCode code, String message) {
  public Failure {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  public FailureClass failureClass() {
    return code.failureClass();
  }

  public boolean fatal() {
    return failureClass() == FailureClass.FATAL;
  }
}
