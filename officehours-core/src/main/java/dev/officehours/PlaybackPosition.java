package dev.officehours;

import java.time.Duration;
import java.util.Objects;

/**
 * How far the caller had played a turn's audio when the user barged in: the chunk that was
 * playing and how much of it was heard. Given to {@link Turn#interrupt(PlaybackPosition)}, it lets
 * history keep only what the user actually heard.
 *
 * <p>Chunks are those of {@link AudioFrame#chunkIndex()}; a client that tracks playback per frame
 * reports the chunk of the frame playing and the time played within that chunk.
 *
 * @param chunkIndex the chunk playing, 0-based; -1 when nothing had been played yet
 * @param played how much of that chunk was played, zero or positive (more than the chunk's length
 *     counts as the whole chunk)
 */
public record PlaybackPosition(int chunkIndex, Duration played) {

  /** Nothing was played yet. */
  public static final PlaybackPosition NOTHING_PLAYED = new PlaybackPosition(-1, Duration.ZERO);

  /**
   * Validates the position and names the wrong value.
   *
   * @param chunkIndex the chunk playing, 0-based; -1 when nothing had been played yet
   * @param played how much of that chunk was played, zero or positive
   * @throws IllegalArgumentException when {@code chunkIndex} is below -1 or {@code played} is
   *     negative
   */
  public PlaybackPosition {
    Objects.requireNonNull(played, "played");
    if (chunkIndex < -1) {
      throw new IllegalArgumentException("chunkIndex must be -1 or more but was " + chunkIndex);
    }
    if (played.isNegative()) {
      throw new IllegalArgumentException("played must not be negative but was " + played);
    }
  }

  /**
   * A position inside chunk {@code chunkIndex}.
   *
   * @param chunkIndex the chunk playing, 0-based
   * @param played how much of it was played, zero or positive
   * @return the position
   * @throws IllegalArgumentException when {@code chunkIndex} is below -1 or {@code played} is
   *     negative
   */
  public static PlaybackPosition of(int chunkIndex, Duration played) {
    return new PlaybackPosition(chunkIndex, played);
  }
}
