package dev.officehours;

import java.time.Duration;
import java.util.Optional;

/**
 * Timings and counts of one turn, measured from the moment {@link ConversationPipeline#start}
 * accepted it.
 */
public final class TurnMetrics {
  private final long ttftNanos;
  private final long ttfaNanos;
  private final long totalNanos;
  private final int chunks;
  private final long audioBytes;
  private final int ttsCacheHits;
  private final int ttsRetries;
  private final int toolCalls;
  private final long toolNanos;
  private final int llmRounds;
  private final long ttfatNanos;
  private final long sttNanos;

  /**
   * Creates the metrics of a turn; the pipeline makes these, user code normally only reads them.
   *
   * @param ttftNanos time to first token, or -1 if none arrived
   * @param ttfaNanos time to first audio byte delivered, or -1 if none
   * @param totalNanos time to the terminal event
   * @param chunks speech chunks cut
   * @param audioBytes audio bytes delivered
   * @param ttsCacheHits chunks whose audio came from the TTS cache
   * @param ttsRetries TTS calls repeated after a failure
   */
  public TurnMetrics(long ttftNanos, long ttfaNanos, long totalNanos, int chunks, long audioBytes,
      int ttsCacheHits, int ttsRetries) {
    this(ttftNanos, ttfaNanos, totalNanos, chunks, audioBytes, ttsCacheHits, ttsRetries, 0, 0, 1,
        ttftNanos);
  }

  /** A turn that may have called tools; its first token was the answer's. For the pipeline. */
  TurnMetrics(long ttftNanos, long ttfaNanos, long totalNanos, int chunks, long audioBytes,
      int ttsCacheHits, int ttsRetries, int toolCalls, long toolNanos, int llmRounds) {
    this(ttftNanos, ttfaNanos, totalNanos, chunks, audioBytes, ttsCacheHits, ttsRetries, toolCalls,
        toolNanos, llmRounds, ttftNanos);
  }

  /**
   * Creates the metrics of a turn whose model may have reasoned before it answered.
   *
   * @param ttftNanos time to first token, reasoning or answer, or -1 if none arrived
   * @param ttfaNanos time to first audio byte delivered, or -1 if none
   * @param totalNanos time to the terminal event
   * @param chunks speech chunks cut
   * @param audioBytes audio bytes delivered
   * @param ttsCacheHits chunks whose audio came from the TTS cache
   * @param ttsRetries TTS calls repeated after a failure
   * @param toolCalls tool calls the model made
   * @param toolNanos time the turn waited for tool results, over all rounds
   * @param llmRounds LLM calls the turn made: 1, plus one per tool round answered
   * @param ttfatNanos time to the first token of the answer itself, or -1 if none arrived
   */
  TurnMetrics(long ttftNanos, long ttfaNanos, long totalNanos, int chunks, long audioBytes,
      int ttsCacheHits, int ttsRetries, int toolCalls, long toolNanos, int llmRounds,
      long ttfatNanos) {
    this(ttftNanos, ttfaNanos, totalNanos, chunks, audioBytes, ttsCacheHits, ttsRetries, toolCalls,
        toolNanos, llmRounds, ttfatNanos, -1);
  }

  /**
   * Every figure of a turn. For the pipeline.
   *
   * @param sttNanos time the transcription of the user's audio took, or -1 for a text turn (or
   *     one that ended before its transcript arrived)
   */
  TurnMetrics(long ttftNanos, long ttfaNanos, long totalNanos, int chunks, long audioBytes,
      int ttsCacheHits, int ttsRetries, int toolCalls, long toolNanos, int llmRounds,
      long ttfatNanos, long sttNanos) {
    this.sttNanos = sttNanos;
    this.toolCalls = toolCalls;
    this.toolNanos = toolNanos;
    this.llmRounds = llmRounds;
    this.ttftNanos = ttftNanos;
    this.ttfaNanos = ttfaNanos;
    this.totalNanos = totalNanos;
    this.chunks = chunks;
    this.audioBytes = audioBytes;
    this.ttsCacheHits = ttsCacheHits;
    this.ttsRetries = ttsRetries;
    this.ttfatNanos = ttfatNanos;
  }

