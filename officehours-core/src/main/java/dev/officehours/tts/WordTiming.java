package dev.officehours.tts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * When one word of a speech chunk is spoken, relative to the start of that chunk's audio: what
 * captions, karaoke highlighting and heard-text history need. A word is a run of non-whitespace
 * characters of the chunk's text, punctuation included ({@code "Hello,"}).
 *
 * <p>Timings come either from the provider ({@link #estimated()} false: ElevenLabs aligns every
 * character with the audio it generates) or, when a provider reports none, from an estimate
 * ({@link #estimated()} true): the chunk's characters spread evenly over its audio, see {@link
 * #estimate}.
 *
 * @param word the word as written in the chunk's text, never blank
 * @param start when the word starts, from the start of the chunk's audio
 * @param end when the word ends, not before {@code start}
 * @param estimated whether the times were estimated from the speaking rate rather than reported
 *     by the provider
 */
public record WordTiming(String word, Duration start, Duration end, boolean estimated) {

  /**
   * Validates every field and names the one that is wrong.
   *
   * @param word the word; not blank
   * @param start when the word starts; not negative
   * @param end when the word ends; not before {@code start}
   * @param estimated whether the times are estimated
   * @throws IllegalArgumentException when {@code word} is blank, {@code start} negative or {@code
   *     end} before {@code start}
   */
  public WordTiming {
    Objects.requireNonNull(word, "word");
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    if (word.isBlank()) {
      throw new IllegalArgumentException("word must not be blank");
    }
    if (start.isNegative()) {
      throw new IllegalArgumentException("start must not be negative but was " + start);
    }
    if (end.compareTo(start) < 0) {
      throw new IllegalArgumentException(
          "end (" + end + ") must not be before start (" + start + ") for '" + word + "'");
    }
  }

  /**
   * Estimates the timings of the words of {@code text} spoken over {@code length}: every
   * character, spaces and punctuation included, gets the same share of the audio, so a word
   * starts at its first character's share and ends after its last one's. Rough (a pause after a
   * full stop is spread over the sentence), but never out of order and never past the audio.
   *
   * @param text the text the audio speaks
   * @param length how long the audio plays; not negative
   * @return one timing per word of {@code text}, in order, each {@link #estimated()}; empty for
   *     blank text
   * @throws IllegalArgumentException when {@code length} is negative
   */
  public static List<WordTiming> estimate(String text, Duration length) {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(length, "length");
    if (length.isNegative()) {
      throw new IllegalArgumentException("length must not be negative but was " + length);
    }
    List<WordTiming> words = new ArrayList<>();
    int n = text.length();
    long total = length.toNanos();
    int i = 0;
    while (i < n) {
      while (i < n && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      int from = i;
      while (i < n && !Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      if (i > from) {
        words.add(new WordTiming(text.substring(from, i), share(total, from, n),
            share(total, i, n), true));
      }
    }
    return words;
  }

  private static Duration share(long totalNanos, int chars, int of) {
    return Duration.ofNanos((long) (totalNanos * ((double) chars / of)));
  }
}
