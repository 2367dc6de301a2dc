package dev.officehours.tts;

import java.util.Objects;

/**
 * One piece of speakable text to synthesise, with every setting that shapes the audio. Two equal
 * requests to the same provider yield interchangeable audio, which is what makes the TTS cache
 * sound.
 *
 * @param text the speakable text, already cleaned of markdown and emoji
 * @param model the TTS model, e.g. {@code gpt-4o-mini-tts}
 * @param voice the voice, e.g. {@code alloy}
 * @param speed playback speed, 0.25..4.0, 1.0 normal
 * @param instructions style instructions (models that support them), empty for none
 * @param format the audio format to produce
 */
public record SpeechRequest(
    String text, String model, String voice, double speed, String instructions, AudioFormat format) {

  /**
   * Validates every field and names the one that is wrong.
   *
   * @param text the speakable text; not null
   * @param model the TTS model; not null
   * @param voice the voice; not null
   * @param speed playback speed, 0.25..4.0
   * @param instructions style instructions; not null, empty for none
   * @param format the audio format to produce; not null
   * @throws IllegalArgumentException when {@code speed} is outside 0.25..4.0
   */
  public SpeechRequest {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(voice, "voice");
    Objects.requireNonNull(instructions, "instructions");
    Objects.requireNonNull(format, "format");
    if (!(speed >= 0.25 && speed <= 4.0)) {
      throw new IllegalArgumentException("speed must be in 0.25..4.0 but was " + speed);
    }
  }

  /**
   * The same settings for another text.
   *
   * @param newText the speakable text; not null
   * @return a new request
   */
  public SpeechRequest withText(String newText) {
    return new SpeechRequest(newText, model, voice, speed, instructions, format);
  }

  /**
   * The same settings with another voice.
   *
   * @param newVoice the voice; not null
   * @return a new request
   */
  public SpeechRequest withVoice(String newVoice) {
    return new SpeechRequest(text, model, newVoice, speed, instructions, format);
  }
}
