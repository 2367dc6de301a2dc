package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.errors.TurnTimeoutException;
import dev.officehours.history.ConversationStore;
import dev.officehours.history.HistoryMessage;
import dev.officehours.history.InMemoryConversationStore;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmListener;
import dev.officehours.llm.LlmProvider;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With no earlier turn of the session to wait for and its history at hand, the chat request goes
 * out from the thread that called {@code start()}, before it returns: no hand-off to the turn
 * pool between the call and the wire. Otherwise the turn waits as before. Either way the turn's
 * deadline is armed.
 */
class StartOnCallersThreadTest {

  /** A FakeLlm that remembers the thread each call was made on. */
  static final class ThreadNotingLlm extends FakeLlm {
    volatile Thread calledOn;

    @Override
    public LlmCall stream(ChatRequest request, LlmListener listener) {
      calledOn = Thread.currentThread();
      return super.stream(request, listener);
    }
  }

  @Test
  void theChatRequestLeavesFromTheCallersThreadBeforeStartReturns() throws Exception {
    ThreadNotingLlm llm = new ThreadNotingLlm();
    try (ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).build()) {
      Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), new TurnListener() { });
      assertSame(Thread.currentThread(), llm.calledOn, "called before start() returned, on its thread");
      llm.nextStream().tokens("Nine", " to", " five.").complete();
      assertEquals("Nine to five.", turn.completion().get(10, TimeUnit.SECONDS).text());

      // The session's next turn reads history the first one wrote: still from here.
      llm.calledOn = null;
      Turn second = pipeline.start(TurnRequest.of("s1", "And Fridays?"), new TurnListener() { });
      assertSame(Thread.currentThread(), llm.calledOn);
      FakeLlm.Stream stream = llm.nextStream();
      assertEquals(4, stream.request.messages().size(), "system, the first exchange, the question");
      stream.tokens("Till noon.").complete();
      second.completion().get(10, TimeUnit.SECONDS);
    }
  }

  /** An in-memory store whose writes finish only when the test says so. */
  static final class SlowWrites implements ConversationStore {
    final InMemoryConversationStore memory = InMemoryConversationStore.create();
    final CompletableFuture<Void> release = new CompletableFuture<>();

    @Override
    public CompletableFuture<List<HistoryMessage>> load(String sessionId) {
      return memory.load(sessionId);
    }

    @Override
    public CompletableFuture<Void> append(String sessionId, List<HistoryMessage> messages) {
      return release.thenCompose(ignored -> memory.append(sessionId, messages));
    }

    @Override
    public CompletableFuture<Void> clear(String sessionId) {
      return memory.clear(sessionId);
    }
  }

  @Test
  void aTurnThatMustWaitForTheSessionsPreviousTurnStartsLaterOnThePool() throws Exception {
    ThreadNotingLlm llm = new ThreadNotingLlm();
    SlowWrites store = new SlowWrites();
    try (ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).conversationStore(store).build()) {
      Turn first = pipeline.start(TurnRequest.of("s1", "Hours?"), new TurnListener() { });
      FakeLlm.Stream firstStream = llm.nextStream();
      firstStream.tokens("Nine to");
      llm.calledOn = null;
      // Barge-in: the first turn is cancelled, and the second reads history only once the first
      // has written what was said, which this store holds back.
      Turn second = pipeline.start(TurnRequest.of("s1", "Sorry, Fridays?"), new TurnListener() { });
      assertTrue(firstStream.cancelled);
      assertNull(llm.calledOn, "no call before the first turn's history is written");
      store.release.complete(null);
      FakeLlm.Stream stream = llm.nextStream();
      assertNotSame(Thread.currentThread(), llm.calledOn);
      assertEquals(4, stream.request.messages().size(), "the first exchange, as far as it went, is in");
      stream.tokens("Till noon.").complete();
      assertEquals("Till noon.", second.completion().get(10, TimeUnit.SECONDS).text());
      first.completion().handle((r, e) -> r).get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theDeadlineIsArmedOnTheCallersThreadToo() {
    ManualClock clock = new ManualClock();
    FakeLlm llm = new FakeLlm();
    try (ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).clock(clock)
        .turnDeadline(Duration.ofSeconds(5)).build()) {
      Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), new TurnListener() { });
      llm.nextStream(); // the model never answers
      clock.advance(Duration.ofSeconds(6));
      assertTimedOut(turn);
    }
  }

  @Test
  void theDeadlineArmedAfterTheRequestStillCountsFromStart() throws Exception {
    ManualClock clock = new ManualClock();
    FakeLlm llm = new FakeLlm();
    // Sending takes two seconds of the turn's time: the deadline is armed after it, for what is left.
    LlmProvider slowToSend = provider(llm, () -> clock.advance(Duration.ofSeconds(2)));
    try (ConversationPipeline pipeline = ConversationPipeline.builder().llm(slowToSend).clock(clock)
        .turnDeadline(Duration.ofSeconds(5)).build()) {
      long started = clock.nanoTime();
      Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), new TurnListener() { });
      llm.nextStream(); // the model never answers
      assertEquals(List.of(started + Duration.ofSeconds(5).toNanos()), clock.pendingDue(),
          "the deadline alone is pending, due 5 s after start");
      clock.advance(Duration.ofSeconds(3));
      assertTimedOut(turn);
    }
  }

  @Test
  void aTurnWhoseProviderThrowsAnErrorStillEndsAtItsDeadline() throws Exception {
    ManualClock clock = new ManualClock();
    FakeLlm llm = new FakeLlm();
    LlmProvider broken = provider(llm, () -> {
      throw new AssertionError("a provider's bug");
    });
    try (ConversationPipeline pipeline = ConversationPipeline.builder().llm(broken).clock(clock)
        .turnDeadline(Duration.ofSeconds(5)).build()) {
      Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), new TurnListener() { });
      clock.advance(Duration.ofSeconds(5));
      assertTimedOut(turn);
      assertEquals(0, pipeline.activeTurns());
    }
  }

  private static void assertTimedOut(Turn turn) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> turn.completion().get(10, TimeUnit.SECONDS));
    assertInstanceOf(TurnTimeoutException.class, e.getCause());
  }

  /** {@code llm}, running {@code beforeStream} first on each call. */
  private static LlmProvider provider(FakeLlm llm, Runnable beforeStream) {
    return new LlmProvider() {
      @Override
      public String id() {
        return llm.id();
      }

      @Override
      public String defaultModel() {
        return llm.defaultModel();
      }

      @Override
      public LlmCall stream(ChatRequest request, LlmListener listener) {
        beforeStream.run();
        return llm.stream(request, listener);
      }
    };
  }
}
