package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.errors.TurnTimeoutException;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmListener;
import java.time.Duration;
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

  @Test
  void aTurnThatMustWaitForTheSessionsPreviousTurnStartsLaterOnThePool() throws Exception {
    ThreadNotingLlm llm = new ThreadNotingLlm();
    try (ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).build()) {
      pipeline.start(TurnRequest.of("s1", "Hours?"), new TurnListener() { });
      FakeLlm.Stream first = llm.nextStream();
      first.tokens("Nine to");
      llm.calledOn = null;
      // Barge-in: the first turn is cancelled and writes what was said before the second reads.
      Turn second = pipeline.start(TurnRequest.of("s1", "Sorry, Fridays?"), new TurnListener() { });
      FakeLlm.Stream stream = llm.nextStream();
      assertNotSame(Thread.currentThread(), llm.calledOn);
      assertTrue(first.cancelled);
      stream.tokens("Till noon.").complete();
      assertEquals("Till noon.", second.completion().get(10, TimeUnit.SECONDS).text());
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
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> turn.completion().get(10, TimeUnit.SECONDS));
      assertInstanceOf(TurnTimeoutException.class, e.getCause());
    }
  }
}
