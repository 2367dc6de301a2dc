package dev.officehours.examples.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code loadtest --soak}, small: the real pipeline and simulator, with faults, at very fast simulated timing. */
class SoakTest {
  private static final String[] FAST = {"--llm-ttft", "5ms", "--token-interval", "1ms", "--token-jitter", "0ms",
      "--answer-words", "12", "--tts-ttfb", "5ms", "--tts-realtime-factor", "0", "--no-progress"};

  private record Outcome(int code, String out, String err) {}

  private static Outcome loadtest(String... flags) {
    String[] all = new String[FAST.length + flags.length];
    System.arraycopy(FAST, 0, all, 0, FAST.length);
    System.arraycopy(flags, 0, all, FAST.length, flags.length);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = LoadTester.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static long sum(JsonNode counts) {
    long n = 0;
    for (JsonNode v : counts) {
      n += v.asLong();
    }
    return n;
  }

  @Test
  void aTinySoakWithInjectedFaultsPassesAndCountsTheFaultsAsExpectedErrors(@TempDir Path dir) throws Exception {
    // no retries: every chat fault fails its turn, so the faults must show up as expected errors
    Outcome o = loadtest("--soak", "--turns", "200", "--concurrent-clients", "10", "--warmup", "20",
        "--sample-every", "20", "--fault-rate", "5%", "--tts-fault-rate", "5%", "--retries", "0",
        "--report", dir.toString());

    assertEquals(LoadTester.EXIT_OK, o.code(), o.out() + o.err());
    assertTrue(o.out().contains("# Soak: PASS"), o.out());
    JsonNode soak = new ObjectMapper().readTree(dir.resolve("soak.json").toFile());
    JsonNode load = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertTrue(soak.path("passed").asBoolean(), soak.toString());
    assertEquals(200, soak.path("turns").asLong());
    JsonNode faults = soak.path("faults");
    // 200 chat requests at 5 % inject 10 chat faults, give or take one (and speech faults besides)
    assertTrue(sum(faults.path("injected")) >= 9, faults.toString());
    long expected = sum(faults.path("expectedFailedTurns"));
    assertTrue(expected >= 9, "each chat fault failed its turn: " + faults);
    assertEquals(load.path("failed").asLong(), expected, "every failed turn is explained by a fault: " + faults);
    assertEquals(0, faults.path("unexpectedFailedTurns").size(), faults.toString());
    assertEquals(0, faults.path("unexpectedPipelineErrors").size(), faults.toString());
  }

  @Test
  void aTinySoakSamplesAfterTheWarmUpAndAtEveryDrain(@TempDir Path dir) throws Exception {
    Outcome o = loadtest("--soak", "--turns", "200", "--concurrent-clients", "10", "--warmup", "20",
        "--sample-every", "20", "--report", dir.toString());

    assertEquals(LoadTester.EXIT_OK, o.code(), o.out() + o.err());
    JsonNode series = new ObjectMapper().readTree(dir.resolve("soak.json").toFile()).path("series");
    assertEquals(11, series.size(), "one sample after the warm-up and one every 20 turns: " + series);
    for (int i = 0; i < series.size(); i++) {
      JsonNode s = series.get(i);
      assertEquals(20L * i, s.path("turns").asLong(), s.toString());
      assertTrue(s.path("heapAfterGcBytes").asLong() > 0, s.toString());
      assertTrue(s.path("threads").asInt() > 0, s.toString());
      assertEquals(0, s.path("activeTurns").asInt(), "drained: no turn in flight " + s);
    }
    assertTrue(o.out().contains("| 10 | 200 |"), "the series is printed: " + o.out());
  }

  @Test
  void aTurnThatNeverEndsIsCountedAsAnUnexpectedError() {
    AtomicInteger sends = new AtomicInteger();
    LoadTarget everyFifthHangs = new LoadTarget() {
      @Override
      public String describe() {
        return "answers at once, except every fifth turn, which never ends";
      }

      @Override
      public CompletionStage<TurnSample> send(String sessionId, String question) {
        if (sends.incrementAndGet() % 5 == 0) {
          return new CompletableFuture<>();
        }
        long now = System.nanoTime();
        return CompletableFuture.completedFuture(new TurnSample(now, now, now, now, List.of(), 0, 0, false, "", ""));
      }

      @Override
      public void close() {}
    };
    ScheduledExecutorService driver = Executors.newSingleThreadScheduledExecutor();
    LoadStats stats = new LoadStats();
    try {
      List<SoakReport.Sample> series = new Soak.Run(driver, everyFifthHangs, () -> 0,
          new QuestionMix(QuestionMix.builtIn(), 0, 42), stats, 2, 10, 5, Duration.ofMillis(200)).execute();

      assertEquals(3, series.size(), series.toString());
      assertEquals(10, stats.finishedCount());
      assertEquals(Map.of("turn_never_ended", 2L), stats.errorCounts());
      SoakReport.Classification c = SoakReport.classify(Map.of(), stats.errorCounts(), Map.of());
      assertEquals(2, c.unexpectedTurnCount(), c.toString());
    } finally {
      driver.shutdownNow();
    }
  }

  @Test
  void soakFlagsNeedSoakAndTheSoakRefusesWhatItCannotCheck() {
    Outcome noSoak = loadtest("--turns", "5");
    assertEquals(LoadTester.EXIT_USAGE, noSoak.code());
    assertTrue(noSoak.err().contains("--turns applies only to --soak"), noSoak.err());

    Outcome perClient = loadtest("--soak", "--requests-per-client", "3");
    assertEquals(LoadTester.EXIT_USAGE, perClient.code());
    assertTrue(perClient.err().contains("--requests-per-client does not apply to --soak"), perClient.err());

    Outcome server = loadtest("--soak", "--target", "ws://127.0.0.1:5001/chat/ws");
    assertEquals(LoadTester.EXIT_USAGE, server.code());
    assertTrue(server.err().contains("in-process target only"), server.err());

    Outcome fewSamples = loadtest("--soak", "--turns", "10", "--sample-every", "5");
    assertEquals(LoadTester.EXIT_USAGE, fewSamples.code());
    assertTrue(fewSamples.err().contains("fewer than 4 samples"), fewSamples.err());
  }
}
