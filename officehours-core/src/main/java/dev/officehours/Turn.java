package dev.officehours;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.metrics.TurnOutcome;
import java.util.concurrent.CompletableFuture;

/** The handle of a turn in flight, returned at once by {@link ConversationPipeline#start}. */
public interface Turn {

  /**
   * This turn's id, carried by every event.
   *
   * @return the id
   */
  String id();

  /**
   * The session it belongs to.
   *
   * @return the session id
   */
  String sessionId();

  /**
   * Cancels the turn: the LLM call and every pending TTS call are cancelled at once, no text or
   * audio event follows, and {@code onCancelled} is the turn's last event. The answer text emitted
   * so far is kept in history, marked interrupted (nothing is stored when no answer text had
   * arrived). Idempotent; a no-op once the turn has ended.
   *
   * <p>For barge-in prefer {@link #interrupt(PlaybackPosition)}: the caller knows how much audio
   * was actually heard, the pipeline only what it sent.
   *
   * @return whether this call cancelled the turn (false when it had already ended)
   */
  boolean cancel();

  /**
   * Barge-in with the caller's playback position. History keeps only what the user heard — the
   * chunks played in full, plus the played share of the chunk that was playing, cut back to a
   * word boundary — marked interrupted, so the next turn tells the model where its answer was cut
   * off. With {@link PlaybackPosition#NOTHING_PLAYED} the user's message is kept with an empty,
   * interrupted answer; as with {@link #cancel()}, nothing is stored when no answer text had
   * arrived yet.
   *
   * <p>While the turn is in flight this cancels it as {@link #cancel()} does. After it completed
   * — the usual case, as the whole answer is often sent long before it has been played — the
   * answer already stored is trimmed to what was heard, provided no later exchange of the session
   * was stored meanwhile and the store can replace messages ({@link
   * dev.officehours.history.ConversationStore#replaceLastAnswer}); the session's next turn reads
   * history after that.
   *
   * @param heard how far playback had got
   * @return false when there was nothing to do: the turn was already cancelled, failed or
   *     interrupted
   */
  boolean interrupt(PlaybackPosition heard);

  /**
   * Completes with the {@link TurnResult} when the turn completes or is cancelled (outcome
   * {@link TurnOutcome#CANCELLED}), or exceptionally with an {@link OfficeHoursException} when it
   * fails — always after the listener's last callback has returned. Each call returns a new
   * dependent future: completing or cancelling it does not affect the turn.
   *
   * @return the turn's outcome
   */
  CompletableFuture<TurnResult> completion();
}
