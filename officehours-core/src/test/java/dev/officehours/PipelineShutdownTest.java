package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.errors.PipelineClosedException;
import dev.officehours.metrics.TurnOutcome;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** close() ends every turn the pipeline started, lets them finish when asked, and leaves no thread. */
class PipelineShutdownTest {
  final FakeLlm llm = new FakeLlm();
  final FakeTts tts = new FakeTts();

  static TurnResult done(Turn turn) {
    try {
      return turn.completion().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the turn did not end within 10 s", e);
    }
  }

  @Test
  void closeEndsEveryTurnItStartedEvenOnesANewerTurnOfTheirSessionReplaced() {
    ConversationPipeline pipeline =
        ConversationPipeline.builder().llm(llm).cancelPreviousTurn(false).build();
    Turn first = pipeline.start(TurnRequest.of("s1", "One"), new RecordingListener());
    Turn second = pipeline.start(TurnRequest.of("s1", "Two"), new RecordingListener());
    FakeLlm.Stream a = llm.nextStream();
    FakeLlm.Stream b = llm.nextStream();
    assertEquals(2, pipeline.activeTurns());
    pipeline.close();
    assertEquals(TurnOutcome.CANCELLED, done(first).outcome());
    assertEquals(TurnOutcome.CANCELLED, done(second).outcome());
    assertTrue(a.cancelled && b.cancelled);
    assertEquals(0, pipeline.activeTurns());
  }

  @Test
  void closeWithAGracePeriodLetsTurnsInFlightFinish() throws Exception {
    ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    FakeLlm.Stream stream = llm.nextStream();
    CompletableFuture<Boolean> closing =
        CompletableFuture.supplyAsync(() -> pipeline.close(Duration.ofSeconds(30)));
    // closing has begun once no new turn may start
    assertTrue(awaitClosed(pipeline));
    assertFalse(closing.isDone());
    stream.tokens("Hello.").complete();
    assertTrue(closing.get(10, TimeUnit.SECONDS), "every turn finished within the grace period");
    assertEquals(TurnOutcome.COMPLETED, done(turn).outcome());
  }

  @Test
  void closeWithAGracePeriodCancelsWhatDidNotFinishInIt() {
    ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    FakeLlm.Stream stream = llm.nextStream();
    assertFalse(pipeline.close(Duration.ofMillis(20)));
    assertEquals(TurnOutcome.CANCELLED, done(turn).outcome());
    assertTrue(stream.cancelled);
  }

  @Test
  void startAfterCloseThrowsAndStoresNothing() {
    ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).build();
    pipeline.close();
    PipelineClosedException e = assertThrows(PipelineClosedException.class,
        () -> pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener()));
    assertTrue(e.getMessage().contains("closed"));
    assertTrue(pipeline.conversationStore().load("s1").join().isEmpty());
    assertTrue(llm.streams.isEmpty(), "no LLM call was made");
    pipeline.close(); // idempotent
  }

  @Test
  void startsRacingCloseEitherThrowOrEndCancelled() throws Exception {
    for (int round = 0; round < 20; round++) {
      ConversationPipeline pipeline = ConversationPipeline.builder().llm(new FakeLlm()).build();
      CompletableFuture<Turn> racing = CompletableFuture.supplyAsync(() -> {
        try {
          return pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
        } catch (PipelineClosedException e) {
          return null;
        }
      });
      pipeline.close();
      Turn turn = racing.get(10, TimeUnit.SECONDS);
      if (turn != null) {
        assertEquals(TurnOutcome.CANCELLED, done(turn).outcome(), "a turn close() missed");
      }
    }
  }

  @Test
  void noThreadOfThePipelineOutlivesClose() {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).tts(tts).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    llm.nextStream().tokens("Hello there.").complete();
    tts.next().audio("a").complete();
    done(turn);
    pipeline.close();
    // A pool reports itself terminated a moment before its last thread has exited: join them.
    Set<Thread> ours = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t))
        .filter(t -> t.getName().startsWith("officehours-turns-")
            || t.getName().startsWith("officehours-timer-")
            || t.getName().startsWith("officehours-callbacks-"))
        .collect(Collectors.toSet());
    for (Thread t : ours) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    Set<String> left = ours.stream().filter(Thread::isAlive).map(Thread::getName)
        .collect(Collectors.toSet());
    assertTrue(left.isEmpty(), "threads still alive after close: " + left);
  }

  static boolean awaitClosed(ConversationPipeline pipeline) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try {
        Turn probe = pipeline.start(TurnRequest.of("probe", "Hi"), new RecordingListener());
        probe.cancel(); // not closed yet: undo and look again
        Thread.onSpinWait();
      } catch (PipelineClosedException e) {
        return true;
      }
    }
    return false;
  }
}
