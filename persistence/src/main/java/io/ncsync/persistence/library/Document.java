package io.ncsync.persistence.library;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import io.ncsync.persistence.sync.ActionResult;
import io.ncsync.persistence.sync.ConflictRecord;
import io.ncsync.persistence.sync.Failure;
import io.ncsync.persistence.sync.Failures;
import io.ncsync.persistence.sync.SyncAction;
import io.ncsync.persistence.sync.SyncEngine;
import io.ncsync.protocol.UploadSession;

/**
 * One document's worker, spawned by its library for one action and stopped when done. Because a library runs at most
 * one worker per path, the document's transitions (check ETag, transfer, conflict handling) never interleave with
 * another operation on the same document. Replies {@link Finished} to the library, always exactly once.
 */
public final class Document extends AbstractBehavior<Document.Command> {

  public sealed interface Command {}

  /**
   * Executes the action and replies {@link Finished}; reports chunked-upload progress to {@code progressTo} and, when
   * {@code conflictsTo} is set, asks it to record a conflict before the action writes it ({@link ConflictToRecord}).
   */
  public record Execute(
      LibraryConfig config, String runId, SyncAction action, ActorRef<Finished> replyTo, ActorRef<UploadProgress> progressTo,
      ActorRef<ConflictToRecord> conflictsTo)
      implements Command {
    public Execute(LibraryConfig config, String runId, SyncAction action, ActorRef<Finished> replyTo,
        ActorRef<UploadProgress> progressTo) {
      this(config, runId, action, replyTo, progressTo, null);
    }
  }

  /** A conflict to journal before it is carried out; {@code recorded} completes once it is (local only: not sent). */
  public record ConflictToRecord(String runId, ConflictRecord conflict, java.util.concurrent.CompletableFuture<Void> recorded) {}

  /** How long a worker waits for its conflict to be journaled before it gives up, having written nothing. */
  static final java.time.Duration RECORD_TIMEOUT = java.time.Duration.ofSeconds(30);

  /** The action's results (one per document it touched), for the run it belongs to. */
  public record Finished(String runId, java.util.List<ActionResult> results) {}

  /** A chunked upload's session changed: the library persists it so a restart resumes. */
  public record UploadProgress(String runId, String path, UploadSession session) {}

  private record Executed(Execute request, java.util.List<ActionResult> results) implements Command {}

  private final SyncEngine io;

  public static Behavior<Command> create(SyncEngine io) {
    return Behaviors.setup(ctx -> new Document(ctx, io));
  }

  private Document(ActorContext<Command> context, SyncEngine io) {
    super(context);
    this.io = io;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Execute.class, this::onExecute)
        .onMessage(Executed.class, this::onExecuted)
        .build();
  }

  private Behavior<Command> onExecute(Execute request) {
    java.util.concurrent.CompletionStage<java.util.List<ActionResult>> outcome;
    SyncEngine.UploadSessionListener sessions = new SyncEngine.UploadSessionListener() {
      @Override
      public void saved(String path, UploadSession session) {
        request.progressTo().tell(new UploadProgress(request.runId(), path, session));
      }

      @Override
      public void recordBeforeActing(ConflictRecord conflict) throws java.io.IOException {
        if (request.conflictsTo() == null) return;
        var recorded = new java.util.concurrent.CompletableFuture<Void>();
        request.conflictsTo().tell(new ConflictToRecord(request.runId(), conflict, recorded));
        try { // on the blocking executor, not the actor's thread
          recorded.get(RECORD_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.IOException("interrupted while the conflict on " + conflict.path() + " was recorded; nothing was changed");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          throw new java.io.IOException("the conflict on " + conflict.path() + " could not be recorded first; nothing was changed", e);
        }
      }
    };
    try {
      outcome = request.action() instanceof SyncAction.UploadBatch batch
          ? io.executeBatch(request.config(), request.runId(), batch, sessions)
          : io.execute(request.config(), request.runId(), request.action(), sessions).thenApply(java.util.List::of);
    } catch (RuntimeException e) {
      outcome = java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    getContext().pipeToSelf(outcome, (results, error) -> new Executed(request, error == null ? results : failures(request.action(), error)));
    return this;
  }

  private Behavior<Command> onExecuted(Executed executed) {
    executed.request().replyTo().tell(new Finished(executed.request().runId(), executed.results()));
    return Behaviors.stopped();
  }

  private static java.util.List<ActionResult> failures(SyncAction action, Throwable error) {
    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
    String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    Failure failure = Failures.of(cause, message);
    return action.paths().stream().map(path -> ActionResult.failed(path, failure)).toList();
  }
}
