package dev.officehours.metrics;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.metrics.TurnOutcome;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A summary of a {@link MicrometerObserver}'s meters at one moment.
 *
 * @param activeTurns turns in flight
 * @param turns turns ended, by outcome
 * @param errors errors, by stage
 * @param timeToFirstToken LLM time to first token
 * @param timeToFirstAudio turn time to first audio
 * @param ttsTimeToFirstByte TTS time to first byte
 * @param ttsDuration TTS synthesis time of live (not cached) chunks
 * @param turnDuration total time of completed turns
 * @param caches lookups per cache ({@code tts}, {@code answer}, {@code history})
 */
public record MetricsSnapshot(
    int activeTurns,
    Map<TurnOutcome, Long> turns,
    Map<OfficeHoursException.Stage, Long> errors,
    TimerStats timeToFirstToken,
    TimerStats timeToFirstAudio,
    TimerStats ttsTimeToFirstByte,
    TimerStats ttsDuration,
    TimerStats turnDuration,
    Map<String, CacheStats> caches) {

  /**
   * Copies the maps.
   *
   * @param activeTurns turns in flight
   * @param turns turns ended, by outcome; copied
   * @param errors errors, by stage; copied
   * @param timeToFirstToken LLM time to first token
   * @param timeToFirstAudio turn time to first audio
   * @param ttsTimeToFirstByte TTS time to first byte
   * @param ttsDuration TTS synthesis time of live (not cached) chunks
   * @param turnDuration total time of completed turns
   * @param caches lookups per cache name; copied
   */
  public MetricsSnapshot {
    turns = Map.copyOf(turns);
    errors = Map.copyOf(errors);
    caches = Map.copyOf(caches);
  }

  /**
   * Count, mean and max of a timer, in milliseconds.
   *
   * @param count recordings
   * @param meanMillis mean
   * @param maxMillis max within the registry's recent window
   */
  public record TimerStats(long count, double meanMillis, double maxMillis) {
    static TimerStats of(Timer t) {
      return new TimerStats(t.count(), t.mean(TimeUnit.NANOSECONDS) / 1e6, t.max(TimeUnit.NANOSECONDS) / 1e6);
    }
  }

  /**
   * Lookups of one cache.
   *
   * @param hits served from the cache
   * @param misses not in the cache
   * @param errors the cache failed and the lookup counted as a miss
   */
  public record CacheStats(long hits, long misses, long errors) {
    /**
     * The share of lookups served from the cache.
     *
     * @return hits / (hits + misses + errors), in 0..1; 0 when there were no lookups
     */
    public double hitRate() {
      long total = hits + misses + errors;
      return total == 0 ? 0 : (double) hits / total;
    }
  }
}
