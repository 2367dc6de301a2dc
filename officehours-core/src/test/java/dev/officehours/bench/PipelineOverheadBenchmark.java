package dev.officehours.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.officehours.ConversationPipeline;
import dev.officehours.Turn;
import dev.officehours.TurnListener;
import dev.officehours.metrics.TurnOutcome;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import dev.officehours.llm.LlmProvider;
import dev.officehours.llm.TokenUsage;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's own share of a turn, with providers that answer instantly (so everything measured
 * is pipeline), and a run of 1,000 concurrent turns with realistic provider delays. Not part of
 * the default test run: {@code ./mvnw -pl officehours-core test -Dgroups=benchmark}. Prints its
 * figures; asserts only that every turn completed.
 */
@Tag("benchmark")
class PipelineOverheadBenchmark {
  static final String ANSWER = "Our office hours are nine to five on weekdays, and ten to two on "
      + "Saturdays. We are closed on Sundays and public holidays. You can always leave a message.";
  static final String[] TOKENS = ANSWER.split("(?<=\\S)(?=\\s)");
  static final byte[] AUDIO = new byte[4800];

  /** Streams the fixed answer after {@code ttftMs}, one token every {@code intervalMs}. */
  static final class TimedLlm implements LlmProvider {
    final ScheduledExecutorService timer;
    final long ttftMicros;
    final long intervalMicros;

    TimedLlm(ScheduledExecutorService timer, long ttftMicros, long intervalMicros) {
      this.timer = timer;
      this.ttftMicros = ttftMicros;
      this.intervalMicros = intervalMicros;
    }

    @Override
    public String id() {
      return "bench";
    }

    @Override
    public String defaultModel() {
      return "bench";
    }

    @Override
    public LlmCall stream(ChatRequest request, LlmListener l) {
      if (intervalMicros == 0) {
        timer.execute(() -> {
          for (String t : TOKENS) {
            l.onToken(t);
          }
          l.onComplete(new LlmCompletion("stop", TokenUsage.NONE, "bench", false));
        });
      } else {
        for (int i = 0; i <= TOKENS.length; i++) {
          int n = i;
          timer.schedule(() -> {
            if (n < TOKENS.length) {
              l.onToken(TOKENS[n]);
            } else {
              l.onComplete(new LlmCompletion("stop", TokenUsage.NONE, "bench", false));
            }
          }, ttftMicros + n * intervalMicros, TimeUnit.MICROSECONDS);
        }
      }
      return () -> {};
    }
  }

  /** Answers every chunk with {@code frames} frames after {@code ttfbMicros}. */
  static final class TimedTts implements TtsProvider {
    final ScheduledExecutorService timer;
    final long ttfbMicros;

    TimedTts(ScheduledExecutorService timer, long ttfbMicros) {
      this.timer = timer;
      this.ttfbMicros = ttfbMicros;
    }

    @Override
    public String id() {
      return "bench";
    }

    @Override
    public SpeechRequest request(String text) {
      return new SpeechRequest(text, "bench", "bench", 1.0, "", AudioFormat.PCM_24K);
    }

    @Override
    public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
      Runnable answer = () -> {
        sink.onAudio(AUDIO.clone());
        sink.onAudio(AUDIO.clone());
        sink.onComplete();
      };
      if (ttfbMicros == 0) {
        timer.execute(answer);
      } else {
        timer.schedule(answer, ttfbMicros, TimeUnit.MICROSECONDS);
      }
      return () -> {};
    }
  }

  @Test
  void overheadOnTimeToFirstAudio() throws Exception {
    ScheduledExecutorService providers = Executors.newScheduledThreadPool(1);
    try (ConversationPipeline pipeline = ConversationPipeline.builder()
        .llm(new TimedLlm(providers, 0, 0)).tts(new TimedTts(providers, 0)).build()) {
      int warmup = 20_000;
      int runs = 20_000;
      long[] ttfa = new long[runs];
      for (int i = 0; i < warmup + runs; i++) {
        TurnResult r = pipeline.start(TurnRequest.of("s" + (i % 64), "Hours?"), new TurnListener() {})
            .completion().get(10, TimeUnit.SECONDS);
        if (i >= warmup) {
          ttfa[i - warmup] = r.metrics().timeToFirstAudio().orElseThrow().toNanos();
        }
      }
      Arrays.sort(ttfa);
      System.out.printf(Locale.ROOT,
          "pipeline overhead on TTFA (instant providers, %d turns): p50 %.3f ms, p99 %.3f ms, max %.3f ms%n",
          runs, ttfa[runs / 2] / 1e6, ttfa[runs * 99 / 100] / 1e6, ttfa[runs - 1] / 1e6);
    } finally {
      providers.shutdownNow();
    }
  }

  @Test
  void thousandConcurrentTurns() throws Exception {
    ScheduledExecutorService providers = Executors.newScheduledThreadPool(2);
    int turns = 1000;
    try (ConversationPipeline pipeline = ConversationPipeline.builder()
        .llm(new TimedLlm(providers, 300_000, 20_000)).tts(new TimedTts(providers, 150_000)).build()) {
      System.gc();
      Runtime rt = Runtime.getRuntime();
      long before = rt.totalMemory() - rt.freeMemory();
      long t0 = System.nanoTime();
      List<Turn> started = new ArrayList<>();
      for (int i = 0; i < turns; i++) {
        started.add(pipeline.start(TurnRequest.of("s" + i, "Hours?"), new TurnListener() {}));
      }
      int peakActive = pipeline.activeTurns();
      long during = rt.totalMemory() - rt.freeMemory();
      CompletableFuture.allOf(started.stream().map(Turn::completion).toArray(CompletableFuture[]::new))
          .get(60, TimeUnit.SECONDS);
      long wall = System.nanoTime() - t0;
      long[] ttfa = started.stream()
          .mapToLong(t -> t.completion().join().metrics().timeToFirstAudio().orElseThrow().toNanos())
          .sorted().toArray();
      for (Turn t : started) {
        assertEquals(TurnOutcome.COMPLETED, t.completion().join().outcome());
      }
      System.out.printf(Locale.ROOT,
          "%d concurrent turns (LLM TTFT 300 ms, 20 ms/token, TTS TTFB 150 ms): all completed in %.2f s; "
              + "TTFA p50 %.1f ms, p99 %.1f ms, max %.1f ms; peak active %d; "
              + "heap growth while in flight %.1f MB%n",
          turns, wall / 1e9, ttfa[turns / 2] / 1e6, ttfa[turns * 99 / 100] / 1e6, ttfa[turns - 1] / 1e6, peakActive, (during - before) / 1e6);
    } finally {
      providers.shutdownNow();
    }
  }
}
