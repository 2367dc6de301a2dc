package dev.officehours.tts;

import java.util.Objects;

/**
 * The encoding of audio bytes.
 *
 * @param encoding the container or sample encoding
 * @param sampleRate samples per second (for compressed formats, the decoded rate)
 * @param channels 1 for mono
 */
public record AudioFormat(Encoding encoding, int sampleRate, int channels) {

  /** Raw PCM, 24 kHz, signed 16-bit little-endian, mono: OpenAI's {@code pcm}, the default. */
  public static final AudioFormat PCM_24K = new AudioFormat(Encoding.PCM_S16LE, 24_000, 1);
  /** MP3 at 24 kHz mono. */
  public static final AudioFormat MP3 = new AudioFormat(Encoding.MP3, 24_000, 1);
  /** Opus (in Ogg) at 24 kHz mono. */
  public static final AudioFormat OPUS = new AudioFormat(Encoding.OPUS, 24_000, 1);
  /** WAV (RIFF header + 16-bit PCM) at 24 kHz mono. */
  public static final AudioFormat WAV = new AudioFormat(Encoding.WAV, 24_000, 1);

  /** How audio bytes are encoded. */
  public enum Encoding {
    /** Signed 16-bit little-endian PCM, no header. */
    PCM_S16LE("pcm"),
    /** MPEG-1 layer 3. */
    MP3("mp3"),
    /** Opus in Ogg. */
    OPUS("opus"),
    /** RIFF WAVE. */
    WAV("wav");

    private final String wireName;

    Encoding(String wireName) {
      this.wireName = wireName;
    }

    /**
     * The OpenAI {@code response_format} value.
     *
     * @return {@code pcm}, {@code mp3}, {@code opus} or {@code wav}
     */
    public String wireName() {
      return wireName;
    }

    /**
     * The encoding with this OpenAI {@code response_format} name.
     *
     * @param name {@code pcm}, {@code mp3}, {@code opus} or {@code wav}, in any case
     * @return the encoding
     * @throws IllegalArgumentException naming the value, when unknown
     */
    public static Encoding fromWireName(String name) {
      for (Encoding e : values()) {
        if (e.wireName.equalsIgnoreCase(name)) {
          return e;
        }
      }
      throw new IllegalArgumentException(
          "unknown audio format '" + name + "' (expected pcm, mp3, opus or wav)");
    }
  }

  /**
   * Validates every field.
   *
   * @param encoding the container or sample encoding; not null
   * @param sampleRate samples per second, 8,000..192,000
   * @param channels 1 (mono) or 2 (stereo)
   * @throws IllegalArgumentException when {@code sampleRate} or {@code channels} is out of range
   */
  public AudioFormat {
    Objects.requireNonNull(encoding, "encoding");
    if (sampleRate < 8_000 || sampleRate > 192_000) {
      throw new IllegalArgumentException("sampleRate must be in 8000..192000 but was " + sampleRate);
    }
    if (channels < 1 || channels > 2) {
      throw new IllegalArgumentException("channels must be 1 or 2 but was " + channels);
    }
  }

  /**
   * Whether the bytes are raw PCM samples that can be cut at any frame boundary.
   *
   * @return true for {@link Encoding#PCM_S16LE}
   */
  public boolean isRawPcm() {
    return encoding == Encoding.PCM_S16LE;
  }

  /**
   * The size of one sample frame, the unit audio of this format may be cut in.
   *
   * @return bytes per sample frame for raw PCM (2 per channel); 1 for other encodings
   */
  public int frameSize() {
    return isRawPcm() ? 2 * channels : 1;
  }

  /**
   * The MIME type of audio in this format.
   *
   * @return e.g. {@code audio/pcm;rate=24000;channels=1}, {@code audio/mpeg}, {@code audio/ogg}
   *     or {@code audio/wav}
   */
  public String mimeType() {
    switch (encoding) {
      case PCM_S16LE:
        return "audio/pcm;rate=" + sampleRate + ";channels=" + channels;
      case MP3:
        return "audio/mpeg";
      case OPUS:
        return "audio/ogg";
      case WAV:
        return "audio/wav";
      default:
        throw new AssertionError(encoding);
    }
  }
}
