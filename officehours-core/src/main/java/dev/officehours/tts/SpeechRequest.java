package dev.officehours.tts;

import dev.officehours.internal.RequestExtras;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
 * @param extraBody fields added to the provider's request body as they are, for features the SDK
 *     does not model; empty for none
 * @param extraHeaders headers added to the HTTP request; never printed; empty for none
 */
public record SpeechRequest(
    String text, String model, String voice, double speed, String instructions, AudioFormat format,
    Map<String, Object> extraBody, Map<String, String> extraHeaders) {

  /** Fields of a speech request body the provider writes itself: not allowed in {@link #extraBody()}. */
  public static final Set<String> RESERVED_FIELDS = Set.of("model", "input", "text", "voice",
      "speed", "response_format", "instructions", "stream_format");

  /**
   * Validates every field and names the one that is wrong.
   *
   * @param text the speakable text; not null
   * @param model the TTS model; not null
   * @param voice the voice; not null
   * @param speed playback speed, 0.25..4.0
   * @param instructions style instructions; not null, empty for none
   * @param format the audio format to produce; not null
   * @param extraBody extra body fields: JSON values, none of {@link #RESERVED_FIELDS}; copied
   * @param extraHeaders extra headers, none the HTTP client sets; copied
   * @throws IllegalArgumentException when {@code speed} is outside 0.25..4.0, or an extra field
   *     or header is not allowed (the message names it)
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
    extraBody = RequestExtras.body(extraBody, RESERVED_FIELDS, "extraBody");
    extraHeaders = RequestExtras.headers(extraHeaders, "extraHeaders");
  }

  /**
   * A request without extra fields or headers.
   *
   * @param text the speakable text; not null
   * @param model the TTS model; not null
   * @param voice the voice; not null
   * @param speed playback speed, 0.25..4.0
   * @param instructions style instructions; not null, empty for none
   * @param format the audio format to produce; not null
   * @throws IllegalArgumentException when {@code speed} is outside 0.25..4.0
   */
  public SpeechRequest(String text, String model, String voice, double speed, String instructions,
      AudioFormat format) {
    this(text, model, voice, speed, instructions, format, Map.of(), Map.of());
  }

  /**
   * The same settings for another text.
   *
   * @param newText the speakable text; not null
   * @return a new request
   */
  public SpeechRequest withText(String newText) {
    return new SpeechRequest(newText, model, voice, speed, instructions, format, extraBody,
        extraHeaders);
  }

  /**
   * The same settings with another voice.
   *
   * @param newVoice the voice; not null
   * @return a new request
   */
  public SpeechRequest withVoice(String newVoice) {
    return new SpeechRequest(text, model, newVoice, speed, instructions, format, extraBody,
        extraHeaders);
  }

  /**
   * The same settings with another speed.
   *
   * @param newSpeed playback speed, 0.25..4.0
   * @return a new request
   * @throws IllegalArgumentException when {@code newSpeed} is outside 0.25..4.0
   */
  public SpeechRequest withSpeed(double newSpeed) {
    return new SpeechRequest(text, model, voice, newSpeed, instructions, format, extraBody,
        extraHeaders);
  }

  /**
   * The same settings with other style instructions.
   *
   * @param newInstructions style instructions; not null, empty for none
   * @return a new request
   */
  public SpeechRequest withInstructions(String newInstructions) {
    return new SpeechRequest(text, model, voice, speed, newInstructions, format, extraBody,
        extraHeaders);
  }

  /**
   * The same settings with another audio format (the provider must be able to produce it).
   *
   * @param newFormat the audio format; not null
   * @return a new request
   */
  public SpeechRequest withFormat(AudioFormat newFormat) {
    return new SpeechRequest(text, model, voice, speed, instructions, newFormat, extraBody,
        extraHeaders);
  }

  /**
   * The same settings with extra body fields and headers added to these ones (a later value of
   * the same name wins).
   *
   * @param moreBody extra body fields: JSON values, none of {@link #RESERVED_FIELDS}
   * @param moreHeaders extra headers, none the HTTP client sets
   * @return a new request
   * @throws IllegalArgumentException when a field or header is not allowed
   */
  public SpeechRequest withExtras(Map<String, ?> moreBody, Map<String, String> moreHeaders) {
    Map<String, Object> body = new LinkedHashMap<>(extraBody);
    body.putAll(moreBody);
    Map<String, String> headers = new LinkedHashMap<>(extraHeaders);
    headers.putAll(moreHeaders);
    return new SpeechRequest(text, model, voice, speed, instructions, format, body, headers);
  }

  /** Leaves the extra headers' values out: they may carry credentials. */
  @Override
  public String toString() {
    return "SpeechRequest[text=" + text + ", model=" + model + ", voice=" + voice
        + ", speed=" + speed + ", instructions=" + instructions + ", format=" + format
        + (extraBody.isEmpty() ? "" : ", extraBody=" + extraBody.keySet())
        + (extraHeaders.isEmpty() ? "" : ", extraHeaders=" + extraHeaders.keySet()) + "]";
  }
}
