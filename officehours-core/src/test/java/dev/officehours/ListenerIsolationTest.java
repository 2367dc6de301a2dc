package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.metrics.TurnOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A listener that blocks or throws hurts only its own turn, and every turn still ends. */
class ListenerIsolationTest {
  final FakeLlm llm = new FakeLlm();
  final ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).build();

  @AfterEach
  void close() {
    pipeline.close();
  }

  static TurnResult done(Turn turn) {
    try {
      return turn.completion().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the turn did not end within 10 s", e);
    }
  }

  /**
   * Blocks in its last callback until released, like a blocking WebSocket send. (Not in a text
   * callback: that one may run on the provider's own thread, here the test's, which is the point
   * of running it there but would block the test.)
   */
  static final class BlockingListener implements TurnListener {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release;

    BlockingListener(CountDownLatch release) {
      this.release = release;
    }

    @Override
    public void onComplete(TurnResult result) {
      entered.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void listenersBlockingOnMoreThreadsThanThePoolHasDoNotDelayAHealthyTurn() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    int blocked = 2 * Math.max(2, Runtime.getRuntime().availableProcessors()) + 2;
    List<Turn> stuck = new ArrayList<>();
    for (int i = 0; i < blocked; i++) {
      BlockingListener listener = new BlockingListener(release);
      stuck.add(pipeline.start(TurnRequest.of("blocked-" + i, "Hi"), listener));
      llm.nextStream().tokens("Hello").complete();
      assertTrue(listener.entered.await(10, TimeUnit.SECONDS));
    }
    RecordingListener healthy = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("healthy", "Hi"), healthy);
    llm.nextStream().tokens("Fine", " thanks.").complete();
    assertEquals("Fine thanks.", done(turn).text());
    for (Turn t : stuck) {
      assertFalse(t.completion().isDone(), "a blocked turn cannot have told its listener it ended");
    }
    release.countDown();
    for (Turn t : stuck) {
      assertEquals(TurnOutcome.COMPLETED, done(t).outcome());
    }
  }

  @Test
  void aListenerThatThrowsAnErrorStillGetsItsTurnEnded() {
    TurnListener throwing = new TurnListener() {
      @Override
      public void onText(TextDelta delta) {
        throw new AssertionError("a test assertion inside a listener");
      }

      @Override
      public void onComplete(TurnResult result) {
        throw new StackOverflowError("even this");
      }
    };
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), throwing);
    llm.nextStream().tokens("Hello", " there.").complete();
    assertEquals("Hello there.", done(turn).text());
  }

  @Test
  void completionHandsOutACopyThatCannotEndTheTurn() {
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    turn.completion().complete(null);
    turn.completion().cancel(true);
    assertFalse(turn.completion().isDone(), "the turn's own future is untouched");
    llm.nextStream().tokens("Hello.").complete();
    assertEquals("Hello.", done(turn).text());
  }

  @Test
  void completionCompletesAfterTheLastCallbackReturned() {
    CountDownLatch inOnComplete = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), new TurnListener() {
      @Override
      public void onComplete(TurnResult result) {
        inOnComplete.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    llm.nextStream().tokens("Hello.").complete();
    try {
      assertTrue(inOnComplete.await(10, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    assertFalse(turn.completion().isDone(), "still inside onComplete");
    release.countDown();
    assertEquals("Hello.", done(turn).text());
  }

  @Test
  void anObserverThatThrowsAnErrorDoesNotStrandTheTurn() {
    try (ConversationPipeline p = ConversationPipeline.builder().llm(llm)
        .observer(new dev.officehours.metrics.PipelineObserver() {
          @Override
          public void llmCompleted(java.time.Duration d, boolean fromCache) {
            throw new AssertionError("an observer's bug");
          }

          @Override
          public void turnEnded(dev.officehours.metrics.TurnOutcome outcome, java.time.Duration total) {
            throw new StackOverflowError("another");
          }
        }).build()) {
      Turn turn = p.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
      llm.nextStream().tokens("Hello.").complete();
      assertEquals(TurnOutcome.COMPLETED, done(turn).outcome());
    }
  }

  @Test
  void aStoreThatNeverAnswersDoesNotKeepTheTurnOrTheNextOneFromEnding() {
    dev.officehours.history.ConversationStore silent = new dev.officehours.history.ConversationStore() {
      @Override
      public java.util.concurrent.CompletableFuture<java.util.List<dev.officehours.history.HistoryMessage>> load(String s) {
        return new java.util.concurrent.CompletableFuture<>();
      }

      @Override
      public java.util.concurrent.CompletableFuture<Void> append(String s, java.util.List<dev.officehours.history.HistoryMessage> m) {
        return new java.util.concurrent.CompletableFuture<>();
      }

      @Override
      public java.util.concurrent.CompletableFuture<Void> clear(String s) {
        return new java.util.concurrent.CompletableFuture<>();
      }
    };
    try (ConversationPipeline p = ConversationPipeline.builder().llm(llm).conversationStore(silent)
        .historyTimeout(java.time.Duration.ofMillis(100)).build()) {
      Turn first = p.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
      llm.nextStream().tokens("Hello.").complete();
      assertEquals(TurnOutcome.COMPLETED, done(first).outcome());
      Turn second = p.start(TurnRequest.of("s1", "Again"), new RecordingListener());
      llm.nextStream().tokens("Hello again.").complete();
      assertEquals(TurnOutcome.COMPLETED, done(second).outcome());
    }
  }
}
