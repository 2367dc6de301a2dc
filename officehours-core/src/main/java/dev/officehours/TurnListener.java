package dev.officehours;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Receives the events of one turn. Every method has a no-op default, so implement only what you
 * need.
 *
 * <p>Callbacks of one turn never overlap and arrive in order: text, audio and tool calls
 * interleaved as they are produced, then exactly one of {@link #onComplete}, {@link #onError} or {@link #onCancelled},
 * and nothing after it. They run on the pipeline's callback executor (virtual threads on Java 21+,
 * a bounded elastic pool on Java 17; see {@link ConversationPipeline.Builder#callbackExecutor}),
 * or, with that default executor, on the provider's thread that just read the text or audio they
 * carry, when no other callback of the turn is running (a thread hand-off less per event); never
 * on the pipeline's own turn threads. A callback that blocks holds a thread and slows only its
 * own turn, whose buffer is bounded, so its providers wait. Keep callbacks short all the same. An exception thrown by a callback is
 * logged and otherwise ignored; it does not stop the turn.
 */
public interface TurnListener {

  /**
   * A piece of the answer text, as the LLM wrote it.
   *
   * @param delta the new text and the turn it belongs to
   */
  default void onText(TextDelta delta) {}

  /**
   * A piece of audio, strictly in chunk order.
   *
   * @param frame the audio bytes, their format and their place in the turn
   */
  default void onAudio(AudioFrame frame) {}

  /**
   * The model called a tool; its {@link #onToolResult} follows, unless the turn is cancelled
   * first (then {@link #onCancelled} is the last callback). Text the model said before the call
   * has been delivered already; audio of it may still follow, in order.
   *
   * @param call the tool, its arguments and the call's id
   */
  default void onToolCall(ToolCallStarted call) {}

  /**
   * A tool call ended, with its result or the error the model is told.
   *
   * @param result the call's outcome
   */
  default void onToolResult(ToolResult result) {}

  /**
   * The turn completed. Chunks whose speech failed are listed in the result.
   *
   * @param result the whole answer, its metrics and any speech failures
   */
  default void onComplete(TurnResult result) {}

  /**
   * The turn failed.
   *
   * @param failure the turn and the error that ended it
   */
  default void onError(TurnFailed failure) {}

  /**
   * The turn was cancelled (barge-in or {@link Turn#cancel()}).
   *
   * @param cancelled the turn and the text produced before it was cancelled
   */
  default void onCancelled(TurnCancelled cancelled) {}

  /**
   * The transcript of a turn started from audio ({@link ConversationPipeline#startFromAudio}):
   * the first callback of such a turn, before any text. Not called for text turns.
   *
   * @param transcript what the user said, its language and how long transcription took
   */
  default void onTranscript(Transcribed transcript) {}

  /**
   * A listener that receives every event as a {@link TurnEvent} value.
   *
   * @param consumer called with each event, under the same rules as the callbacks above
   * @return a listener that forwards every callback to {@code consumer}
   */
  static TurnListener of(Consumer<? super TurnEvent> consumer) {
    Objects.requireNonNull(consumer, "consumer");
    return new TurnListener() {
      @Override
      public void onText(TextDelta delta) {
        consumer.accept(delta);
      }

      @Override
      public void onAudio(AudioFrame frame) {
        consumer.accept(frame);
      }

      @Override
      public void onToolCall(ToolCallStarted call) {
        consumer.accept(call);
      }

      @Override
      public void onToolResult(ToolResult result) {
        consumer.accept(result);
      }

      @Override
      public void onComplete(TurnResult result) {
        consumer.accept(result);
      }

      @Override
      public void onError(TurnFailed failure) {
        consumer.accept(failure);
      }

      @Override
      public void onCancelled(TurnCancelled cancelled) {
        consumer.accept(cancelled);
      }

      @Override
      public void onTranscript(Transcribed transcript) {
        consumer.accept(transcript);
      }
    };
  }
}
