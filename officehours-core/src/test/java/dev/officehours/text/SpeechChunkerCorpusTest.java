package dev.officehours.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chunker rules as a table: {@code chunker/chunks.txt} holds each streamed answer and the
 * chunks it must be cut into. Every case is also streamed per character, per word and in random
 * pieces, which must give the same chunks.
 */
class SpeechChunkerCorpusTest {

  static List<Corpus> cases() {
    return Corpus.load("/chunker/chunks.txt");
  }

  private static ChunkerSettings settingsOf(Corpus c) {
    return c.has("settings") ? Chunking.settings(c.get("settings")) : ChunkerSettings.DEFAULT;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void cutsTheWholeTextIntoTheExpectedChunks(Corpus c) {
    assertEquals(c.list("out"), Chunking.chunks(settingsOf(c), Chunking.whole(c.get("in"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void expectedChunksAddUpToTheInput(Corpus c) {
    assertEquals(c.get("in"), String.join("", c.list("out")), "the case itself is inconsistent");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void givesTheSameChunksStreamedPerCharacter(Corpus c) {
    assertEquals(c.list("out"), Chunking.chunks(settingsOf(c), Chunking.perChar(c.get("in"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void givesTheSameChunksStreamedPerWord(Corpus c) {
    assertEquals(c.list("out"), Chunking.chunks(settingsOf(c), Chunking.perWord(c.get("in"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void givesTheSameChunksStreamedInRandomPieces(Corpus c) {
    for (long seed = 1; seed <= 20; seed++) {
      assertEquals(c.list("out"), Chunking.chunks(settingsOf(c), Chunking.randomSplit(c.get("in"), seed)),
          "seed " + seed);
    }
  }
}
