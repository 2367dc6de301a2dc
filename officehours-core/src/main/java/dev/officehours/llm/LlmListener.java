package dev.officehours.llm;

import dev.officehours.errors.OfficeHoursException;

/**
 * Receives one streamed completion. A provider calls {@link #onToken} zero or more times, then
 * exactly one of {@link #onComplete} or {@link #onError}, never concurrently, and nothing after
 * {@link LlmCall#cancel()}. Implementations must be fast and must not throw.
 */
public interface LlmListener {

  /** A piece of the answer, in order. Never empty. */
  void onToken(String delta);

  /** The stream ended normally. */
  void onComplete(LlmCompletion completion);

  /** The stream failed; no further callback follows. */
  void onError(OfficeHoursException error);
}
