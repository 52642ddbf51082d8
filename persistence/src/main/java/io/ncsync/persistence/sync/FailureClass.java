package io.ncsync.persistence.sync;

/**
 * How a failure is handled (issue 10 §1), decided by its {@link FailureCode} alone:
 * <ul>
 *   <li>{@code FATAL} stops the library's run: nothing else can succeed until someone acts (credentials, quota, a
 *       server that is gone, a workspace that cannot be read); the library backs off;
 *   <li>{@code DOCUMENT} fails this document only: it is retried on its own exponential back-off and parked, with its
 *       reason, after a number of tries, until it changes or an operator retries it;
 *   <li>{@code SOFT} is informational: the next run simply tries again.
 * </ul>
 */
public enum FailureClass {
  FATAL,
  DOCUMENT,
  SOFT;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
