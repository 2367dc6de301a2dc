package dev.officehours.llm;

/** A completion in flight. */
@FunctionalInterface
public interface LlmCall {

  /**
   * Tells the provider that a turn completed with this call's whole answer (every chunk spoken,
   * history written). The pipeline calls it once, after the stream ended, and never for a turn
   * that was cancelled or failed. A caching decorator stores the answer only now, so an answer
   * cut short by barge-in is never reused; other providers ignore it.
   */
  default void commit() {}

  /**
   * Cancels the call at once: the connection is closed and no listener callback follows.
   * Idempotent; a no-op once the stream has ended.
   */
  void cancel();
}
