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
    this.ttftNanos = ttftNanos;
    this.ttfaNanos = ttfaNanos;
    this.totalNanos = totalNanos;
    this.chunks = chunks;
    this.audioBytes = audioBytes;
    this.ttsCacheHits = ttsCacheHits;
    this.ttsRetries = ttsRetries;
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

  @Override
  public String toString() {
    return "TurnMetrics[ttft=" + ms(ttftNanos) + ", ttfa=" + ms(ttfaNanos) + ", total=" + ms(totalNanos)
        + ", chunks=" + chunks + ", audioBytes=" + audioBytes + ", ttsCacheHits=" + ttsCacheHits
        + ", ttsRetries=" + ttsRetries + "]";
  }

  private static String ms(long nanos) {
    return nanos < 0 ? "-" : String.format(java.util.Locale.ROOT, "%.1fms", nanos / 1e6);
  }
}
