package dev.officehours.llm;

/** A completion in flight. */
@FunctionalInterface
public interface LlmCall {

  /**
   * Cancels the call at once: the connection is closed and no listener callback follows.
   * Idempotent; a no-op once the stream has ended.
   */
  void cancel();
}
