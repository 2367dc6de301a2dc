package dev.officehours.llm;

import dev.officehours.errors.OfficeHoursException;

/**
 * Receives one streamed completion. A provider calls {@link #onToken} (and {@link #onReasoning}
 * when the model reasons aloud) zero or more times, then
 * exactly one of {@link #onComplete} or {@link #onError}, never concurrently, and nothing after
 * {@link LlmCall#cancel()}. Implementations must be fast and must not throw.
 *
 * <p><b>Backpressure.</b> The pipeline's listener may make {@link #onToken} wait while the turn
 * already holds as much as it may for a slow listener: call it from the thread that reads the
 * stream (so that it stops reading and TCP pushes back), never from a shared event loop or
 * timer. A cancel always releases a caller waiting for room at once. With
 * the pipeline's default callback executor the call may also run the turn's listener callbacks
 * for what it brought, right on this thread (it has nothing else to do until its next read): it
 * then returns when the listener does, so do not hold a lock another thread needs while calling.
 */
public interface LlmListener {

  /**
   * Called once, before any token, when the answer is replayed from a cache rather than
   * generated now (so time to first token can be told apart).
   */
  default void onCacheHit() {}

  /**
   * A piece of the answer, in order. Never empty. A model's refusal (OpenAI's {@code
   * delta.refusal}) arrives here too, as the answer it is.
   *
   * @param delta the new text
   */
  void onToken(String delta);

  /**
   * A piece of the model's reasoning, in order, when the provider sends it apart from the answer
   * (DeepSeek's {@code delta.reasoning_content}; {@code delta.reasoning} of Ollama, vLLM and
   * OpenRouter; Mistral's {@code thinking} content parts). Never empty. It is not part of the
   * answer: the pipeline never speaks, shows or stores it, and only times it (time to first
   * token counts it; time to first answer token does not). It usually comes before the first
   * {@link #onToken}, but may come between them; it is called under the same rules (in order,
   * never concurrently, nothing after a cancel).
   *
   * <p>Ignored by default.
   *
   * @param delta the new reasoning text
   */
  default void onReasoning(String delta) {}

  /**
   * The stream ended normally.
   *
   * @param completion how it ended, with any tool calls the model asked for
   */
  void onComplete(LlmCompletion completion);

  /**
   * The stream failed; no further callback follows.
   *
   * @param error what went wrong
   */
  void onError(OfficeHoursException error);
}
