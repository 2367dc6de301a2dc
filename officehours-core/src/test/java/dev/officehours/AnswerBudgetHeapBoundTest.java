package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.history.InMemoryConversationStore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A provider that sends 10 MB tokens without end, in the forked small-heap JVM (96 MB): the turn
 * keeps only its answer budget, in its text events, its result and history.
 */
@Tag("heap-bound")
class AnswerBudgetHeapBoundTest {

  @Test
  void endlessTenMegabyteTokensKeepOnlyTheAnswerBudget() throws Exception {
    FakeLlm llm = new FakeLlm();
    InMemoryConversationStore store = InMemoryConversationStore.create();
    try (ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm)
        .conversationStore(store).build()) {
      RecordingListener events = new RecordingListener();
      Turn turn = pipeline.start(TurnRequest.of("s1", "Talk"), events);
      FakeLlm.Stream stream = llm.nextStream();
      String token = "y".repeat(10 * 1024 * 1024);
      int sent = 0;
      while (!stream.cancelled && sent < 30) { // 300 MB if nothing stopped it
        stream.tokens(token);
        sent++;
      }
      TurnResult result = turn.completion().get(10, TimeUnit.SECONDS);
      assertEquals(500 * 16, result.text().length());
      assertEquals("length", result.finishReason());
      assertEquals(1, sent, "the stream was closed at the first token past the budget");
      assertEquals(500 * 16, events.text().length());
      assertEquals(500 * 16, store.load("s1").join().get(1).text().length());
      System.out.printf("answer budget: %d chars kept of %d MB sent; heap max %.0f MiB, used %.1f MiB%n",
          result.text().length(), sent * 10, Runtime.getRuntime().maxMemory() / 1048576.0,
          (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1048576.0);
      assertTrue(Runtime.getRuntime().maxMemory() <= 100L * 1024 * 1024);
    }
  }
}
