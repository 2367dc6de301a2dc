package dev.officehours.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties over generated answers (fixed seeds): the chunks add up to the input, do not depend
 * on how the input is split into tokens, and never fall inside a piece that must stay whole.
 */
class SpeechChunkerPropertyTest {
  /** Pieces that no cut may split, whatever the settings (newlines around them are boundaries). */
  private static final String[] WHOLE = {
    "3.14", "$29.99", "1,000", "1,000,000.50", "10:30", "example.com/a.b", "https://example.com/x.y?q=1,2!",
    "bob@mail.example.org", "`a, b. C`", "[the docs, part. One](https://x.org/a.b)",
    "\n```\ncode, here. Yes! Sure: ok\n\nmore. Code\n```\n", "well-known", "\uD83D\uDE00\uD83C\uDF89"
  };
  /**
   * Phrases whose periods end no sentence: not cut by the sentence rules (the eager first chunk and
   * the length limit may still cut between their words).
   */
  private static final String[] PHRASES = {
    "Dr. Smith", "Mr. Brown", "Mrs. Jones", "Ms. Lee", "e.g. apples", "i.e. pears", "vs. Java", "St. Mark's",
    "9 a.m. sharp", "No. 5", "Step 2. Do", "J. R. Tolkien", "\n1. Eat"
  };
  private static final String[] WORDS = {
    "the", "a", "voice", "answer", "is", "ready", "now", "and", "then", "more", "Sure", "It", "We", "Yes", "okay"
  };
  private static final String[] PUNCTUATION = {
    ", ", ". ", "! ", "? ", "; ", ": ", " — ", " - ", "... ", "… ", "\n", "\n\n", "\n- ", ".\n", "。", "? ", "!\" "
  };

  record Generated(String text, List<int[]> wholeRanges, List<int[]> phraseRanges, long seed) {
    @Override
    public String toString() {
      return "seed " + seed;
    }
  }

  static Stream<Generated> answers() {
    return IntStream.rangeClosed(1, 150).mapToObj(SpeechChunkerPropertyTest::generate);
  }

  private static Generated generate(long seed) {
    Random random = new Random(seed);
    StringBuilder text = new StringBuilder();
    List<int[]> whole = new ArrayList<>();
    List<int[]> phrases = new ArrayList<>();
    int pieces = 10 + random.nextInt(80);
    for (int k = 0; k < pieces; k++) {
      int kind = random.nextInt(10);
      if (kind < 2) {
        boolean phrase = random.nextBoolean();
        String[] table = phrase ? PHRASES : WHOLE;
        add(text, table[random.nextInt(table.length)], phrase ? phrases : whole);
      } else if (kind < 4) {
        text.append(PUNCTUATION[random.nextInt(PUNCTUATION.length)]);
      } else {
        text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
      }
    }
    return new Generated(text.toString(), whole, phrases, seed);
  }

  /** Appends the piece and a space, and notes where it is (without newlines around it). */
  private static void add(StringBuilder text, String piece, List<int[]> ranges) {
    int start = text.length();
    text.append(piece);
    int end = text.length();
    while (text.charAt(start) == '\n') {
      start++;
    }
    while (text.charAt(end - 1) == '\n') {
      end--;
    }
    ranges.add(new int[] {start, end});
    text.append(' ');
  }

  private static final List<ChunkerSettings> SETTINGS =
      List.of(ChunkerSettings.DEFAULT, Chunking.settings("maxChunkChars=60"), Chunking.settings("minChunkChars=1 firstChunkMinChars=1 firstChunkMaxWords=1"));

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  void chunksAddUpToTheInput(Generated g) {
    for (ChunkerSettings settings : SETTINGS) {
      assertEquals(g.text(), String.join("", Chunking.chunks(settings, Chunking.whole(g.text()))));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  void chunksDoNotDependOnTheTokenSplit(Generated g) {
    for (ChunkerSettings settings : SETTINGS) {
      List<String> expected = Chunking.chunks(settings, Chunking.whole(g.text()));
      assertEquals(expected, Chunking.chunks(settings, Chunking.perChar(g.text())), "per char");
      assertEquals(expected, Chunking.chunks(settings, Chunking.perWord(g.text())), "per word");
      for (long seed = 1; seed <= 5; seed++) {
        assertEquals(expected, Chunking.chunks(settings, Chunking.randomSplit(g.text(), seed)), "random " + seed);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  void noCutFallsInsideAPieceThatMustStayWhole(Generated g) {
    for (ChunkerSettings settings : SETTINGS) {
      List<String> chunks = Chunking.chunks(settings, Chunking.whole(g.text()));
      assertNoCutInside(g, chunks, g.wholeRanges(), 0);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  void noSentenceRuleCutsAnAbbreviationOrListMarkerFromItsWord(Generated g) {
    List<String> chunks = Chunking.chunks(ChunkerSettings.DEFAULT, Chunking.whole(g.text()));
    assertNoCutInside(g, chunks, g.phraseRanges(), chunks.isEmpty() ? 0 : chunks.get(0).length());
  }

  private static void assertNoCutInside(Generated g, List<String> chunks, List<int[]> ranges, int after) {
    int at = 0;
    for (String chunk : chunks) {
      at += chunk.length();
      for (int[] range : ranges) {
        int cut = at;
        assertFalse(cut > after && cut > range[0] && cut < range[1],
            () -> "cut at " + cut + " inside '" + g.text().substring(range[0], range[1]) + "' in: " + g.text());
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  void everyChunkButTheFirstStartsWithAVisibleCharacter(Generated g) {
    List<String> chunks = Chunking.chunks(ChunkerSettings.DEFAULT, Chunking.whole(g.text()));
    for (String chunk : chunks.subList(Math.min(1, chunks.size()), chunks.size())) {
      assertTrue(!chunk.isEmpty() && !Character.isWhitespace(chunk.charAt(0)), () -> "'" + chunk + "'");
    }
  }
}
