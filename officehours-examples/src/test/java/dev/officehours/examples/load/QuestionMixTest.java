package dev.officehours.examples.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuestionMixTest {

  @Test
  void withoutRepeatsEveryQuestionIsNew() {
    QuestionMix mix = new QuestionMix(QuestionMix.builtIn(), 0, 1);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      assertTrue(seen.add(mix.next()));
    }
  }

  @Test
  void theRepeatRatioIsTheShareOfVerbatimRepeats() {
    QuestionMix mix = new QuestionMix(QuestionMix.builtIn(), 0.5, 1);
    Set<String> seen = new HashSet<>();
    int repeats = 0;
    for (int i = 0; i < 1_000; i++) {
      if (!seen.add(mix.next())) {
        repeats++;
      }
    }
    assertTrue(repeats > 400 && repeats < 600, repeats + " repeats of 1000");
  }

  @Test
  void aLongRunKeepsABoundedSampleOfItsQuestionsAndStillRepeatsEarlyOnes() {
    QuestionMix mix = new QuestionMix(QuestionMix.builtIn(), 0.3, 1);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 20_000; i++) {
      seen.add(mix.next());
    }
    assertEquals(QuestionMix.REMEMBERED, mix.remembered(), "a soak must not hold one question per turn");

    // the kept questions are a sample of the whole run, not only its last ones
    int early = 0;
    int repeats = 0;
    for (int i = 0; i < 2_000; i++) {
      String q = mix.next();
      if (seen.contains(q)) {
        repeats++;
        int number = Integer.parseInt(q.substring(q.lastIndexOf("(#") + 2, q.length() - 1));
        if (number <= 7_000) {
          early++;
        }
      }
    }
    assertTrue(repeats > 400 && repeats < 800, repeats + " repeats of 2000");
    assertTrue(early > repeats / 4, early + " of " + repeats + " repeats are of the first 7,000 fresh questions");
  }

  @Test
  void readsWeightsAndSkipsCommentsAndBlankLines(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("q.txt");
    Files.writeString(file, "# mix\n3 | What is OfficeHours?\n\nHow does caching work?\n0.5\tWhat is barge-in?\n");
    assertEquals(List.of(new QuestionMix.Weighted(3, "What is OfficeHours?"),
        new QuestionMix.Weighted(1, "How does caching work?"), new QuestionMix.Weighted(0.5, "What is barge-in?")),
        QuestionMix.read(file));
  }

  @Test
  void aFileWithoutQuestionsIsRejectedByName(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("empty.txt");
    Files.writeString(file, "# nothing\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QuestionMix.read(file));
    assertTrue(e.getMessage().contains("empty.txt holds no question"), e.getMessage());
  }

  @Test
  void aNamespacedMixNeverAsksTheMeasuredMixsQuestions() {
    QuestionMix measured = new QuestionMix(QuestionMix.builtIn(), 0, 42);
    QuestionMix warmup = new QuestionMix(QuestionMix.builtIn(), 0, 42, "w");
    Set<String> asked = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      asked.add(measured.next());
    }
    for (int i = 0; i < 200; i++) {
      String q = warmup.next();
      assertTrue(q.endsWith("(#w" + (i + 1) + ")"), q);
      assertTrue(!asked.contains(q), q);
    }
    assertThrows(IllegalArgumentException.class, () -> new QuestionMix(QuestionMix.builtIn(), 0, 1, "1"));
  }
}
