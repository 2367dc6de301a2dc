package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.cache.AnswerCache;
import dev.officehours.cache.CacheStore;
import dev.officehours.cache.CaffeineCacheStore;
import dev.officehours.history.HistoryMessage;
import dev.officehours.history.InMemoryConversationStore;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.TokenUsage;
import dev.officehours.metrics.MicrometerObserver;
import dev.officehours.metrics.PipelineObserver;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A reasoning model's turn: its reasoning arrives through {@code LlmListener.onReasoning} beside
 * the answer and is only timed and counted, never spoken, shown, stored in history or cached.
 * Time comes from a manual clock, so the timings are exact.
 */
class ReasoningTurnTest {
  private static final String QUESTION = "How many r's are in strawberry?";
  private static final String ANSWER = "There are three.";
  private static final String THOUGHT_1 = "The user asks about letters. ";
  private static final String THOUGHT_2 = "s-t-r-a-w-b-e-r-r-y: three.";
  private static final String THOUGHT_3 = "Double-check done.";
  private static final Duration THINKING_STARTS = Duration.ofMillis(200);
  private static final Duration THINKING_TAKES = Duration.ofMillis(800);

  final ManualClock clock = new ManualClock();
  final FakeLlm llm = new FakeLlm();
  final FakeTts tts = new FakeTts();
  final InMemoryConversationStore store = InMemoryConversationStore.create();
  final RecordingCacheStore cacheStore = new RecordingCacheStore();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final FirstTokens firstTokens = new FirstTokens();
  final ConversationPipeline pipeline = ConversationPipeline.builder()
      .llm(llm).tts(tts).conversationStore(store).clock(clock)
      .answerCache(AnswerCache.builder(cacheStore).statelessFaq(true).build())
      .observer(PipelineObserver.composite(List.of(new MicrometerObserver(registry), firstTokens)))
      .build();

  @AfterEach
  void close() {
    pipeline.close();
  }

  /** Records what the observer hears of first tokens; lets the test wait for the first one. */
  static final class FirstTokens extends PipelineObserver {
    final CountDownLatch first = new CountDownLatch(1);
    final List<Duration> answerTokens = new CopyOnWriteArrayList<>();

    @Override
    public void llmFirstToken(Duration timeToFirstToken, boolean fromCache) {
      first.countDown();
    }

    @Override
    public void llmFirstAnswerToken(Duration timeToFirstAnswerToken, boolean fromCache) {
      answerTokens.add(timeToFirstAnswerToken);
    }

    void awaitFirst() throws InterruptedException {
      assertTrue(first.await(10, TimeUnit.SECONDS), "no first token observed");
    }
  }

  /** A Caffeine store that keeps what was put, and says when. */
  static final class RecordingCacheStore implements CacheStore {
    private final CacheStore delegate = CaffeineCacheStore.create();
    final CompletableFuture<byte[]> firstPut = new CompletableFuture<>();

    @Override
    public CompletableFuture<Optional<byte[]>> get(String key) {
      return delegate.get(key);
    }

    @Override
    public CompletableFuture<Void> put(String key, byte[] value, Duration ttl) {
      return delegate.put(key, value, ttl).thenRun(() -> firstPut.complete(value));
    }

    @Override
    public CompletableFuture<Void> delete(String key) {
      return delegate.delete(key);
    }
  }

  /**
   * One turn of a model that thinks for {@link #THINKING_TAKES} before it answers, and once more
   * in the middle of its answer; its TTS answered; returns the result.
   */
  private TurnResult reasoningTurn(String session, RecordingListener events) throws Exception {
    Turn turn = pipeline.start(TurnRequest.of(session, QUESTION), events);
    FakeLlm.Stream stream = llm.nextStream();
    clock.advance(THINKING_STARTS);
    stream.listener.onReasoning(THOUGHT_1);
    stream.listener.onReasoning(THOUGHT_2);
    firstTokens.awaitFirst(); // the turn has timed the first reasoning token
    clock.advance(THINKING_TAKES);
    stream.tokens("There", " are");
    stream.listener.onReasoning(THOUGHT_3);
    stream.tokens(" three.");
    stream.listener.onComplete(new LlmCompletion("stop", new TokenUsage(14, 60, 74, 48),
        "fake-reasoner", false));
    for (int i = 0; i < ConversationPipelineTest.chunksOf(ANSWER).size(); i++) {
      tts.next().audio("A" + i).complete();
    }
    return turn.completion().get(10, TimeUnit.SECONDS);
  }

  private static void assertNoReasoningIn(String where, String text) {
    for (String thought : List.of(THOUGHT_1, THOUGHT_2, THOUGHT_3, "letters", "Double-check")) {
      assertFalse(text.contains(thought.strip()), where + " holds reasoning: " + text);
    }
  }

