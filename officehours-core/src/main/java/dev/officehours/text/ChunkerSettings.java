package dev.officehours.text;

import java.time.Duration;
import java.util.Objects;

/**
 * How eagerly {@link SpeechChunker} cuts the token stream.
 *
 * @param firstChunkMinChars the first chunk may end at clause punctuation once it is this long (8)
 * @param firstChunkMaxWords the first chunk ends after about this many words at the latest (5)
 * @param minChunkChars later chunks end at a sentence end once at least this long (20)
 * @param maxChunkChars a chunk is cut at the best boundary found once this long (250)
 * @param idleFlush buffered text is spoken when no token has arrived for this long (400 ms)
 */
public record ChunkerSettings(
    int firstChunkMinChars, int firstChunkMaxWords, int minChunkChars, int maxChunkChars, Duration idleFlush) {

  /** The defaults: 8 chars / 5 words for the first chunk, 20 chars later, 250 max, 400 ms idle. */
  public static final ChunkerSettings DEFAULT = new ChunkerSettings(8, 5, 20, 250, Duration.ofMillis(400));

  /** Validates every field and names the one that is wrong. */
  public ChunkerSettings {
    Objects.requireNonNull(idleFlush, "idleFlush");
    if (firstChunkMinChars < 1) {
      throw new IllegalArgumentException("firstChunkMinChars must be at least 1 but was " + firstChunkMinChars);
    }
    if (firstChunkMaxWords < 1) {
      throw new IllegalArgumentException("firstChunkMaxWords must be at least 1 but was " + firstChunkMaxWords);
    }
    if (minChunkChars < 1) {
      throw new IllegalArgumentException("minChunkChars must be at least 1 but was " + minChunkChars);
    }
    if (maxChunkChars < minChunkChars || maxChunkChars < firstChunkMinChars) {
      throw new IllegalArgumentException("maxChunkChars (" + maxChunkChars
          + ") must not be below minChunkChars (" + minChunkChars + ") or firstChunkMinChars ("
          + firstChunkMinChars + ")");
    }
    if (idleFlush.isNegative() || idleFlush.isZero()) {
      throw new IllegalArgumentException("idleFlush must be positive but was " + idleFlush);
    }
  }
}
