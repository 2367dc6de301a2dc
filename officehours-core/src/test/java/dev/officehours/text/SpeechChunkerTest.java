package dev.officehours.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streaming contract of {@link SpeechChunker}: when chunks come out, flushing, state. */
class SpeechChunkerTest {
  private final SpeechChunker chunker = new SpeechChunker(ChunkerSettings.DEFAULT);
  private final List<String> out = new ArrayList<>();

  @Test
  void aSentenceEndIsEmittedOnlyOnceTheNextWordStarts() {
    chunker.append("Hello there.", out::add);
    assertEquals(List.of(), out);
    chunker.append(" ", out::add);
    assertEquals(List.of(), out);
    chunker.append("How", out::add);
    assertEquals(List.of("Hello there. "), out);
  }

  @Test
  void aDigitAfterThePeriodMakesItADecimal() {
    chunker.append("The price is 3.", out::add);
    chunker.append("14 dollars, okay", out::add);
    assertEquals(List.of("The price is 3.14 dollars, "), out);
  }

  @Test
  void flushEmitsTheBufferedRest() {
    chunker.append("Hello there, my friend", out::add);
    chunker.flush(out::add);
    assertEquals(List.of("Hello there, ", "my friend"), out);
  }

  @Test
  void flushWithNothingBufferedEmitsNothing() {
    chunker.flush(out::add);
    chunker.append("Hello there, ", out::add);
    chunker.append("friend", out::add);
    chunker.flush(out::add);
    chunker.flush(out::add);
    assertEquals(List.of("Hello there, ", "friend"), out);
  }

  @Test
  void anEmptyTokenChangesNothing() {
    chunker.append("", out::add);
    assertFalse(chunker.hasBufferedText());
    chunker.append("Hi", out::add);
    chunker.append("", out::add);
    chunker.flush(out::add);
    assertEquals(List.of("Hi"), out);
  }

  @Test
  void hasBufferedTextUntilEverythingIsEmitted() {
    assertFalse(chunker.hasBufferedText());
    chunker.append("Hello there, ", out::add);
    assertTrue(chunker.hasBufferedText());
    chunker.append("friend", out::add);
    assertTrue(chunker.hasBufferedText(), "'friend' waits after the first chunk");
    chunker.flush(out::add);
    assertFalse(chunker.hasBufferedText());
  }

  @Test
  void chunksEmittedCountsChunksOfAppendAndFlush() {
    chunker.append("Hello there, my friend. How are you doing today? Fine", out::add);
    assertEquals(2, chunker.chunksEmitted());
    chunker.flush(out::add);
    assertEquals(3, chunker.chunksEmitted());
    assertEquals(out.size(), chunker.chunksEmitted());
  }

  @Test
  void idleFlushSpeaksTheBufferedTextAndLaterChunksFollowTheLaterRules() {
    chunker.append("Let me think", out::add);
    chunker.flushIdle(out::add);
    assertEquals(List.of("Let me think"), out);
    chunker.append(" about it, okay. That is a fair point. Yes.", out::add);
    chunker.flush(out::add);
    assertEquals(List.of("Let me think", " about it, okay. That is a fair point. ", "Yes."), out);
  }

  @Test
  void idleFlushKeepsAnOpenCodeFenceWhole() {
    chunker.append("Here:\n```py\nx = 1\n", out::add);
    assertEquals(List.of("Here:\n"), out, "the text before the fence is emitted when it opens");
    chunker.flushIdle(out::add);
    assertEquals(List.of("Here:\n"), out);
    assertTrue(chunker.hasBufferedText());
    chunker.append("```\nDone.", out::add);
    chunker.flush(out::add);
    assertEquals(List.of("Here:\n", "```py\nx = 1\n```\n", "Done."), out);
  }

  @Test
  void endOfStreamFlushEmitsAnOpenCodeFence() {
    chunker.append("Here:\n```py\nx = 1", out::add);
    chunker.flush(out::add);
    assertEquals(List.of("Here:\n", "```py\nx = 1"), out);
  }

  @Test
  void chunksOfShortWordsNeverExceedTheLimit() {
    ChunkerSettings settings = Chunking.settings("maxChunkChars=50");
    Random random = new Random(7);
    String[] words = {"a", "tiny", "word", "and", "another", "one,", "then", "more"};
    StringBuilder text = new StringBuilder("Sure thing. ");
    for (int k = 0; k < 2_000; k++) {
      text.append(words[random.nextInt(words.length)]).append(' ');
    }
    List<String> chunks = Chunking.chunks(settings, Chunking.perWord(text.toString()));
    assertTrue(chunks.size() > 2_000 * 4 / 50, "a long text is cut into many chunks");
    for (String chunk : chunks) {
      assertTrue(chunk.stripTrailing().length() <= 50, () -> "too long: '" + chunk + "'");
    }
  }

  @Test
  void rejectsNullArgumentsNamingThem() {
    assertEquals("settings", assertThrows(NullPointerException.class, () -> new SpeechChunker(null)).getMessage());
    assertEquals("delta", assertThrows(NullPointerException.class, () -> chunker.append(null, out::add)).getMessage());
    assertEquals("out", assertThrows(NullPointerException.class, () -> chunker.append("x", null)).getMessage());
    assertEquals("out", assertThrows(NullPointerException.class, () -> chunker.flush(null)).getMessage());
    assertEquals("out", assertThrows(NullPointerException.class, () -> chunker.flushIdle(null)).getMessage());
  }
}