  @Test
  void reasoningIsNeitherShownNorSpokenNorPartOfTheAnswer() throws Exception {
    RecordingListener events = new RecordingListener();
    TurnResult result = reasoningTurn("s1", events);

    assertEquals(ANSWER, events.text(), "the text deltas are the answer only");
    assertEquals(ANSWER, result.text());
    for (AudioFrame frame : events.audio()) {
      assertNoReasoningIn("a spoken chunk", frame.chunkText());
    }
    assertEquals(ConversationPipelineTest.chunksOf(ANSWER),
        events.audio().stream().map(AudioFrame::chunkText).distinct().toList());
    assertTrue(tts.noPendingCall());
  }

  @Test
  void historyKeepsTheAnswerWithoutTheReasoning() throws Exception {
    reasoningTurn("s1", new RecordingListener());

    List<HistoryMessage> history = store.load("s1").join();
    assertEquals(2, history.size());
    assertEquals(ChatMessage.Role.ASSISTANT, history.get(1).role());
    assertEquals(ANSWER, history.get(1).text());
  }

  @Test
  void theAnswerCacheStoresOnlyTheAnswerAndReplaysItWithoutReasoning() throws Exception {
    reasoningTurn("s1", new RecordingListener());
    String stored = new String(cacheStore.firstPut.get(10, TimeUnit.SECONDS),
        StandardCharsets.UTF_8);
    assertTrue(stored.contains(ANSWER), stored);
    assertNoReasoningIn("the answer cache", stored);

    RecordingListener again = new RecordingListener();
    Turn replayed = pipeline.start(TurnRequest.of("s2", QUESTION), again);
    for (int i = 0; i < ConversationPipelineTest.chunksOf(ANSWER).size(); i++) {
      tts.next().audio("B" + i).complete();
    }
    TurnResult result = replayed.completion().get(10, TimeUnit.SECONDS);
    assertTrue(result.answerFromCache());
    assertEquals(ANSWER, again.text());
    assertEquals(result.metrics().timeToFirstToken(), result.metrics().timeToFirstAnswerToken(),
        "a replayed answer has no reasoning before it");
    assertTrue(llm.streams.isEmpty(), "the model was not asked again");
  }

  @Test
  void timeToFirstTokenCountsTheReasoningAndTimeToFirstAnswerTokenWaitsForTheAnswer()
      throws Exception {
    TurnMetrics metrics = reasoningTurn("s1", new RecordingListener()).metrics();

    assertEquals(Optional.of(THINKING_STARTS), metrics.timeToFirstToken());
    assertEquals(Optional.of(THINKING_STARTS.plus(THINKING_TAKES)),
        metrics.timeToFirstAnswerToken());
    assertEquals(List.of(THINKING_STARTS.plus(THINKING_TAKES)), firstTokens.answerTokens,
        "the observer hears of the first answer token once");
  }

  @Test
  void micrometerRecordsTimeToFirstAnswerTokenBesideTimeToFirstToken() throws Exception {
    reasoningTurn("s1", new RecordingListener());

    Timer ttft = registry.get("officehours.llm.ttft").tag("source", "live").timer();
    Timer ttfat = registry.get("officehours.llm.ttfat").tag("source", "live").timer();
    assertEquals(1, ttft.count());
    assertEquals(1, ttfat.count());
    assertEquals(THINKING_STARTS.toNanos(), (long) ttft.totalTime(TimeUnit.NANOSECONDS));
    assertEquals(THINKING_STARTS.plus(THINKING_TAKES).toNanos(),
        (long) ttfat.totalTime(TimeUnit.NANOSECONDS));
  }

  @Test
  void reasoningTokensAreCountedInTheResultsUsage() throws Exception {
    TurnResult result = reasoningTurn("s1", new RecordingListener());

    assertEquals(new TokenUsage(14, 60, 74, 48), result.usage());
  }

  @Test
  void aTurnCancelledWhileTheModelThinksHasATimeToFirstTokenButNoAnswerToken() throws Exception {
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", QUESTION), events);
    FakeLlm.Stream stream = llm.nextStream();
    clock.advance(THINKING_STARTS);
    stream.listener.onReasoning(THOUGHT_1);
    firstTokens.awaitFirst();

    assertTrue(turn.cancel());
    TurnResult result = turn.completion().get(10, TimeUnit.SECONDS);
    assertEquals(Optional.of(THINKING_STARTS), result.metrics().timeToFirstToken());
    assertEquals(Optional.empty(), result.metrics().timeToFirstAnswerToken());
    assertEquals("", result.text());
    assertTrue(store.load("s1").join().isEmpty(), "nothing was said, nothing is remembered");
  }
}
