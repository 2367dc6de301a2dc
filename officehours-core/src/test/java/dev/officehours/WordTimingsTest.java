package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.tts.WordTiming;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Word timings on the turn's audio frames: the provider's when it reports them, travelling with
 * their audio in order; estimated by the pipeline when it does not.
 */
class WordTimingsTest {
  /** One second of PCM at 24 kHz, 16-bit mono. */
  private static final int ONE_SECOND = 48_000;

  final FakeLlm llm = new FakeLlm();
  final FakeTts tts = new FakeTts();
  final ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).tts(tts).build();

  @AfterEach
  void close() {
    pipeline.close();
  }

  private static List<WordTiming> words(String... wordsAndMillis) {
    List<WordTiming> out = new java.util.ArrayList<>();
    for (int i = 0; i < wordsAndMillis.length; i += 3) {
      out.add(new WordTiming(wordsAndMillis[i], Duration.ofMillis(Long.parseLong(wordsAndMillis[i + 1])),
          Duration.ofMillis(Long.parseLong(wordsAndMillis[i + 2])), false));
    }
    return out;
  }

  static final String ANSWER = "Our office hours are nine to five. On Saturdays we open at ten.";

  private List<String> twoChunks(RecordingListener events) {
    pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    FakeLlm.Stream stream = llm.nextStream();
    stream.words(ANSWER);
    stream.complete();
    List<String> chunks = ConversationPipelineTest.chunksOf(ANSWER);
    assertEquals(2, chunks.size(), "the answer is cut into two chunks: " + chunks);
    return chunks;
  }

  @Test
  void aProviderWithoutTimingsGetsEveryWordEstimatedOnTheChunksFirstFrame() {
    RecordingListener events = new RecordingListener();
    pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().tokens("Nine", " to", " five", ".").complete();
    FakeTts.Synthesis s = tts.next();
    s.sink.onAudio(new byte[ONE_SECOND / 2]);
    s.sink.onAudio(new byte[ONE_SECOND / 2]);
    s.complete();
    events.awaitTerminal();

    List<AudioFrame> frames = events.audio();
    assertEquals(2, frames.size());
    // Its audio was still arriving at its first frame: the text at 16 characters a second.
    assertEquals(WordTiming.estimate("Nine to five.", Duration.ofNanos(13 * 62_500_000L)),
        frames.get(0).words());
    assertEquals(List.of("Nine", "to", "five."),
        frames.get(0).words().stream().map(WordTiming::word).toList());
    assertTrue(frames.get(0).words().stream().allMatch(WordTiming::estimated));
    assertEquals(List.of(), frames.get(1).words(), "every word comes once, with the first frame");
  }

  @Test
  void aChunkWhoseAudioAllArrivedBeforeItPlaysIsSpreadOverThatAudio() {
    RecordingListener events = new RecordingListener();
    List<String> chunks = twoChunks(events);
    FakeTts.Synthesis first = tts.next();
    FakeTts.Synthesis second = tts.next();
    second.sink.onAudio(new byte[ONE_SECOND]);
    second.sink.onAudio(new byte[ONE_SECOND]);
    second.complete();
    first.sink.onAudio(new byte[ONE_SECOND]);
    first.complete();
    events.awaitTerminal();

    List<AudioFrame> ofSecond =
        events.audio().stream().filter(f -> f.chunkIndex() == 1).toList();
    assertEquals(WordTiming.estimate(chunks.get(1), Duration.ofSeconds(2)), ofSecond.get(0).words());
    assertEquals(List.of(), ofSecond.get(1).words());
  }

  @Test
  void aChunkStillArrivingIsEstimatedAtTheSpeakingRateOfTheChunksBefore() {
    RecordingListener events = new RecordingListener();
    List<String> chunks = twoChunks(events);
    FakeTts.Synthesis first = tts.next();
    FakeTts.Synthesis second = tts.next();
    int firstBytes = chunks.get(0).length() * 48; // 1 ms a character: 24 samples of 2 bytes
    first.sink.onAudio(new byte[firstBytes]);
    first.complete();
    events.awaitAudioFrames(1);
    second.sink.onAudio(new byte[2]);
    events.awaitAudioFrames(2);

    AudioFrame live = events.audio().get(1);
    assertEquals(1, live.chunkIndex());
    assertEquals(WordTiming.estimate(chunks.get(1), Duration.ofMillis(chunks.get(1).length())),
        live.words());
    second.complete();
    events.awaitTerminal();
  }

  @Test
  void timingsAProviderReportsTravelWithTheirFramesInChunkOrder() {
    RecordingListener events = new RecordingListener();
    twoChunks(events);
    FakeTts.Synthesis first = tts.next();
    FakeTts.Synthesis second = tts.next();
    // chunk 1 is all here before chunk 0 has a byte: it waits, its timings with it
    second.sink.onAudio(new byte[4], words("On", "0", "100"));
    second.sink.onAudio(new byte[4], List.of());
    second.sink.onAudio(new byte[4], words("Saturdays", "250", "700", "we", "700", "800"));
    second.complete();
    first.sink.onAudio(new byte[2], words("Our", "0", "150", "office", "150", "400"));
    events.awaitAudioFrames(1);
    first.sink.onAudio(new byte[2], words("hours", "400", "600"));
    first.complete();
    events.awaitTerminal();

    List<AudioFrame> frames = events.audio();
    assertEquals(List.of(0, 0, 1, 1, 1), frames.stream().map(AudioFrame::chunkIndex).toList());
    assertEquals(words("Our", "0", "150", "office", "150", "400"), frames.get(0).words());
    assertEquals(words("hours", "400", "600"), frames.get(1).words());
    assertEquals(words("On", "0", "100"), frames.get(2).words());
    assertEquals(List.of(), frames.get(3).words());
    assertEquals(words("Saturdays", "250", "700", "we", "700", "800"), frames.get(4).words());
    assertFalse(frames.stream().flatMap(f -> f.words().stream()).anyMatch(WordTiming::estimated));
  }

  @Test
  void oneProviderFrameWithoutTimingsAfterOthersWithThemCarriesNone() {
    RecordingListener events = new RecordingListener();
    pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().tokens("Nine", " to", " five", ".").complete();
    FakeTts.Synthesis s = tts.next();
    s.sink.onAudio(new byte[2], words("Nine", "0", "200"));
    s.sink.onAudio(new byte[2]);
    s.complete();
    events.awaitTerminal();

    assertEquals(words("Nine", "0", "200"), events.audio().get(0).words());
    assertEquals(List.of(), events.audio().get(1).words(), "no estimate mixed into reported ones");
  }
}
