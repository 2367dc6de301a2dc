package dev.officehours.tts;

/** A synthesis in flight. */
@FunctionalInterface
public interface TtsCall {

  /**
   * Cancels the call at once: the connection is closed and no sink callback follows. Idempotent;
   * a no-op once the synthesis has ended.
   */
  void cancel();
}
