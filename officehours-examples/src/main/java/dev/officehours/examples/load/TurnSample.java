package dev.officehours.examples.load;

import java.util.List;
import java.util.Optional;

/**
 * What a client observed of one turn. Times are {@link System#nanoTime()} stamps, so the tester
 * can measure from the moment a turn was <em>meant</em> to be sent (open model) rather than when
 * it actually was.
 *
 * @param startedNanos when the turn was handed to the target
 * @param firstTokenNanos when the first text arrived, -1 if none
 * @param firstAudioNanos when the first audio arrived, -1 if none
 * @param endedNanos when its terminal event arrived
 * @param chunks the speech chunks whose audio arrived, in order
 * @param audioBytes audio bytes received
 * @param ttsCacheHits chunks whose audio came from the TTS cache
 * @param answerFromCache whether the answer came from the answer cache
 * @param errorCode empty on success; else a short stable code such as {@code
 *     rate_limit_exceeded} or {@code http_503}
 * @param errorMessage the error's message, empty on success
 * @param speechFailures chunks of a completed turn whose speech could not be synthesised (the turn
 *     still delivered audio for the others); a turn whose speech failed for every chunk is failed
 *     ({@code tts_error}) instead
 * @param serverTtftMillis the time to first token the server measured for this turn (its
 *     {@code turn-complete} metrics), NaN when the target is not a server or did not say
 * @param serverTtfaMillis the time to first audio the server measured for this turn, NaN when unknown
 * @param acceptedNanos when the server said it had started the turn ({@code turn-started}), -1
 *     when it did not or the target is not a server
 */
public record TurnSample(
    long startedNanos,
    long firstTokenNanos,
    long firstAudioNanos,
    long endedNanos,
    List<ChunkArrival> chunks,
    long audioBytes,
    int ttsCacheHits,
    boolean answerFromCache,
    String errorCode,
    String errorMessage,
    int speechFailures,
    double serverTtftMillis,
    double serverTtfaMillis,
    long acceptedNanos) {

  /**
   * Copies the chunk list.
   *
   * @param startedNanos when the turn was handed to the target
   * @param firstTokenNanos when the first text arrived, -1 if none
   * @param firstAudioNanos when the first audio arrived, -1 if none
   * @param endedNanos when its terminal event arrived
   * @param chunks the speech chunks whose audio arrived, in order
   * @param audioBytes audio bytes received
   * @param ttsCacheHits chunks whose audio came from the TTS cache
   * @param answerFromCache whether the answer came from the answer cache
   * @param errorCode empty on success; else a short stable code
   * @param errorMessage the error's message, empty on success
   * @param speechFailures chunks of a completed turn whose speech could not be synthesised
   * @param serverTtftMillis the server's own time to first token of this turn, NaN when unknown
   * @param serverTtfaMillis the server's own time to first audio of this turn, NaN when unknown
   * @param acceptedNanos when the server said it had started the turn, -1 when unknown
   */
  public TurnSample {
    chunks = List.copyOf(chunks);
  }

  /** A sample without the server's own figures; the parameters are the record's. */
  TurnSample(long startedNanos, long firstTokenNanos, long firstAudioNanos, long endedNanos,
      List<ChunkArrival> chunks, long audioBytes, int ttsCacheHits, boolean answerFromCache, String errorCode,
      String errorMessage, int speechFailures) {
    this(startedNanos, firstTokenNanos, firstAudioNanos, endedNanos, chunks, audioBytes, ttsCacheHits,
        answerFromCache, errorCode, errorMessage, speechFailures, Double.NaN, Double.NaN, -1);
  }

  /** A sample without speech failures; the parameters are the record's. */
  TurnSample(long startedNanos, long firstTokenNanos, long firstAudioNanos, long endedNanos,
      List<ChunkArrival> chunks, long audioBytes, int ttsCacheHits, boolean answerFromCache, String errorCode,
      String errorMessage) {
    this(startedNanos, firstTokenNanos, firstAudioNanos, endedNanos, chunks, audioBytes, ttsCacheHits,
        answerFromCache, errorCode, errorMessage, 0);
  }

  /**
   * Whether the turn failed.
   *
   * @return true when it has an error code
   */
  public boolean failed() {
    return !errorCode.isEmpty();
  }

  /**
   * The error code of a failed turn.
   *
   * @return the code, empty when the turn completed
   */
  public Optional<String> error() {
    return failed() ? Optional.of(errorCode) : Optional.empty();
  }

  /**
   * One chunk's audio as it arrived.
   *
   * @param firstFrameNanos when its first frame arrived
   * @param audioSeconds how long it plays
   */
  public record ChunkArrival(long firstFrameNanos, double audioSeconds) {}

  /**
   * The gaps a listener hears between chunks, in nanoseconds: playback starts with the first
   * frame and runs continuously; chunk {@code n} is late by how much its first frame arrived after
   * the audio before it finished playing (0 when it was there in time). One value per chunk after
   * the first.
   *
   * @return the gaps, one per chunk after the first; none when fewer than two chunks arrived or
   *     when the audio is compressed (its duration cannot be read off the bytes)
   */
  public long[] interChunkGapsNanos() {
    if (chunks.size() < 2 || chunks.stream().anyMatch(c -> c.audioSeconds() <= 0)) {
      // compressed audio has no duration we can read off its bytes: no gap can be told from silence
      return new long[0];
    }
    long[] gaps = new long[chunks.size() - 1];
    double playedUntil = chunks.get(0).firstFrameNanos() + chunks.get(0).audioSeconds() * 1e9;
    for (int i = 1; i < chunks.size(); i++) {
      ChunkArrival c = chunks.get(i);
      double gap = c.firstFrameNanos() - playedUntil;
      gaps[i - 1] = gap > 0 ? (long) gap : 0;
      playedUntil = Math.max(playedUntil, c.firstFrameNanos()) + c.audioSeconds() * 1e9;
    }
    return gaps;
  }
}