  /**
   * Time to the first LLM token (TTFT).
   *
   * @return the time, or empty when no token arrived
   */
  public Optional<Duration> timeToFirstToken() {
    return ttftNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(ttftNanos));
  }

  /**
   * Time to the first audio bytes delivered to the listener (TTFA).
   *
   * @return the time, or empty when no audio was delivered (no TTS, or the turn ended first)
   */
  public Optional<Duration> timeToFirstAudio() {
    return ttfaNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(ttfaNanos));
  }

  /**
   * Time to the turn's terminal event.
   *
   * @return the turn's whole duration
   */
  public Duration total() {
    return Duration.ofNanos(totalNanos);
  }

  /**
   * Number of speech chunks cut from the answer.
   *
   * @return the chunk count, zero or more
   */
  public int chunks() {
    return chunks;
  }

  /**
   * Audio bytes delivered.
   *
   * @return the bytes delivered to the listener, zero or more
   */
  public long audioBytes() {
    return audioBytes;
  }

  /**
   * Chunks served from the TTS cache.
   *
   * @return how many chunks were not synthesised because the cache had them
   */
  public int ttsCacheHits() {
    return ttsCacheHits;
  }

  /**
   * TTS calls retried after a failure.
   *
   * @return how many syntheses were repeated, over all chunks of the turn
   */
  public int ttsRetries() {
    return ttsRetries;
  }

  /**
   * Tool calls the model made in this turn.
   *
   * @return the number of calls, over all rounds; zero for a turn without tools
   */
  public int toolCalls() {
    return toolCalls;
  }

  /**
   * Time the turn waited for tool results: from the model's call to the last result of each
   * round, summed over the rounds.
   *
   * @return the time, zero for a turn without tools
   */
  public Duration toolTime() {
    return Duration.ofNanos(toolNanos);
  }

  /**
   * LLM calls of this turn: one, plus one for each round of tool results sent back.
   *
   * @return the number of LLM calls started
   */
  public int llmRounds() {
    return llmRounds;
  }

  /**
   * Time to the first token of the answer itself (after any reasoning the model sent apart from
   * it): what a listener waits for. The same as {@link #timeToFirstToken()} for a model that does
   * not reason aloud; later for one that does.
   *
   * @return the time, or empty when no answer token arrived
   */
  public Optional<Duration> timeToFirstAnswerToken() {
    return ttfatNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(ttfatNanos));
  }

  /**
   * Time the transcription of the user's audio took (speech-to-text latency), for a turn started
   * from audio. The turn's other times run from when the audio was handed in, so they include it.
   *
   * @return the time, or empty for a text turn or one that ended before its transcript arrived
   */
  public Optional<Duration> speechToText() {
    return sttNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(sttNanos));
  }

  @Override
  public String toString() {
    return "TurnMetrics[ttft=" + ms(ttftNanos) + ", ttfa=" + ms(ttfaNanos) + ", total=" + ms(totalNanos)
        + ", chunks=" + chunks + ", audioBytes=" + audioBytes + ", ttsCacheHits=" + ttsCacheHits
        + ", ttsRetries=" + ttsRetries
        + (toolCalls == 0 ? "" : ", toolCalls=" + toolCalls + ", toolTime=" + ms(toolNanos)
            + ", llmRounds=" + llmRounds)
        + (ttfatNanos == ttftNanos ? "" : ", ttfat=" + ms(ttfatNanos))
        + (sttNanos < 0 ? "" : ", stt=" + ms(sttNanos)) + "]";
  }

  private static String ms(long nanos) {
    return nanos < 0 ? "-" : String.format(java.util.Locale.ROOT, "%.1fms", nanos / 1e6);
  }
}
