package io.ncsync.protocol.http;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Where every remote request's answer is told, with how long it took: the daemon's metrics listen here. One per
 * ActorSystem; without listeners it costs a list check.
 */
public final class RequestTimings implements Extension {

  /** Told of each exchange; must not block. */
  @FunctionalInterface
  public interface Listener {
    /**
     * @param owner  the transport's {@link TransportSettings#metricsOwner()} (empty for none)
     * @param status the answer's status code, or 0 when no answer came (refused, reset, timed out)
     */
    void answered(String owner, String method, int status, long nanos);
  }

  public static final class Id extends ExtensionId<RequestTimings> {
    private static final Id INSTANCE = new Id();

    @Override
    public RequestTimings createExtension(ActorSystem<?> system) {
      return new RequestTimings();
    }
  }

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  private RequestTimings() {}

  public static RequestTimings get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  public void listen(Listener listener) {
    listeners.add(listener);
  }

  void answered(String owner, String method, int status, long nanos) {
    for (Listener listener : listeners) listener.answered(owner, method, status, nanos);
  }
}
