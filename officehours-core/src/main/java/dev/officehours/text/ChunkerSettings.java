package dev.officehours.text;

import java.time.Duration;
import java.util.Objects;

/**
 * How eagerly {@link SpeechChunker} cuts the token stream. The first chunk trades prosody for time
 * to first audio; later chunks are whole sentences, which TTS voices read more naturally. Lengths
 * count characters ({@code char}s) from the first visible character of the chunk to its last
 * punctuation, without the whitespace that follows.
 *
 * @param firstChunkMinChars the first chunk may end at clause punctuation ({@code , ; : —}) or a
 *     sentence end once it is this long (default 8); at least 1
 * @param firstChunkMaxWords the first chunk ends before the next word once it holds this many
 *     words, even without punctuation (default 5); at least 1
 * @param minChunkChars later chunks end at a sentence end or line break once at least this long
 *     (default 20); at least 1
 * @param maxChunkChars a chunk longer than this is cut at its best boundary, clause punctuation
 *     else a word break (default 250); not below {@code minChunkChars} nor
 *     {@code firstChunkMinChars}. Code blocks and single words longer than this stay whole.
 * @param idleFlush when no token has arrived for this long, the pipeline speaks the buffered text
 *     ({@link SpeechChunker#flushIdle}) (default 400 ms); positive
 */
public record ChunkerSettings(
    int firstChunkMinChars, int firstChunkMaxWords, int minChunkChars, int maxChunkChars, Duration idleFlush) {

  /** The defaults: 8 chars / 5 words for the first chunk, 20 chars later, 250 max, 400 ms idle. */
  public static final ChunkerSettings DEFAULT = new ChunkerSettings(8, 5, 20, 250, Duration.ofMillis(400));

  /**
   * Validates every field and names the one that is wrong.
   *
   * @param firstChunkMinChars the first chunk may end at clause punctuation once this long; at
   *     least 1
   * @param firstChunkMaxWords the first chunk ends before the next word once it holds this many;
   *     at least 1
   * @param minChunkChars later chunks end at a sentence end once at least this long; at least 1
   * @param maxChunkChars longer chunks are cut; not below {@code minChunkChars} nor
   *     {@code firstChunkMinChars}
   * @param idleFlush the pause in the token stream after which buffered text is spoken; positive
   * @throws IllegalArgumentException when a value is out of range
   */
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
