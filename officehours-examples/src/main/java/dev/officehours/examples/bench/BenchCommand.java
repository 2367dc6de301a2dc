package dev.officehours.examples.bench;

import dev.officehours.examples.Args;
import dev.officehours.examples.sim.KnowledgeBase;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code bench}: OfficeHours side by side with what a Java developer builds instead, against one
 * simulated server in a JVM of its own.
 */
public final class BenchCommand {
  private BenchCommand() {}

  /**
   * Runs the benchmark.
   *
   * @param argv the flags (see {@code bench --help})
   * @throws Exception when the simulator cannot start or the report cannot be written
   */
  public static void main(String[] argv) throws Exception {
    Args args = Args.parse(argv, Set.of("systems", "concurrency", "rounds", "answer-words", "llm-ttft",
        "token-interval", "tts-ttfb", "tts-realtime-factor"), Set.of("caches"));
    PrintStream out = System.out;
    List<String> ids = List.of(args.get("systems", "a,z").split(","));
    List<Integer> levels = new ArrayList<>();
    for (String c : args.get("concurrency", "1,10,100").split(",")) {
      levels.add(Integer.parseInt(c.trim()));
    }
    int rounds = args.getInt("rounds", 3, 1, 1000);
    boolean caches = args.has("caches");
    SimulatorProcess.SimTiming timing = new SimulatorProcess.SimTiming(
        args.getDuration("llm-ttft", Duration.ofMillis(300)), args.getDuration("token-interval", Duration.ofMillis(20)),
        Duration.ofMillis(5), args.getInt("answer-words", 64, 0, 10_000), args.getDuration("tts-ttfb", Duration.ofMillis(150)),
        args.getDouble("tts-realtime-factor", 0.2, 0, 10));
    List<String> questions = new ArrayList<>();
    for (KnowledgeBase.Entry e : KnowledgeBase.entries()) {
      questions.add(e.question());
    }
    try (SimulatorProcess sim = new SimulatorProcess(timing)) {
      BenchRun run = new BenchRun(sim, questions);
      Map<String, Function<Integer, VoiceSystem>> all = new LinkedHashMap<>();
      all.put("a", c -> new OfficeHoursSystem(sim.baseUrl(), caches));
      all.put("b", c -> LangChain4jSystem.streamedSpeech(sim.baseUrl(), c));
      all.put("b-tts", c -> LangChain4jSystem.ttsModel(sim.baseUrl(), c));
      all.put("c", c -> BareHttpSystem.wholeAnswer(sim.baseUrl(), c));
      all.put("z", c -> BareHttpSystem.control(sim.baseUrl(), c));
      List<Function<Integer, VoiceSystem>> chosen = new ArrayList<>();
      for (String id : ids) {
        chosen.add(all.get(id.trim()));
      }
      java.lang.management.ThreadMXBean tmx = java.lang.management.ManagementFactory.getThreadMXBean();
      Map<Long, Long> cpuAtStart = new java.util.HashMap<>();
      for (long tid : tmx.getAllThreadIds()) {
        cpuAtStart.put(tid, Math.max(0, tmx.getThreadCpuTime(tid)));
      }
      for (int level : levels) {
        for (BatchResult r : run.level(chosen, level, rounds, caches, out)) {
          out.printf(Locale.ROOT, "%-4s c=%-5d TTFA p50 %6.0f p99 %6.0f | total p50 %6.0f | cpu %.2f ms/turn (sim %.2f) | threads %d | heap/turn %.0f KB | new conn/10 turns %.2f | errors %d %s%n",
              r.system(), r.concurrency(), Stats.percentile(r.ttfaMillis(), 50), Stats.percentile(r.ttfaMillis(), 99),
              Stats.percentile(r.totalMillis(), 50), r.cpuNanosPerTurn() / 1e6, r.simCpuNanosPerTurn() / 1e6,
              r.peakPlatformThreads(), r.heapPerTurnBytes() / 1024, r.newConnections(), r.errors(), r.errorSamples());
        }
      }
      if (Boolean.getBoolean("bench.threadCpu")) {
        Map<String, Long> byName = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo ti : tmx.getThreadInfo(tmx.getAllThreadIds())) {
          if (ti == null) {
            continue;
          }
          long cpu = tmx.getThreadCpuTime(ti.getThreadId()) - cpuAtStart.getOrDefault(ti.getThreadId(), 0L);
          byName.merge(ti.getThreadName().replaceAll("[0-9]+", "#"), cpu, Long::sum);
        }
        byName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(15)
            .forEach(e -> out.printf(Locale.ROOT, "thread %-50s %8.0f ms%n", e.getKey(), e.getValue() / 1e6));
      }
    }
  }
}
