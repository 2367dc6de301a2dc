package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.cache.AnswerCache;
import dev.officehours.errors.LimitExceededException;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.history.HistoryMessage;
import dev.officehours.history.InMemoryConversationStore;
import dev.officehours.metrics.TurnOutcome;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a turn accepts from its providers: answer length, audio per chunk, text per request, retries. */
class TurnLimitsTest {
  final FakeLlm llm = new FakeLlm();
  final FakeTts tts = new FakeTts();
  final InMemoryConversationStore store = InMemoryConversationStore.create();
  ConversationPipeline pipeline;

  @AfterEach
  void close() {
    if (pipeline != null) {
      pipeline.close();
    }
  }

  @Test
  void aTenMegabyteTokenIsCutAtTheAnswerBudgetAndEndsAsLength() {
    pipeline = ConversationPipeline.builder().llm(llm).conversationStore(store)
        .maxTokens(10).answerCharsPerToken(16).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Talk forever"), events);
    FakeLlm.Stream stream = llm.nextStream();
    stream.tokens("x".repeat(10 * 1024 * 1024));
    TurnResult result = turn.completion().join();
    assertEquals(160, result.text().length());
    assertEquals("length", result.finishReason());
    assertEquals(TurnOutcome.COMPLETED, result.outcome());
    assertTrue(stream.cancelled, "the LLM stream is closed at the limit");
    assertEquals(160, events.text().length());
    List<HistoryMessage> history = store.load("s1").join();
    assertEquals(160, history.get(1).text().length());
  }

  @Test
  void tokensPastTheBudgetAreDroppedAndTheStreamClosed() {
    pipeline = ConversationPipeline.builder().llm(llm).maxTokens(5).answerCharsPerToken(4).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Count"), new RecordingListener());
    FakeLlm.Stream stream = llm.nextStream();
    for (int i = 0; i < 1000; i++) {
      stream.tokens(" one");
    }
    TurnResult result = turn.completion().join();
    assertEquals(" one one one one one", result.text());
    assertEquals("length", result.finishReason());
    assertTrue(stream.cancelled);
  }

  @Test
  void anAnswerCutAtItsBudgetIsNeverCached() {
    pipeline = ConversationPipeline.builder().llm(llm).maxTokens(2).answerCharsPerToken(4)
        .answerCache(AnswerCache.inMemory()).build();
    Turn first = pipeline.start(TurnRequest.of("s1", "Same question"), new RecordingListener());
    llm.nextStream().tokens("Twelve chars");
    assertEquals("length", first.completion().join().finishReason());
    pipeline.start(TurnRequest.of("s2", "Same question"), new RecordingListener());
    FakeLlm.Stream again = llm.nextStream(); // the LLM is asked again: nothing was cached
    again.tokens("Short").complete();
  }

