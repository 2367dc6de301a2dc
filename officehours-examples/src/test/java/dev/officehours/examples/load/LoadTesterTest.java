package dev.officehours.examples.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.officehours.examples.Args;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadTesterTest {
  /** Fast simulated timings: the tests check counting, not speed. */
  private static final String[] FAST = {"--llm-ttft", "5ms", "--token-interval", "1ms", "--token-jitter", "0ms",
      "--answer-words", "12", "--tts-ttfb", "5ms", "--tts-realtime-factor", "0", "--no-progress"};

  private static String[] flags(String... more) {
    String[] all = new String[FAST.length + more.length];
    System.arraycopy(FAST, 0, all, 0, FAST.length);
    System.arraycopy(more, 0, all, FAST.length, more.length);
    return all;
  }

  private static LoadReport run(String... more) {
    Args args = Args.parse(flags(more), Set.of("latency-tests", "concurrent-clients", "requests-per-client", "rate",
        "duration", "llm-ttft", "token-interval", "token-jitter", "answer-words", "tts-ttfb", "tts-realtime-factor",
        "fault-rate", "retries"), Set.of("no-progress", "tts-cache", "answer-cache"));
    LoadPlan plan = LoadTester.plan(args);
    InProcessTarget.Options options = InProcessTarget.options(args, 42);
    try (PipelineTarget target = InProcessTarget.create(options)) {
      LoadReport.Settings settings = new LoadReport.Settings(plan.describe(), target.describe(), 0.3,
          options.ttsCache(), options.answerCache(), options.retries(), options.ttsConcurrency());
      return LoadTester.execute(target, plan, new QuestionMix(QuestionMix.builtIn(), 0.3, 42), settings,
          LoadTester.gate(args), null);
    }
  }

  @Test
  void withToolsTheInProcessPipelineAsksForOfficeHoursWithAToolRoundAsTheServersDemoDoes() throws Exception {
    for (boolean tools : new boolean[] {false, true}) {
      String[] more = tools ? new String[] {"--tools"} : new String[0];
      Args args = Args.parse(flags(more), Set.of("llm-ttft", "token-interval", "token-jitter", "answer-words",
          "tts-ttfb", "tts-realtime-factor"), Set.of("no-progress", "tools"));
      InProcessTarget.Options options = InProcessTarget.options(args, 42);
      assertEquals(tools, options.tools());
      try (PipelineTarget target = InProcessTarget.create(options)) {
        long before = ((Number) target.stats().get("simulatedChatRequests")).longValue();
        TurnSample turn = target.send("s-tools", "What are your office hours?").toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
        assertFalse(turn.failed(), "failed: " + turn);
        long requests = ((Number) target.stats().get("simulatedChatRequests")).longValue() - before;
        // with the tool: the call, then the answer from its result; without: one answer
        assertEquals(tools ? 2 : 1, requests, "chat requests with tools=" + tools);
        assertEquals(tools, target.describe().contains("office-hours tool"), target.describe());
      }
    }
  }

  @Test
  void closedModelCountsEveryTurnItSentAndPercentilesAreMonotonic() {
    LoadReport r = run("--concurrent-clients", "4", "--requests-per-client", "5");

    assertEquals(20, r.sent());
    assertEquals(20, r.completed(), r.errors().toString());
    assertEquals(0, r.failed());
    assertEquals(20L, r.toJson().get("completed"));
    @SuppressWarnings("unchecked")
    Map<String, Object> sim = (Map<String, Object>) r.toJson().get("targetStats");
    assertEquals(20L, sim.get("simulatedChatRequests"), "one chat request per turn");
    assertEquals(20, r.ttft().count());
    assertEquals(20, r.ttfa().count());
    assertEquals(20, r.total().count());
    assertTrue(r.bytesPerTurn().p50() > 0, "audio arrived");
    for (LoadReport.Percentiles p : List.of(r.ttft(), r.ttfa(), r.total(), r.gaps(), r.bytesPerTurn())) {
      assertTrue(p.monotonic(), p.toString());
    }
    assertTrue(r.ttft().p50() <= r.ttfa().p50() && r.ttfa().p50() <= r.total().p50(), "TTFT <= TTFA <= total");
  }

  @Test
  void cachesShowUpAsHitRatesAndSpareTheSimulatedServer() {
    LoadReport r = run("--concurrent-clients", "2", "--requests-per-client", "15", "--tts-cache", "--answer-cache");

    assertEquals(30, r.completed(), r.errors().toString());
    assertTrue(r.answerCacheHitRate() > 0, "repeated questions come from the answer cache");
    assertTrue(r.ttsCacheHitRate() > 0, "repeated sentences come from the TTS cache");
    @SuppressWarnings("unchecked")
    Map<String, Object> sim = (Map<String, Object>) r.toJson().get("targetStats");
    assertEquals(Math.round(30 * (1 - r.answerCacheHitRate())), (long) (Long) sim.get("simulatedChatRequests"),
        "only answer-cache misses reach the model");
  }

  @Test
  void latencyTestsAreOneClientInSequence() {
    LoadReport r = run("--latency-tests", "6");
    assertEquals(6, r.sent());
    assertEquals(6, r.completed() + r.failed());
  }

  @Test
  void anInjectedTenPercentFaultRateShowsUpAsAboutTenPercentErrorsWithTheirCodes() {
    LoadReport r = run("--concurrent-clients", "20", "--requests-per-client", "10", "--fault-rate", "10%");

    assertEquals(200, r.sent());
    assertEquals(200, r.completed() + r.failed());
    // the simulated server injects an exact share (every tenth request), so 20 of 200, give or take one
    assertTrue(r.failed() >= 19 && r.failed() <= 21, "failed " + r.failed() + ", error rate " + r.errorRate());
    assertEquals(r.failed(), r.errors().values().stream().mapToLong(Long::longValue).sum());
    assertTrue(Set.of("simulated_server_error", "rate_limit_exceeded", "overloaded", "simulated_stream_error")
        .containsAll(r.errors().keySet()), r.errors().toString());
    @SuppressWarnings("unchecked")
    Map<String, Long> injected = (Map<String, Long>) ((Map<String, Object>) r.toJson().get("targetStats"))
        .get("injectedFaults");
    assertEquals(injected, r.errors(), "without retries every injected fault fails its turn, with its code");
    assertTrue(r.recommendations().get(0).contains("failed"), r.recommendations().toString());
  }

  @Test
  void openModelSendsOnScheduleAndCountsEveryTurn() {
    LoadReport r = run("--rate", "100/s", "--duration", "300ms");
    assertEquals(30, r.sent());
    assertEquals(30, r.completed() + r.failed());
    assertTrue(r.ttfa().monotonic());
  }

  @Test
  void theGateFailsTheRunWithExitCodeOneAndTheReportsAreWritten(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = LoadTester.run(flags("--concurrent-clients", "5", "--requests-per-client", "4", "--fault-rate", "50%",
        "--max-error-rate", "1%", "--max-p99-ttfa", "60s", "--report", dir.toString()),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

    assertEquals(LoadTester.EXIT_GATE_BREACHED, code, err.toString(StandardCharsets.UTF_8));
    String markdown = out.toString(StandardCharsets.UTF_8);
    assertTrue(markdown.contains("## Regression gate: FAILED"), markdown);
    assertTrue(markdown.contains("| p99 TTFA"), markdown);
    assertEquals(markdown, Files.readString(dir.resolve("report.md")));
    JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertEquals(20, json.path("sent").asInt());
    assertTrue(!json.path("gatePassed").asBoolean());
    assertEquals("P99_TTFA", json.path("gate").path(0).path("check").asText());
    assertTrue(json.path("gate").path(0).path("passed").asBoolean(), "p99 TTFA within 60 s");
    assertEquals("ERROR_RATE", json.path("gate").path(1).path("check").asText());
    assertTrue(!json.path("gate").path(1).path("passed").asBoolean(), "error rate above 1 %");
  }

  @Test
  void theJsonReportNamesEveryFieldInCamelCase(@TempDir Path dir) throws Exception {
    int code = LoadTester.run(flags("--concurrent-clients", "4", "--requests-per-client", "5", "--fault-rate", "20%",
        "--max-error-rate", "100%", "--report", dir.toString()), new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(new ByteArrayOutputStream()));

    assertEquals(LoadTester.EXIT_OK, code);
    JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertTrue(json.path("errors").size() > 0, "error codes are data, not field names: " + json);
    List<String> notCamelCase = new ArrayList<>();
    fieldNames(json, "", notCamelCase);
    assertEquals(List.of(), notCamelCase);
  }

  /** Maps keyed by error or fault code: their keys are values, spelt as the codes are. */
  private static final Set<String> KEYED_BY_CODE = Set.of("errors", "errorExamples", "injectedFaults");

  private static void fieldNames(JsonNode node, String path, List<String> notCamelCase) {
    if (node.isObject()) {
      node.properties().forEach(e -> {
        if (!e.getKey().matches("[a-z][a-zA-Z0-9]*")) {
          notCamelCase.add(path + "/" + e.getKey());
        }
        if (!KEYED_BY_CODE.contains(e.getKey())) {
          fieldNames(e.getValue(), path + "/" + e.getKey(), notCamelCase);
        }
      });
    } else if (node.isArray()) {
      node.forEach(element -> fieldNames(element, path + "[]", notCamelCase));
    }
  }

  @Test
  void theMarkdownReportShowsCountsByCodeAsTextNotAsJavaMaps() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LoadTester.run(flags("--concurrent-clients", "4", "--requests-per-client", "5", "--fault-rate", "20%"),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));

    String markdown = out.toString(StandardCharsets.UTF_8);
    assertFalse(markdown.contains("{") || markdown.contains("}") || markdown.matches("(?s).*\\w=\\d.*"), markdown);
    assertTrue(markdown.contains("- simulated chat requests: 20\n"), markdown);
    assertTrue(Pattern.compile("- injected faults: [a-z_]+ \\d+(, [a-z_]+ \\d+)*\n").matcher(markdown).find(), markdown);
    assertTrue(Pattern.compile("of turns failed \\([a-z_]+ \\d+(, [a-z_]+ \\d+)*\\)").matcher(markdown).find(),
        markdown);
  }

  @Test
  void aRunWithoutFaultsSaysNoneRatherThanPrintingAnEmptyMap() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LoadTester.run(flags("--latency-tests", "2"), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream()));

    assertTrue(out.toString(StandardCharsets.UTF_8).contains("- injected faults: none\n"), out.toString());
  }

  @Test
  void oneOfAThingIsCountedInTheSingular() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LoadTester.run(flags("--latency-tests", "1", "--answer-words", "3"), new PrintStream(out, true,
        StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));

    String markdown = out.toString(StandardCharsets.UTF_8);
    assertTrue(markdown.contains("closed model, 1 client x 1 sequential turn (latency tests)"), markdown);
    assertFalse(Pattern.compile("(?<![\\d.])1 [a-z]+s\\b").matcher(markdown).find(), markdown);
    assertEquals("open model, 2.0 turns/s for 0.5 s (1 turn)", new LoadPlan.Open(2, Duration.ofMillis(500)).describe());
    assertEquals("closed model, 3 concurrent clients x 1 turn", new LoadPlan.Closed(3, 1, Duration.ZERO,
        Duration.ZERO).describe());
  }

  @Test
  void theProgressBarShowsADashForP99TtfaUntilATurnHasAudio() {
    LoadStats stats = new LoadStats();
    String before = LoadTester.frame(stats, 1, System.nanoTime());
    assertTrue(before.contains("0/1 turn "), before);
    assertTrue(before.contains("p99 TTFA -"), before);

    stats.sent();
    long t = System.nanoTime();
    stats.record(new TurnSample(t, t + 1_000_000, t + 250_000_000, t + 900_000_000, List.of(), 0, 0, false, "", ""), t);
    String after = LoadTester.frame(stats, 1, t);
    assertTrue(after.contains("p99 TTFA 250 ms"), after);
    assertTrue(after.startsWith("[##############################] 1/1 turn "), after);
  }

  @Test
  void theTargetsCountersCoverOnlyThisRun() {
    Map<String, Object> before = Map.of("requests", 100L, "faults", Map.of("overloaded", 2L), "name", "sim");
    Map<String, Object> after = Map.of("requests", 130L, "faults", Map.of("overloaded", 3L, "rate_limit_exceeded", 1L),
        "name", "sim");
    assertEquals(Map.of("requests", 30L, "faults", Map.of("overloaded", 1L, "rate_limit_exceeded", 1L), "name", "sim"),
        LoadTester.since(before, after));
  }

  @Test
  void usageErrorsExitWithTwoAndNameTheFlag() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = LoadTester.run(new String[] {"--rate", "fast"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(LoadTester.EXIT_USAGE, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--rate must look like 50/s"), err.toString());

    code = LoadTester.run(new String[] {"--latency-tests", "3", "--rate", "5/s"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(LoadTester.EXIT_USAGE, code);
  }

  @Test
  void turnsWhoseSpeechFailedForEveryChunkFailTheGateAsTtsErrors(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = LoadTester.run(flags("--concurrent-clients", "2", "--requests-per-client", "3", "--tts-fault-rate",
        "100%", "--max-error-rate", "0%", "--report", dir.toString()),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

    assertEquals(LoadTester.EXIT_GATE_BREACHED, code, out.toString(StandardCharsets.UTF_8));
    JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertEquals(6, json.path("failed").asInt(), json.toString());
    assertEquals(6, json.path("errors").path("tts_error").asInt(), json.toString());
  }

  @Test
  void partialSpeechFailuresAreCountedSeparately(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // The pipeline retries a chunk once when its provider did not: at 30 % a retry, landing on
    // the simulator's evenly spread faults, almost always succeeds; at 45 % about one chunk in
    // five still fails, and a turn losing all of its chunks stays very unlikely.
    int code = LoadTester.run(flags("--concurrent-clients", "4", "--requests-per-client", "5", "--answer-words", "60",
        "--tts-fault-rate", "45%", "--report", dir.toString()),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));

    assertEquals(LoadTester.EXIT_OK, code);
    JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertTrue(json.path("speechFailures").asLong() > 0, json.toString());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("Speech failures: "), out.toString());
  }

  @Test
  void warmUpQuestionsDoNotPreFillTheAnswerCacheForTheMeasuredRun(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = LoadTester.run(flags("--concurrent-clients", "2", "--requests-per-client", "20", "--answer-cache",
        "--repeat-ratio", "0", "--warmup", "100", "--report", dir.toString()),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));

    assertEquals(LoadTester.EXIT_OK, code, out.toString(StandardCharsets.UTF_8));
    JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertEquals(40, json.path("completed").asInt(), json.toString());
    assertEquals(0.0, json.path("answerCacheHitRate").asDouble(), "no question repeated, so no answer hit: " + json);
  }

  @Test
  void aClosedModelWithRampUpStartsItsClientsSpreadOutAndPausesForTheThinkTime() {
    java.util.Map<String, List<Long>> sends = new java.util.concurrent.ConcurrentHashMap<>();
    LoadTarget instant = new LoadTarget() {
      @Override
      public String describe() {
        return "answers at once and notes when each session asked";
      }

      @Override
      public java.util.concurrent.CompletionStage<TurnSample> send(String sessionId, String question) {
        long now = System.nanoTime();
        sends.computeIfAbsent(sessionId, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(now);
        return java.util.concurrent.CompletableFuture.completedFuture(
            new TurnSample(now, now, now, now, List.of(), 0, 0, false, "", ""));
      }

      @Override
      public void close() {}
    };
    LoadPlan.Closed plan = new LoadPlan.Closed(4, 3, java.time.Duration.ofMillis(200), java.time.Duration.ofMillis(50));
    long start = System.nanoTime();
    LoadReport r = LoadTester.execute(instant, plan, new QuestionMix(QuestionMix.builtIn(), 0, 42),
        new LoadReport.Settings(plan.describe(), "instant", 0, false, false, 0, 3), List.of(), null);

    assertEquals(12, r.completed());
    assertEquals(4, sends.size());
    List<List<Long>> byStart = sends.values().stream().sorted(java.util.Comparator.comparing(l -> l.get(0))).toList();
    for (int c = 0; c < 4; c++) {
      List<Long> times = byStart.get(c);
      assertEquals(3, times.size());
      // a scheduled executor never runs early: these are lower bounds, whatever the machine's speed
      assertTrue(times.get(0) - start >= plan.startOf(c).toNanos(), "client " + c + " started after its ramp-up slot");
      for (int t = 1; t < 3; t++) {
        assertTrue(times.get(t) - times.get(t - 1) >= 50_000_000L, "client " + c + " thought before turn " + t);
      }
    }
    assertEquals("closed model, 4 concurrent clients x 3 turns, starting over 200 ms, 50 ms think time between turns",
        plan.describe());
  }

  @Test
  void rampUpAndThinkTimeBelongToTheClosedModel() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = LoadTester.run(new String[] {"--rate", "5/s", "--ramp-up", "10s"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(LoadTester.EXIT_USAGE, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--ramp-up and --think-time pace the closed model"),
        err.toString());
  }

  @Test
  void failedTurnsSentLateInTheOpenModelCountAsLateSends() {
    long origin = System.nanoTime();
    LoadTarget stalling = new LoadTarget() {
      @Override
      public String describe() {
        return "a target whose first send holds the sender up 100 ms, and whose turns all fail";
      }

      @Override
      public java.util.concurrent.CompletionStage<TurnSample> send(String sessionId, String question) {
        // the first call keeps the sender busy, so the turns scheduled meanwhile go out late
        while (System.nanoTime() - origin < 100_000_000L && question.endsWith("(#1)")) {
          java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("down"));
      }

      @Override
      public void close() {}
    };
    LoadReport.Settings settings = new LoadReport.Settings("open", "stalling", 0, false, false, 0, 3);
    // 200/s: turns every 5 ms, so those due during the 100 ms stall are sent > 10 ms late
    LoadReport r = LoadTester.execute(stalling, new LoadPlan.Open(200, java.time.Duration.ofMillis(200)),
        new QuestionMix(QuestionMix.builtIn(), 0, 42), settings, List.of(), null);

    assertEquals(r.sent(), r.failed());
    assertTrue(((Number) r.toJson().get("lateSends")).longValue() > 0, r.toJson().toString());
  }
}
