package dev.officehours.stt;

import java.util.Objects;

/**
 * What a speech-to-text provider heard.
 *
 * @param text the recognised text
 * @param language the detected or given language, empty when unknown
 * @param provider the {@link SttProvider#id()} of the provider that served the call, set by a
 *     provider that delegates (a fallback chain); empty when the provider called is the one that
 *     served
 */
public record Transcript(String text, String language, String provider) {
  /**
   * Rejects {@code null}s.
   *
   * @param text the recognised text; not null, empty when nothing was heard
   * @param language the detected or given language; not null, empty when unknown
   * @param provider the id of the provider that served the call, or empty; not null
   */
  public Transcript {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(language, "language");
    Objects.requireNonNull(provider, "provider");
  }

  /**
   * A transcript that does not say which provider served it (the provider called did).
   *
   * @param text the recognised text; not null, empty when nothing was heard
   * @param language the detected or given language; not null, empty when unknown
   */
  public Transcript(String text, String language) {
    this(text, language, "");
  }

  /**
   * The same transcript, naming the provider that served it.
   *
   * @param servedBy the {@link SttProvider#id()} of the provider that served the call; not null
   * @return a new transcript
   */
  public Transcript withProvider(String servedBy) {
    return new Transcript(text, language, servedBy);
  }
}