  @Test
  void audioFarLongerThanItsTextIsASpeechFailureAndTheCallIsClosed() {
    pipeline = ConversationPipeline.builder().llm(llm).tts(tts)
        .speechAudioLimit(Duration.ofMillis(10), Duration.ZERO).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), events);
    llm.nextStream().tokens("Hello there.").complete();
    FakeTts.Synthesis s = tts.next();
    int text = s.request.text().length();
    long limit = (long) (48_000 * (text * 0.010)); // 24 kHz, 16-bit mono
    byte[] piece = new byte[4_800];
    long sent = 0;
    while (sent <= limit) {
      s.sink.onAudio(piece.clone());
      sent += piece.length;
    }
    TurnResult result = turn.completion().join();
    assertEquals(TurnOutcome.COMPLETED, result.outcome());
    assertEquals(1, result.speechFailures().size());
    LimitExceededException error =
        assertInstanceOf(LimitExceededException.class, result.speechFailures().get(0).error());
    assertEquals("speechAudioLimit", error.setting());
    assertEquals(limit, error.limit());
    assertTrue(error.getMessage().contains("speechAudioLimit"), error.getMessage());
    assertTrue(s.cancelled, "the synthesis is closed at the limit");
    assertTrue(result.metrics().audioBytes() <= limit, "delivered " + result.metrics().audioBytes());
  }

  @Test
  void chunksLongerThanTheProviderAcceptsAreSplitAtWords() {
    TtsProvider narrow = new NarrowTts(tts, 40);
    pipeline = ConversationPipeline.builder().llm(llm).tts(narrow).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    String sentence = "This sentence has many words and runs well past forty characters without a pause.";
    llm.nextStream().words(sentence).complete();
    StringBuilder spoken = new StringBuilder();
    while (!turn.completion().isDone()) {
      FakeTts.Synthesis s = tts.next();
      assertTrue(s.request.text().length() <= 40, "'" + s.request.text() + "' is over 40 characters");
      spoken.append(spoken.length() == 0 ? "" : " ").append(s.request.text());
      s.audio("a").complete();
      if (spoken.length() >= sentence.length()) {
        break;
      }
    }
    assertEquals(sentence, spoken.toString());
    assertEquals(TurnOutcome.COMPLETED, turn.completion().join().outcome());
  }

  @Test
  void splittingForTheProviderKeepsSurrogatePairsWhole() {
    String emoji = "\uD83D\uDE00";
    String text = "a".repeat(9) + emoji + "b".repeat(9);
    List<String> pieces = SpeechScheduler.splitForProvider(text, 10);
    assertEquals(text, String.join("", pieces));
    for (String p : pieces) {
      assertTrue(p.length() <= 10, p);
      assertFalse(Character.isHighSurrogate(p.charAt(p.length() - 1)), "cut inside a surrogate pair: " + p);
    }
  }

  @Test
  void aRetryableChunkErrorIsRetriedOnceWhenTheProviderDidNotRetry() {
    pipeline = ConversationPipeline.builder().llm(llm).tts(tts).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    llm.nextStream().tokens("Hello there.").complete();
    FakeTts.Synthesis first = tts.next();
    first.fail(status(503, true, 1));
    FakeTts.Synthesis retry = tts.next();
    assertEquals(first.request.text(), retry.request.text());
    retry.audio("ok").complete();
    TurnResult result = turn.completion().join();
    assertEquals(1, result.metrics().ttsRetries());
    assertTrue(result.speechFailures().isEmpty());
  }

  @Test
  void aNonRetryableChunkErrorIsNotRetried() {
    pipeline = ConversationPipeline.builder().llm(llm).tts(tts).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    llm.nextStream().tokens("Hello there.").complete();
    tts.next().fail(status(401, false, 1));
    TurnResult result = turn.completion().join();
    assertEquals(1, result.speechFailures().size());
    assertEquals(0, result.metrics().ttsRetries());
    assertTrue(tts.noPendingCall(), "a 401 is asked once");
    assertEquals(1, tts.all.size());
  }

  @Test
  void aChunkTheProviderAlreadyRetriedIsNotRetriedAgain() {
    pipeline = ConversationPipeline.builder().llm(llm).tts(tts).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    llm.nextStream().tokens("Hello there.").complete();
    tts.next().fail(status(503, true, 2)); // the provider's own retry was the chunk's one retry
    TurnResult result = turn.completion().join();
    assertEquals(1, result.speechFailures().size());
    assertEquals(0, result.metrics().ttsRetries());
    assertEquals(1, tts.all.size());
  }

  static ProviderException status(int status, boolean retryable, int attempts) {
    return ProviderException.builder(OfficeHoursException.Stage.TTS, "speech failed")
        .status(status).retryable(retryable).attempts(attempts).build();
  }

  /** A TTS engine that takes at most {@code max} characters a request. */
  static final class NarrowTts implements TtsProvider {
    private final TtsProvider delegate;
    private final int max;

    NarrowTts(TtsProvider delegate, int max) {
      this.delegate = delegate;
      this.max = max;
    }

    @Override
    public String id() {
      return delegate.id();
    }

    @Override
    public SpeechRequest request(String text) {
      return delegate.request(text);
    }

    @Override
    public int maxInputChars() {
      return max;
    }

    @Override
    public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
      return delegate.synthesize(request, sink);
    }
  }
}
