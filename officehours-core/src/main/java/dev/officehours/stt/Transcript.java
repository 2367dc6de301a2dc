package dev.officehours.stt;

import java.util.Objects;

/**
 * What a speech-to-text provider heard.
 *
 * @param text the recognised text
 * @param language the detected or given language, empty when unknown
 */
public record Transcript(String text, String language) {
  /**
   * Rejects {@code null}s.
   *
   * @param text the recognised text; not null, empty when nothing was heard
   * @param language the detected or given language; not null, empty when unknown
   */
  public Transcript {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(language, "language");
  }
}
