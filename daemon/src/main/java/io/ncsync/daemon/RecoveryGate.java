package io.ncsync.daemon;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Whether every tenant and library has recovered from the journal since start. Readiness waits for it: a daemon
 * answering 200 on {@code /health/ready} has every library it knows in memory. A recovery that fails for good ends
 * the start ({@link #fail}), which the daemon turns into a start-up error instead of a loop of 503s.
 */
public final class RecoveryGate {

  /** Where recovery stands. */
  public sealed interface Stage {}

  /** Still recovering: {@code recovered} of {@code known} libraries so far ({@code known} is -1 until listed). */
  public record Recovering(int recovered, int known) implements Stage {}

  public record Recovered(int libraries) implements Stage {}

  public record Failed(String reason) implements Stage {}

  private final AtomicReference<Stage> stage = new AtomicReference<>(new Recovering(0, -1));
  private final Consumer<String> onFailure;

  /** @param onFailure called once, with the reason, when recovery fails for good */
  public RecoveryGate(Consumer<String> onFailure) {
    this.onFailure = onFailure;
  }

  public Stage stage() {
    return stage.get();
  }

  public boolean isRecovered() {
    return stage.get() instanceof Recovered;
  }

  void progress(int recovered, int known) {
    stage.updateAndGet(s -> s instanceof Recovering ? new Recovering(recovered, known) : s);
  }

  void recovered(int libraries) {
    stage.updateAndGet(s -> s instanceof Recovering ? new Recovered(libraries) : s);
  }

  void fail(String reason) {
    Stage before = stage.getAndUpdate(s -> s instanceof Failed ? s : new Failed(reason));
    if (!(before instanceof Failed)) onFailure.accept(reason);
  }

  /** A human sentence for readiness answers, empty once recovered. */
  public Optional<String> whyNotReady() {
    Stage s = stage.get();
    if (s instanceof Recovering r) {
      return Optional.of(r.known() < 0 ? "recovering: listing libraries"
          : "recovering: " + r.recovered() + " of " + r.known() + " libraries recovered");
    }
    if (s instanceof Failed f) return Optional.of("recovery failed: " + f.reason());
    return Optional.empty();
  }
}
