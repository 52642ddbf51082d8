package io.ncsync.daemon.events;

import akka.actor.typed.ActorRef;
import akka.actor.typed.pubsub.Topic;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ncsync.daemon.http.ApiJson;
import io.ncsync.persistence.library.LibraryObserver;
import io.ncsync.persistence.library.RunProgress;
import io.ncsync.persistence.library.RunSummary;
import io.ncsync.persistence.sync.ConflictRecord;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns what libraries report into {@link LiveEvent}s on one cluster-wide topic: every node's event stream sees the
 * libraries of every node. Subscribers keep only their tenant's events. Publishing is a tell: a library never waits.
 */
public final class LiveEventPublisher implements LibraryObserver {
  public static final String TOPIC = "ncsync-live-events";

  private final ActorRef<Topic.Command<LiveEvent>> topic;
  private final ObjectMapper mapper;
  private final java.util.function.Consumer<LiveEvent> local;

  /** @param local also told each event of this node's libraries (the webhooks: once per event cluster-wide) */
  public LiveEventPublisher(ActorRef<Topic.Command<LiveEvent>> topic, ObjectMapper mapper,
      java.util.function.Consumer<LiveEvent> local) {
    this.topic = topic;
    this.mapper = mapper;
    this.local = local;
  }

  @Override
  public void runStarted(String tenantId, String libraryId, RunSummary run) {
    publish(tenantId, libraryId, "run_started", Map.of("run", ApiJson.Run.of(run)));
    publish(tenantId, libraryId, "library_state", Map.of("state", "scanning"));
  }

  @Override
  public void runFinished(String tenantId, String libraryId, RunSummary run) {
    publish(tenantId, libraryId, "run_finished", Map.of("run", ApiJson.Run.of(run)));
    publish(tenantId, libraryId, "library_state",
        Map.of("state", RunSummary.FAILED.equals(run.outcome()) ? "failed" : "idle"));
  }

  @Override
  public void progress(String tenantId, String libraryId, RunProgress progress) {
    publish(tenantId, libraryId, "run_progress", Map.of("progress", ApiJson.Progress.of(progress)));
  }

  @Override
  public void conflictRaised(String tenantId, String libraryId, ConflictRecord conflict) {
    publish(tenantId, libraryId, "conflict_raised", Map.of("conflict", ApiJson.Conflict.of(conflict)));
  }

  @Override
  public void conflictResolved(String tenantId, String libraryId, ConflictRecord conflict) {
    publish(tenantId, libraryId, "conflict_resolved", Map.of("conflict", ApiJson.Conflict.of(conflict)));
  }

  private void publish(String tenantId, String libraryId, String type, Map<String, Object> data) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", type);
    body.put("libraryId", libraryId);
    body.put("at", java.time.Instant.now());
    body.putAll(data);
    try {
      LiveEvent event = new LiveEvent(tenantId, libraryId, type, mapper.writeValueAsString(body));
      topic.tell(Topic.publish(event));
      local.accept(event);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a live event is not serializable: " + type, e);
    }
  }
}
