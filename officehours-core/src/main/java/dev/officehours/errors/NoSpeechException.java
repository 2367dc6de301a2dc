package dev.officehours.errors;

/**
 * A turn started from audio heard no words: the speech-to-text provider returned an empty
 * transcript (silence, noise, a recording cut off at once). The turn ended without calling the
 * LLM and nothing was written to history; ask the user to repeat.
 */
public final class NoSpeechException extends OfficeHoursException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was transcribed (size and type of the audio), free of secrets
   */
  public NoSpeechException(String message) {
    super(Stage.STT, message);
  }
}
