package dev.officehours.examples.cli;

import dev.officehours.AudioFrame;
import dev.officehours.tts.AudioFormat;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns a turn's audio frames into raw PCM: PCM frames pass through; for WAV every chunk is a
 * file of its own, so each chunk's RIFF header is skipped (however it is split across frames).
 * What it returns is always whole sample frames (a sound card's line accepts nothing else): a
 * frame split across two pieces of the stream is held back until its other half arrives.
 */
final class PcmExtractor {
  private int chunk = -1;
  private ByteArrayOutputStream header;
  private boolean inData;
  /** Bytes of an incomplete sample frame at the end of the last piece of this chunk. */
  private byte[] partial = new byte[0];

  /** The PCM samples in this frame, whole sample frames only, possibly none. */
  byte[] pcm(AudioFrame frame) {
    if (frame.chunkIndex() != chunk) {
      partial = new byte[0];
    }
    byte[] samples = samples(frame);
    int frameBytes = 2 * Math.max(1, frame.format().channels());
    int available = partial.length + samples.length;
    int whole = available - available % frameBytes;
    if (partial.length == 0 && whole == samples.length) {
      return samples;
    }
    byte[] joined = new byte[available];
    System.arraycopy(partial, 0, joined, 0, partial.length);
    System.arraycopy(samples, 0, joined, partial.length, samples.length);
    partial = Arrays.copyOfRange(joined, whole, available);
    return whole == available ? joined : Arrays.copyOf(joined, whole);
  }

  /** The PCM samples in this frame, possibly none. Only PCM and WAV frames are accepted. */
  private byte[] samples(AudioFrame frame) {
    AudioFormat.Encoding encoding = frame.format().encoding();
    if (encoding == AudioFormat.Encoding.PCM_S16LE) {
      chunk = frame.chunkIndex();
      return frame.data();
    }
    if (encoding != AudioFormat.Encoding.WAV) {
      throw new IllegalArgumentException("cannot extract PCM from " + encoding.wireName());
    }
    if (frame.chunkIndex() != chunk) {
      chunk = frame.chunkIndex();
      header = new ByteArrayOutputStream();
      inData = false;
    }
    if (inData) {
      return frame.data();
    }
    header.writeBytes(frame.data());
    byte[] h = header.toByteArray();
    // RIFF(4) size(4) WAVE(4), then sub-chunks: id(4) size(4) payload; samples follow "data".
    int at = 12;
    while (at + 8 <= h.length) {
      String id = new String(h, at, 4, StandardCharsets.US_ASCII);
      if (id.equals("data")) {
        inData = true;
        byte[] rest = new byte[h.length - at - 8];
        System.arraycopy(h, at + 8, rest, 0, rest.length);
        return rest;
      }
      long size = (h[at + 4] & 0xffL) | (h[at + 5] & 0xffL) << 8 | (h[at + 6] & 0xffL) << 16 | (h[at + 7] & 0xffL) << 24;
      at += 8 + (int) size + (int) (size & 1);
    }
    return new byte[0];
  }
}
