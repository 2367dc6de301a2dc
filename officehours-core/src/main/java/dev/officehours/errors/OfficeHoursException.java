package dev.officehours.errors;

import java.util.Objects;

/**
 * The root of every exception OfficeHours throws or reports to a {@link dev.officehours.TurnListener}.
 *
 * <p>Unchecked, and always tagged with the {@link Stage} of the pipeline where it arose, so a
 * caller can tell a bad request from a failing provider without parsing messages. Messages never
 * contain secrets such as API keys.
 */
public class OfficeHoursException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Where in the pipeline an error arose. */
  public enum Stage {
    /** The request was rejected before any network call. */
    VALIDATION,
    /** The language model (chat completion) call. */
    LLM,
    /** Text-to-speech synthesis. */
    TTS,
    /** Speech-to-text transcription. */
    STT,
    /** A cache tier (TTS audio, answers). */
    CACHE,
    /** The conversation history store. */
    HISTORY,
    /** The pipeline itself, e.g. the turn deadline or a listener that threw. */
    PIPELINE
  }

  /** Where in the pipeline the error arose; never null. */
  private final Stage stage;

  /**
   * Creates an exception with a cause.
   *
   * @param stage where the error arose; not null
   * @param message a human-readable description, free of secrets
   * @param cause the underlying cause, may be {@code null}
   */
  public OfficeHoursException(Stage stage, String message, Throwable cause) {
    super(message, cause);
    this.stage = Objects.requireNonNull(stage, "stage");
  }

  /**
   * Creates an exception without a cause.
   *
   * @param stage where the error arose; not null
   * @param message a human-readable description, free of secrets
   */
  public OfficeHoursException(Stage stage, String message) {
    this(stage, message, null);
  }

  /**
   * Where in the pipeline this error arose.
   *
   * @return the stage, never null
   */
  public Stage stage() {
    return stage;
  }

  /**
   * Whether repeating the same call later may succeed (a timeout, a 5xx, a rate limit). Bad
   * requests and refused credentials are not retryable.
   *
   * @return true when the same call may succeed later; false here, subclasses decide
   */
  public boolean retryable() {
    return false;
  }
}
