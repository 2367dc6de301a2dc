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
}
