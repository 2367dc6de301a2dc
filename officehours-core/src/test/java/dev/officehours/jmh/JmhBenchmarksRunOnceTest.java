package dev.officehours.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.cache.AnswerCache;
import dev.officehours.cache.TtsCache;
import dev.officehours.openai.ChatStreamJmh;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each JMH benchmark run once, directly, with its result checked: a refactor that breaks a
 * benchmark's workload (or makes it measure nothing) fails the build instead of printing a
 * meaningless figure. Times nothing.
 */
class JmhBenchmarksRunOnceTest {

  @Test
  void theAnnotationProcessorListedEveryBenchmark() throws IOException {
    String list;
    try (InputStream in = getClass().getResourceAsStream("/META-INF/BenchmarkList")) {
      assertNotNull(in, "META-INF/BenchmarkList: JMH's annotation processor did not run");
      list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (String benchmark : List.of(
        "SseReaderJmh.openAiChatStream", "SseReaderJmh.largeEvents",
        "ChatStreamJmh.openAiStreamToTokens", "SpeechChunkerJmh.answerOf64Tokens",
        "SpeakableTextJmh.plainAnswer", "SpeakableTextJmh.markdownAnswer",
        "CacheKeyJmh.ttsKeyOfOneChunk", "CacheKeyJmh.answerKeyOfATurn",
        "ReorderBufferJmh.turnOf6ChunksOutOfOrder")) {
      String[] parts = benchmark.split("\\.");
      assertTrue(list.contains(parts[0]) && list.contains(parts[1]), benchmark + " not in " + list);
    }
  }

  @Test
  void sseReaderReadsEveryEventOfTheChatStream() throws IOException {
    assertEquals(Workloads.OPENAI_CHAT_STREAM_EVENTS, new SseReaderJmh().openAiChatStream());
  }

  @Test
  void sseReaderReadsEveryLargeEvent() throws IOException {
    assertEquals(Workloads.SPEECH_AUDIO_STREAM_EVENTS, new SseReaderJmh().largeEvents());
  }

  @Test
  void chatStreamDeliversEveryTokenAndCompletes() throws IOException {
    ChatStreamJmh benchmark = new ChatStreamJmh();
    benchmark.setUp();

    assertEquals(Workloads.TOKENS, benchmark.openAiStreamToTokens());
    assertEquals(Workloads.ANSWER_64_WORDS.length(), benchmark.chars);
    assertNull(benchmark.error);
    assertEquals("stop", benchmark.completion.finishReason());
    assertEquals(64, benchmark.completion.usage().completionTokens());
    // state is reset per call: a second run counts the same
    assertEquals(Workloads.TOKENS, benchmark.openAiStreamToTokens());
  }

  @Test
  void chunkerCutsTheAnswerIntoChunksThatAddUpToIt() {
    SpeechChunkerJmh benchmark = new SpeechChunkerJmh();

    int chunks = benchmark.answerOf64Tokens();

    assertTrue(chunks >= 3, "a 4-sentence answer in " + chunks + " chunks");
    assertEquals(Workloads.ANSWER_64_WORDS.length(), benchmark.chars);
  }

  @Test
  void speakableTextKeepsPlainProseAndDropsMarkdownAndCode() {
    SpeakableTextJmh benchmark = new SpeakableTextJmh();
    benchmark.setUp();

    assertTrue(benchmark.plainChunks.size() >= 3);
    assertEquals(Workloads.ANSWER_64_WORDS.length() - (benchmark.plainChunks.size() - 1),
        benchmark.plainAnswer(), "plain prose loses only the spaces between chunks");
    int markdown = benchmark.markdownAnswer();
    assertTrue(markdown > 200 && markdown < Workloads.MARKDOWN_ANSWER.length() - 150,
        "the code block, URLs and marks are dropped: " + markdown + " of "
            + Workloads.MARKDOWN_ANSWER.length() + " characters left");
  }

  @Test
  void cacheKeysAreTheCachesOwnStableKeys() {
    CacheKeyJmh benchmark = new CacheKeyJmh();
    benchmark.setUp();

    String tts = benchmark.ttsKeyOfOneChunk();
    String answer = benchmark.answerKeyOfATurn();

    assertTrue(tts.matches(TtsCache.KEY_PREFIX + "[0-9a-f]{64}"), tts);
    assertTrue(answer.matches(AnswerCache.KEY_PREFIX + "[0-9a-f]{64}"), answer);
    assertEquals(tts, benchmark.ttsKeyOfOneChunk());
    assertEquals(answer, benchmark.answerKeyOfATurn());
  }

  @Test
  void reorderBufferDeliversOutOfOrderArrivalsInOrder() {
    ReorderBufferJmh benchmark = new ReorderBufferJmh();
    benchmark.setUp();

    assertEquals(ReorderBufferJmh.CHUNKS * ReorderBufferJmh.FRAMES,
        benchmark.turnOf6ChunksOutOfOrder());
    assertEquals(0, benchmark.outOfOrder);
    assertEquals(ReorderBufferJmh.CHUNKS, benchmark.done);
    assertTrue(benchmark.framesArrivingEarly() >= ReorderBufferJmh.FRAMES,
        "the drawn arrivals must make the buffer hold frames: " + benchmark.framesArrivingEarly());
  }
}
