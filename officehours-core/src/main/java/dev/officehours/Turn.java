package dev.officehours;

import java.util.concurrent.CompletableFuture;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.metrics.TurnOutcome;

/** The handle of a turn in flight, returned at once by {@link ConversationPipeline#start}. */
public interface Turn {

  /** This turn's id, carried by every event. */
  String id();

  /** The session it belongs to. */
  String sessionId();

  /**
   * Cancels the turn (barge-in): the LLM call and every pending TTS call are cancelled at once,
   * {@code onCancelled} is called once, and no other event of this turn follows. The answer text
   * emitted so far is kept in history, marked interrupted. Idempotent; a no-op once the turn has
   * ended.
   *
   * @return whether this call cancelled the turn (false when it had already ended)
   */
  boolean cancel();

  /**
   * Completes with the {@link TurnResult} when the turn completes or is cancelled (outcome
   * {@link TurnOutcome#CANCELLED}), or exceptionally with an {@link OfficeHoursException} when it
   * fails.
   */
  CompletableFuture<TurnResult> completion();
}
