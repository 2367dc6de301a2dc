package dev.officehours.tts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Word timings: what a valid one is, and how one is estimated from text and audio length. */
class WordTimingTest {

  @Test
  void anEstimateSpreadsTheCharactersEvenlyOverTheAudio() {
    // 10 characters over 1 s: 100 ms each; "Hi," is 0..3, "you" 4..7, "go" 8..10
    List<WordTiming> words = WordTiming.estimate("Hi, you go", Duration.ofSeconds(1));
    assertEquals(List.of(
        new WordTiming("Hi,", Duration.ZERO, Duration.ofMillis(300), true),
        new WordTiming("you", Duration.ofMillis(400), Duration.ofMillis(700), true),
        new WordTiming("go", Duration.ofMillis(800), Duration.ofSeconds(1), true)), words);
  }

  @Test
  void anEstimateSkipsRunsOfWhitespaceAndNeverPassesTheAudio() {
    List<WordTiming> words = WordTiming.estimate("  one \n two\t", Duration.ofMillis(1200));
    assertEquals(List.of("one", "two"), words.stream().map(WordTiming::word).toList());
    assertTrue(words.get(1).end().compareTo(Duration.ofMillis(1200)) <= 0);
    assertTrue(words.get(0).end().compareTo(words.get(1).start()) <= 0, "in order: " + words);
  }

  @Test
  void blankTextHasNoWords() {
    assertEquals(List.of(), WordTiming.estimate(" \n", Duration.ofSeconds(1)));
  }

  @Test
  void aTimingEndingBeforeItStartsIsRejectedNamingTheWord() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new WordTiming("late", Duration.ofMillis(5), Duration.ofMillis(4), false));
    assertTrue(e.getMessage().contains("'late'"), e.getMessage());
  }

  @Test
  void aNegativeStartOrABlankWordIsRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> new WordTiming("x", Duration.ofMillis(-1), Duration.ZERO, false));
    assertThrows(IllegalArgumentException.class,
        () -> new WordTiming(" ", Duration.ZERO, Duration.ZERO, false));
    assertThrows(IllegalArgumentException.class,
        () -> WordTiming.estimate("x", Duration.ofMillis(-1)));
  }
}
