package dev.officehours.internal;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

/**
 * Recognises the container of recorded audio by its magic bytes, so a turn started from audio is
 * refused before any upload when its bytes are not audio a speech-to-text service reads, or not
 * the type the caller declared.
 */
public final class AudioContainers {
  private AudioContainers() {}

  /** A container the usual speech-to-text services read, and the MIME types that name it. */
  public enum Container {
    /** RIFF WAVE. */
    WAV("WAV", Set.of("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave")),
    /** MPEG audio layer III, with or without an ID3 tag. */
    MP3("MP3", Set.of("audio/mpeg", "audio/mp3", "audio/mpeg3")),
    /** Ogg (Opus or Vorbis). */
    OGG("Ogg", Set.of("audio/ogg", "audio/opus", "application/ogg")),
    /** WebM / Matroska, as browsers' MediaRecorder writes. */
    WEBM("WebM", Set.of("audio/webm", "video/webm")),
    /** FLAC. */
    FLAC("FLAC", Set.of("audio/flac", "audio/x-flac")),
    /** ISO base media (MP4, M4A), as Safari's MediaRecorder writes. */
    MP4("MP4/M4A", Set.of("audio/mp4", "audio/m4a", "audio/x-m4a", "video/mp4"));

    private final String label;
    private final Set<String> mimeTypes;

    Container(String label, Set<String> mimeTypes) {
      this.label = label;
      this.mimeTypes = mimeTypes;
    }

    /**
     * Whether {@code mimeType} names this container.
     *
     * @param mimeType lower case, without parameters
     * @return true when it is one of this container's types
     */
    public boolean isNamedBy(String mimeType) {
      return mimeTypes.contains(mimeType);
    }

    /**
     * The container's name for messages.
     *
     * @return e.g. {@code WAV}
     */
    public String label() {
      return label;
    }
  }

  /** The names of every recognised container, for messages. */
  public static final String KNOWN = "WAV, MP3, Ogg, WebM, FLAC or MP4/M4A";

  /**
   * The container of {@code audio}, from its first bytes.
   *
   * @param audio the encoded audio
   * @return the container, or empty when the bytes are none of the known ones
   */
  public static Optional<Container> sniff(byte[] audio) {
    if (startsWith(audio, 0, "RIFF") && startsWith(audio, 8, "WAVE")) {
      return Optional.of(Container.WAV);
    }
    if (startsWith(audio, 0, "ID3")
        || (audio.length >= 2 && (audio[0] & 0xFF) == 0xFF && (audio[1] & 0xE0) == 0xE0)) {
      return Optional.of(Container.MP3);
    }
    if (startsWith(audio, 0, "OggS")) {
      return Optional.of(Container.OGG);
    }
    if (audio.length >= 4 && (audio[0] & 0xFF) == 0x1A && (audio[1] & 0xFF) == 0x45
        && (audio[2] & 0xFF) == 0xDF && (audio[3] & 0xFF) == 0xA3) {
      return Optional.of(Container.WEBM);
    }
    if (startsWith(audio, 0, "fLaC")) {
      return Optional.of(Container.FLAC);
    }
    if (startsWith(audio, 4, "ftyp")) {
      return Optional.of(Container.MP4);
    }
    return Optional.empty();
  }

  private static boolean startsWith(byte[] audio, int offset, String magic) {
    byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
    if (audio.length < offset + m.length) {
      return false;
    }
    for (int i = 0; i < m.length; i++) {
      if (audio[offset + i] != m[i]) {
        return false;
      }
    }
    return true;
  }
}
