package dev.officehours;

import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.WordTiming;
import java.util.List;
import java.util.Objects;

/**
 * A piece of a turn's audio. Frames arrive strictly in order: all frames of chunk 0, then of
 * chunk 1, ...; within a chunk by {@code frameIndex}. The first frame of a chunk is forwarded as
 * soon as its first bytes arrive from TTS.
 *
 * <p><b>Word timings.</b> {@code words} holds the timings of the chunk's words that became known
 * with this frame, relative to the start of the chunk's audio (its frame 0); across the frames of
 * one chunk every word of {@code chunkText} comes once, in order, no later than the frame in
 * which its audio starts. A provider that reports timings (ElevenLabs) gives them with the audio
 * they belong to ({@link WordTiming#estimated()} false). For one that does not (OpenAI), or audio
 * served through the TTS cache (which keeps no timings), the pipeline estimates them ({@link WordTiming#estimate}, {@code
 * estimated} true) and sends them all with the chunk's first frame: spread over the chunk's audio
 * when all of it has arrived by then (usual for every chunk but the first), else over the length
 * the turn's speaking rate so far predicts. So every chunk's frames carry timings either way.
 *
 * @param turnId the turn
 * @param chunkIndex the speech chunk, 0-based
 * @param frameIndex the frame within the chunk, 0-based
 * @param chunkText the speakable text of the chunk
 * @param format the encoding of {@code data}
 * @param data the audio bytes; raw PCM frames hold whole samples. Do not modify.
 * @param fromCache whether this chunk's audio came from the TTS cache
 * @param words timings of the chunk's words that became known with this frame, in order; often
 *     empty
 */
public record AudioFrame(
    String turnId, int chunkIndex, int frameIndex, String chunkText, AudioFormat format, byte[] data,
    boolean fromCache, List<WordTiming> words) implements TurnEvent {

  /**
   * A frame with word timings.
   *
   * @param turnId the turn
   * @param chunkIndex the speech chunk, 0-based
   * @param frameIndex the frame within the chunk, 0-based
   * @param chunkText the speakable text of the chunk
   * @param format the encoding of {@code data}
   * @param data the audio bytes
   * @param fromCache whether this chunk's audio came from the TTS cache
   * @param words timings of the words that became known with this frame; copied
   */
  public AudioFrame {
    words = List.copyOf(Objects.requireNonNull(words, "words"));
  }

  /**
   * A frame without word timings.
   *
   * @param turnId the turn
   * @param chunkIndex the speech chunk, 0-based
   * @param frameIndex the frame within the chunk, 0-based
   * @param chunkText the speakable text of the chunk
   * @param format the encoding of {@code data}
   * @param data the audio bytes
   * @param fromCache whether this chunk's audio came from the TTS cache
   */
  public AudioFrame(String turnId, int chunkIndex, int frameIndex, String chunkText,
      AudioFormat format, byte[] data, boolean fromCache) {
    this(turnId, chunkIndex, frameIndex, chunkText, format, data, fromCache, List.of());
  }

  @Override
  public String toString() {
    return "AudioFrame[turn=" + turnId + ", chunk=" + chunkIndex + ", frame=" + frameIndex
        + ", bytes=" + data.length + (fromCache ? ", fromCache" : "")
        + (words.isEmpty() ? "" : ", words=" + words.size()) + "]";
  }
}
