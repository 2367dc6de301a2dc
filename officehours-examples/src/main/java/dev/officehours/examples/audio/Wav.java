package dev.officehours.examples.audio;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/** Writes RIFF WAVE files of 16-bit PCM: a 44-byte header followed by the samples. */
public final class Wav {
  /** Length of the canonical header this class writes. */
  static final int HEADER_BYTES = 44;

  private Wav() {}

  /**
   * The 44-byte header of a 16-bit PCM WAV.
   *
   * @param dataBytes length of the sample data that follows
   * @param sampleRate samples per second
   * @param channels 1 for mono
   * @return the header bytes
   * @throws IllegalArgumentException naming the value, when a value is out of range
   */
  public static byte[] header(long dataBytes, int sampleRate, int channels) {
    if (dataBytes < 0 || dataBytes > 0xFFFF_FFFFL - 36) {
      throw new IllegalArgumentException("dataBytes must be in 0..4294967259 but was " + dataBytes);
    }
    if (sampleRate <= 0) {
      throw new IllegalArgumentException("sampleRate must be positive but was " + sampleRate);
    }
    if (channels < 1 || channels > 2) {
      throw new IllegalArgumentException("channels must be 1 or 2 but was " + channels);
    }
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {'R', 'I', 'F', 'F'}).putInt((int) (36 + dataBytes));
    b.put(new byte[] {'W', 'A', 'V', 'E'});
    b.put(new byte[] {'f', 'm', 't', ' '}).putInt(16).putShort((short) 1).putShort((short) channels);
    b.putInt(sampleRate).putInt(sampleRate * channels * 2).putShort((short) (channels * 2)).putShort((short) 16);
    b.put(new byte[] {'d', 'a', 't', 'a'}).putInt((int) dataBytes);
    return b.array();
  }

  /**
   * Writes {@code pcm} (signed 16-bit little-endian) as a WAV file, replacing any file there.
   *
   * @param file where to write
   * @param pcm the samples
   * @param sampleRate samples per second
   * @param channels 1 for mono
   * @throws IOException when the file cannot be written
   */
  public static void write(Path file, byte[] pcm, int sampleRate, int channels) throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(pcm, "pcm");
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(header(pcm.length, sampleRate, channels));
      out.write(pcm);
    }
  }

  /**
   * A 16-bit PCM WAV that carries {@code label} in a RIFF {@code LIST/INFO/ICMT} (comment) chunk
   * after the samples: how our test tooling says what a recording contains, so the simulated
   * server's transcription can return it ({@link #read}). Players ignore the chunk.
   *
   * @param pcm the samples, signed 16-bit little-endian
   * @param sampleRate samples per second
   * @param channels 1 for mono
   * @param label the words the recording stands for; not blank
   * @return the WAV file's bytes
   * @throws IllegalArgumentException when the label is blank or a value is out of range
   */
  public static byte[] labelled(byte[] pcm, int sampleRate, int channels, String label) {
    Objects.requireNonNull(pcm, "pcm");
    if (label == null || label.isBlank()) {
      throw new IllegalArgumentException("label must not be blank");
    }
    byte[] text = (label + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int textPadded = text.length + (text.length & 1);
    int listBytes = 4 + 8 + textPadded;
    int pcmPadded = pcm.length + (pcm.length & 1);
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + pcmPadded + 8 + listBytes).order(ByteOrder.LITTLE_ENDIAN);
    byte[] header = header(pcm.length, sampleRate, channels);
    b.put(header).put(pcm);
    if ((pcm.length & 1) == 1) {
      b.put((byte) 0);
    }
    b.put(new byte[] {'L', 'I', 'S', 'T'}).putInt(listBytes).put(new byte[] {'I', 'N', 'F', 'O'});
    b.put(new byte[] {'I', 'C', 'M', 'T'}).putInt(text.length).put(text);
    if ((text.length & 1) == 1) {
      b.put((byte) 0);
    }
    b.putInt(4, b.capacity() - 8); // the RIFF size covers the LIST chunk too
    return b.array();
  }

  /**
   * What a WAV file says about itself.
   *
   * @param sampleRate samples per second, 0 when there is no {@code fmt } chunk
   * @param channels channels, 0 when there is no {@code fmt } chunk
   * @param bitsPerSample bits per sample, 0 when there is no {@code fmt } chunk
   * @param dataBytes length of the {@code data} chunk (as far as the file goes)
   * @param label the {@code LIST/INFO/ICMT} comment, empty when there is none
   */
  public record Info(int sampleRate, int channels, int bitsPerSample, long dataBytes, String label) {
    /**
     * How long the samples play.
     *
     * @return the duration in seconds, 0 when the format is unknown
     */
    public double seconds() {
      long bytesPerSecond = (long) sampleRate * channels * Math.max(1, bitsPerSample / 8);
      return bytesPerSecond == 0 ? 0 : (double) dataBytes / bytesPerSecond;
    }
  }

  /**
   * Reads the chunks of a RIFF WAVE file, tolerating one cut short.
   *
   * @param wav the file's bytes
   * @return its format, the length of its samples and its comment label, or empty when it is not
   *     a RIFF WAVE file
   */
  public static java.util.Optional<Info> read(byte[] wav) {
    if (wav.length < 12 || !ascii(wav, 0, "RIFF") || !ascii(wav, 8, "WAVE")) {
      return java.util.Optional.empty();
    }
    ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
    int rate = 0;
    int channels = 0;
    int bits = 0;
    long data = 0;
    String label = "";
    int at = 12;
    while (at + 8 <= wav.length) {
      long size = b.getInt(at + 4) & 0xFFFF_FFFFL;
      int body = at + 8;
      long end = Math.min(wav.length, body + size);
      if (ascii(wav, at, "fmt ") && size >= 16 && body + 16 <= wav.length) {
        channels = b.getShort(body + 2) & 0xFFFF;
        rate = b.getInt(body + 4);
        bits = b.getShort(body + 14) & 0xFFFF;
      } else if (ascii(wav, at, "data")) {
        data = end - body;
      } else if (ascii(wav, at, "LIST") && body + 4 <= end && ascii(wav, body, "INFO")) {
        int sub = body + 4;
        while (sub + 8 <= end) {
          long subSize = b.getInt(sub + 4) & 0xFFFF_FFFFL;
          int subEnd = (int) Math.min(end, sub + 8 + subSize);
          if (ascii(wav, sub, "ICMT")) {
            label = new String(wav, sub + 8, subEnd - sub - 8, java.nio.charset.StandardCharsets.UTF_8)
                .replace("\0", "").strip();
          }
          sub = subEnd + (subEnd & 1);
        }
      }
      long next = end + ((end - body) & 1);
      if (next <= at) {
        break;
      }
      at = (int) Math.min(Integer.MAX_VALUE, next);
    }
    return java.util.Optional.of(new Info(rate, channels, bits, data, label));
  }

  private static boolean ascii(byte[] bytes, int offset, String magic) {
    if (offset + magic.length() > bytes.length) {
      return false;
    }
    for (int i = 0; i < magic.length(); i++) {
      if (bytes[offset + i] != magic.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
