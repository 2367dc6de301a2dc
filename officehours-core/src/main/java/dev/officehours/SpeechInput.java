package dev.officehours;

import dev.officehours.errors.InvalidRequestException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A recorded utterance to answer: the encoded audio, its MIME type and, optionally, the spoken
 * language. The pipeline transcribes it with its {@link dev.officehours.stt.SttProvider} and
 * answers the transcript ({@link ConversationPipeline#startFromAudio}).
 *
 * <pre>{@code
 * SpeechInput speech = SpeechInput.of(wavBytes, "audio/wav").withLanguage("en");
 * }</pre>
 *
 * <p>The format and size are checked against the pipeline's limits by {@link
 * ConversationPipeline#start} before any network call. Immutable; the audio array is kept, not
 * copied: do not modify it afterwards.
 */
public final class SpeechInput {
  private static final Pattern MIME = Pattern.compile("(audio|video)/[a-z0-9.+-]{1,64}|application/ogg");
  private static final Pattern LANGUAGE = Pattern.compile("[a-z]{2,3}");

  private final byte[] audio;
  private final String mimeType;
  private final String language;

  private SpeechInput(byte[] audio, String mimeType, String language) {
    this.audio = audio;
    this.mimeType = mimeType;
    this.language = language;
  }

  /**
   * An utterance in a container the usual speech-to-text services read.
   *
   * @param audio the encoded audio: WAV, MP3, Ogg (Opus, Vorbis), WebM, FLAC or MP4/M4A; not empty
   * @param mimeType its MIME type, e.g. {@code audio/wav} or {@code audio/webm}; parameters such
   *     as {@code ;codecs=opus} are dropped
   * @return the input, language left to the provider
   * @throws InvalidRequestException naming {@code audio} when it is null or empty, or {@code
   *     mimeType} when it is not an {@code audio/*} (or {@code video/webm}, {@code video/mp4},
   *     {@code application/ogg}) type
   */
  public static SpeechInput of(byte[] audio, String mimeType) {
    if (audio == null || audio.length == 0) {
      throw new InvalidRequestException("audio", "audio must not be " + (audio == null ? "null" : "empty"));
    }
    String type = mimeType == null ? "" : mimeType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!MIME.matcher(type).matches()) {
      throw new InvalidRequestException("mimeType", "mimeType must be an audio type such as audio/wav but was "
          + (mimeType == null ? "null" : "'" + shown(mimeType) + "'"));
    }
    return new SpeechInput(audio, type, "");
  }

  /**
   * The same utterance with its spoken language given, which makes transcription faster and more
   * accurate with providers that take it.
   *
   * @param language an ISO-639-1 code such as {@code en}; empty lets the provider detect it
   * @return a new input
   * @throws InvalidRequestException naming {@code language} when it is neither empty nor a two-
   *     or three-letter code
   */
  public SpeechInput withLanguage(String language) {
    String lang = language == null ? null : language.toLowerCase(Locale.ROOT);
    if (lang == null || !(lang.isEmpty() || LANGUAGE.matcher(lang).matches())) {
      throw new InvalidRequestException("language", "language must be an ISO-639-1 code such as 'en' but was "
          + (language == null ? "null" : "'" + shown(language) + "'"));
    }
    return new SpeechInput(audio, mimeType, lang);
  }

  /**
   * The encoded audio. The array is shared: do not modify.
   *
   * @return the audio bytes, never empty
   */
  public byte[] audio() {
    return audio;
  }

  /**
   * The audio's MIME type, lower case, without parameters.
   *
   * @return e.g. {@code audio/wav}
   */
  public String mimeType() {
    return mimeType;
  }

  /**
   * The spoken language, if given.
   *
   * @return an ISO-639-1 code in lower case, or empty to let the provider detect it
   */
  public String language() {
    return language;
  }

  @Override
  public String toString() {
    return "SpeechInput[" + mimeType + ", " + audio.length + " bytes"
        + (language.isEmpty() ? "" : ", language=" + language) + "]";
  }

  private static String shown(String s) {
    String head = s.length() <= 40 ? s : s.substring(0, 40) + "...";
    return head.replaceAll("\\p{Cntrl}", "?");
  }
}
