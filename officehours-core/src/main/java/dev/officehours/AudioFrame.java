package dev.officehours;

import dev.officehours.tts.AudioFormat;

/**
 * A piece of a turn's audio. Frames arrive strictly in order: all frames of chunk 0, then of
 * chunk 1, ...; within a chunk by {@code frameIndex}. The first frame of a chunk is forwarded as
 * soon as its first bytes arrive from TTS.
 *
 * @param turnId the turn
 * @param chunkIndex the speech chunk, 0-based
 * @param frameIndex the frame within the chunk, 0-based
 * @param chunkText the speakable text of the chunk
 * @param format the encoding of {@code data}
 * @param data the audio bytes; raw PCM frames hold whole samples. Do not modify.
 * @param fromCache whether this chunk's audio came from the TTS cache
 */
public record AudioFrame(
    String turnId, int chunkIndex, int frameIndex, String chunkText, AudioFormat format, byte[] data,
    boolean fromCache) implements TurnEvent {

  @Override
  public String toString() {
    return "AudioFrame[turn=" + turnId + ", chunk=" + chunkIndex + ", frame=" + frameIndex
        + ", bytes=" + data.length + (fromCache ? ", fromCache" : "") + "]";
  }
}
