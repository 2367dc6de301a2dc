package dev.officehours.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.officehours.AudioFrame;
import dev.officehours.ConversationPipeline;
import dev.officehours.TextDelta;
import dev.officehours.Turn;
import dev.officehours.TurnListener;
import dev.officehours.TurnRequest;
import dev.officehours.metrics.TurnOutcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What listeners that block (a blocking WebSocket send to a stalled client) cost a healthy turn:
 * its time to first audio as its own listener sees it, alone and beside 10 turns whose listeners
 * block for 3 s in every text callback. Run with {@code ./mvnw -pl officehours-core test
 * -Dgroups=benchmark -Dofficehours.excludedGroups= -Dtest=ListenerIsolationBenchmark}. Prints its
 * figures; asserts only that every healthy turn completed.
 */
@Tag("benchmark")
class ListenerIsolationBenchmark {
  static final int HEALTHY_TURNS = 200;
  static final int BLOCKED_TURNS = 10;

  @Test
  void blockingListenersDoNotDelayAHealthyTurn() throws Exception {
    ScheduledExecutorService providers = Executors.newScheduledThreadPool(2);
    try (ConversationPipeline pipeline = ConversationPipeline.builder()
        .llm(new PipelineOverheadBenchmark.TimedLlm(providers, 20_000, 2_000))
        .tts(new PipelineOverheadBenchmark.TimedTts(providers, 10_000))
        .build()) {
      measure(pipeline, 50); // warm-up
      long[] alone = measure(pipeline, HEALTHY_TURNS);
      List<Turn> blocked = new ArrayList<>();
      for (int i = 0; i < BLOCKED_TURNS; i++) {
        blocked.add(pipeline.start(TurnRequest.of("blocked-" + i, "Hours?"), new TurnListener() {
          @Override
          public void onText(TextDelta delta) {
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(3)); // a send that blocks 3 s
          }
        }));
      }
      long[] beside = measure(pipeline, HEALTHY_TURNS);
      System.out.printf(Locale.ROOT, "healthy turn TTFA as its listener sees it (LLM TTFT 20 ms, TTS"
              + " TTFB 10 ms, %d turns): alone p50 %.2f ms p99 %.2f ms; beside %d listeners blocking"
              + " 3 s per callback p50 %.2f ms p99 %.2f ms; growth p50 %+.2f ms, p99 %+.2f ms%n",
          HEALTHY_TURNS, ms(alone, 50), ms(alone, 99), BLOCKED_TURNS, ms(beside, 50), ms(beside, 99),
          ms(beside, 50) - ms(alone, 50), ms(beside, 99) - ms(alone, 99));
      blocked.forEach(Turn::cancel);
    } finally {
      providers.shutdownNow();
    }
  }

  private static long[] measure(ConversationPipeline pipeline, int turns) throws Exception {
    long[] ttfa = new long[turns];
    for (int i = 0; i < turns; i++) {
      long start = System.nanoTime();
      CompletableFuture<Long> firstAudio = new CompletableFuture<>();
      Turn turn = pipeline.start(TurnRequest.of("healthy-" + (i % 16), "Hours?"), new TurnListener() {
        @Override
        public void onAudio(AudioFrame frame) {
          firstAudio.complete(System.nanoTime() - start);
        }
      });
      assertEquals(TurnOutcome.COMPLETED, turn.completion().get(10, TimeUnit.SECONDS).outcome());
      ttfa[i] = firstAudio.get(10, TimeUnit.SECONDS);
    }
    Arrays.sort(ttfa);
    return ttfa;
  }

  private static double ms(long[] sorted, int percentile) {
    return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
  }
}
