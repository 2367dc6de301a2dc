package dev.officehours.examples.bench;

import dev.officehours.examples.Args.UsageException;
import dev.officehours.examples.sim.KnowledgeBase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code bench}: OfficeHours side by side with what a Java developer builds instead, against one
 * simulated server in a JVM of its own. Measures in this JVM, then in a child JVM per {@code --jdks}
 * home, each writing its {@code results-java<N>.json}; then makes one report from every results
 * file in the output directory.
 */
public final class BenchCommand {
  /** Every turn completed and the report was written. */
  public static final int EXIT_OK = 0;
  /** The report was written, but some turns failed (the report lists them). */
  public static final int EXIT_TURNS_FAILED = 1;
  /** A flag was wrong; nothing ran. */
  public static final int EXIT_USAGE = 2;
  /** The benchmark could not run or its report could not be written. */
  public static final int EXIT_FAILED = 3;

  private BenchCommand() {}

  /**
   * Runs the benchmark and exits with its exit code.
   *
   * @param argv the flags (see {@code bench --help})
   */
  public static void main(String[] argv) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(run(argv, System.out, System.err));
  }

  /**
   * Runs the benchmark as {@code bench} does, without exiting.
   *
   * @param argv the flags (see {@code bench --help})
   * @param out where the progress lines and the report's location go
   * @param err where usage errors and failures go
   * @return {@link #EXIT_OK}, {@link #EXIT_TURNS_FAILED}, {@link #EXIT_USAGE} or {@link #EXIT_FAILED}
   */
  public static int run(String[] argv, PrintStream out, PrintStream err) {
    // the charts are drawn with AWT, which must know before its first class loads that there is no display
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    BenchOptions options;
    try {
      var parsed = BenchOptions.parse(argv);
      if (parsed.isEmpty()) {
        out.println(BenchOptions.usage());
        return EXIT_OK;
      }
      options = parsed.get();
    } catch (UsageException e) {
      err.println("bench: " + e.getMessage());
      err.println("Run with --help for the flags.");
      return EXIT_USAGE;
    }
    try {
      boolean turnsFailed = false;
      if (!options.reportOnly()) {
        BenchResults results = measure(options, out);
        turnsFailed = errors(results) > 0;
        out.println("Results: " + BenchResults.file(options.out(), results.jvm().feature()));
        for (Path jdk : options.jdks()) {
          int code = child(jdk, options, out);
          if (code == EXIT_TURNS_FAILED) {
            turnsFailed = true;
          } else if (code != EXIT_OK) {
            err.println("bench: the run on " + jdk + " failed (exit code " + code + "); the report leaves it out");
          }
        }
        if (options.measureOnly()) {
          return turnsFailed ? EXIT_TURNS_FAILED : EXIT_OK;
        }
      }
      List<Path> files = BenchReport.write(options.out());
      out.println("Report: " + files.get(0).toAbsolutePath());
      out.println("Charts: " + String.join(", ", files.subList(1, files.size()).stream()
          .map(p -> p.getFileName().toString()).toList()));
      if (turnsFailed) {
        err.println("bench: some turns failed; see the errors in the report");
      }
      return turnsFailed ? EXIT_TURNS_FAILED : EXIT_OK;
    } catch (IOException | RuntimeException e) {
      err.println("bench: the benchmark could not run: " + e);
      return EXIT_FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("bench: interrupted");
      return EXIT_FAILED;
    }
  }

  /** Measures every level in this JVM, writing the results after each one (a crash keeps what was measured). */
  static BenchResults measure(BenchOptions o, PrintStream out) throws IOException, InterruptedException {
    String startedAt = Instant.now().toString();
    BenchResults.Machine machine = BenchResults.Machine.current();
    BenchResults.Jvm jvm = BenchResults.Jvm.current();
    List<String> questions = new ArrayList<>();
    for (KnowledgeBase.Entry e : KnowledgeBase.entries()) {
      questions.add(e.question());
    }
    BenchResults.Settings settings = BenchResults.Settings.of(o, questions.size());
    out.printf(Locale.ROOT, "bench on Java %s (%s), %d cores: systems %s, concurrency %s, %d measured %s per level, caches %s%n",
        jvm.version(), jvm.vendor(), machine.cores(), String.join(",", o.systems()),
        String.join(",", o.concurrency().stream().map(String::valueOf).toList()), o.rounds(),
        o.rounds() == 1 ? "batch" : "batches", o.caches().flag());
    ThreadCpu threadCpu = Boolean.getBoolean("bench.threadCpu") ? new ThreadCpu() : null;
    List<BenchResults.Level> levels = new ArrayList<>();
    BenchResults results = new BenchResults(BenchResults.SCHEMA, startedAt, machine, jvm, settings, levels);
    try (SimulatorProcess sim = new SimulatorProcess(o.timing())) {
      BenchRun run = new BenchRun(sim, questions);
      List<Function<Integer, VoiceSystem>> warm = new ArrayList<>();
      for (String id : o.systems()) {
        warm.add(c -> make(id, sim.baseUrl(), c, false));
      }
      run.warmUp(warm, o.warmupTurns(), 50, out);
      for (int concurrency : o.concurrency()) {
        for (boolean caches : o.caches().settings()) {
          out.printf(Locale.ROOT, "%,d concurrent, caches %s:%n", concurrency, caches ? "on" : "off");
          Map<String, String> labels = new LinkedHashMap<>();
          List<Function<Integer, VoiceSystem>> chosen = new ArrayList<>();
          for (String id : o.systems()) {
            chosen.add(c -> {
              VoiceSystem s = make(id, sim.baseUrl(), c, caches);
              labels.put(s.id(), s.label());
              return s;
            });
          }
          double idleCpu = idleCpuMsPerSecond(o.smoke() ? SMOKE_IDLE_WINDOW : IDLE_WINDOW);
          long start = System.nanoTime();
          sim.resetLateness();
          SimulatorProcess.Counters before = sim.counters();
          List<BatchResult> batches = run.level(chosen, concurrency, o.rounds(), caches, out);
          SimulatorProcess.Counters after = sim.counters();
          double seconds = (System.nanoTime() - start) / 1e9;
          List<BenchResults.SystemResult> systems = new ArrayList<>();
          for (BatchResult b : batches) {
            BenchResults.SystemResult r = BenchResults.SystemResult.of(b, labels.get(b.system()));
            systems.add(r);
            out.printf(Locale.ROOT, "  = %-5s TTFA p50 %,6.0f p99 %,6.0f ms | total p50 %,6.0f ms | CPU %.2f ms/turn (JIT %.2f) | "
                    + "threads %d | heap %,.0f KB/turn | new conn./10 turns %.1f | errors %d%s%n",
                r.system(), r.ttfaMillis().p50(), r.ttfaMillis().p99(), r.totalMillis().p50(), r.cpuMsPerTurn(),
                r.jitMsPerTurn(), r.platformThreads(), r.heapKbPerTurn(), r.newConnectionsPer10Turns(), r.errors(),
                r.errors() == 0 ? "" : " " + r.errorSamples());
          }
          long turnsServed = (long) concurrency * (o.rounds() + 1) * chosen.size();
          BenchResults.Simulator simulator = BenchResults.Simulator.between(before, after, turnsServed);
          out.printf(Locale.ROOT, "  simulator: CPU %.2f ms/turn, lateness p99 %.1f ms, max %.1f ms; idle client CPU "
                  + "before the level %.1f ms/s%n", simulator.cpuMsPerTurn(), simulator.latenessP99Ms(),
              simulator.latenessMaxMs(), idleCpu);
          levels.add(new BenchResults.Level(concurrency, caches, Math.round(seconds * 10) / 10.0, idleCpu,
              IdealTtfa.mean(answers(questions, concurrency, o.rounds()), o.timing()), simulator, systems));
          results.write(o.out());
        }
      }
    }
    if (threadCpu != null) {
      threadCpu.print(out);
    }
    return results;
  }

  /**
   * With {@code -Dbench.threadCpu=true}: the client's CPU time by thread name over the whole run,
   * numbers folded ({@code OkHttp #}), the top 15: where a system's CPU goes, without a profiler.
   */
  private static final class ThreadCpu {
    private final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> atStart = new java.util.HashMap<>();

    ThreadCpu() {
      for (long id : threads.getAllThreadIds()) {
        atStart.put(id, Math.max(0, threads.getThreadCpuTime(id)));
      }
    }

    void print(PrintStream out) {
      Map<String, Long> byName = new java.util.TreeMap<>();
      for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
        if (t != null) {
          long cpu = threads.getThreadCpuTime(t.getThreadId()) - atStart.getOrDefault(t.getThreadId(), 0L);
          byName.merge(t.getThreadName().replaceAll("[0-9]+", "#"), cpu, Long::sum);
        }
      }
      byName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(15)
          .forEach(e -> out.printf(Locale.ROOT, "thread %-50s %8.0f ms%n", e.getKey(), e.getValue() / 1e6));
    }
  }

  /** How long the client's background CPU is measured before each level. */
  static final java.time.Duration IDLE_WINDOW = java.time.Duration.ofSeconds(2);
  /** The smoke run's: it only shows the figure is there. */
  static final java.time.Duration SMOKE_IDLE_WINDOW = java.time.Duration.ofMillis(200);

  /**
   * The client JVM's CPU per second while it does nothing: what a young JVM spends compiling (and
   * collecting) in the background, which every batch's CPU includes. The wait is the measurement.
   */
  private static double idleCpuMsPerSecond(java.time.Duration window) throws InterruptedException {
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    System.gc();
    long before = os.getProcessCpuTime();
    long start = System.nanoTime();
    Thread.sleep(window.toMillis());
    double seconds = (System.nanoTime() - start) / 1e9;
    return (os.getProcessCpuTime() - before) / 1e6 / seconds;
  }

  /** The answers the measured batches of a level got, one per turn. */
  static List<String> answers(List<String> questions, int concurrency, int rounds) {
    List<String> answers = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      for (int turn = 0; turn < concurrency; turn++) {
        answers.add(KnowledgeBase.answer(questions.get(BenchRun.questionIndex(round, concurrency, turn, questions.size()))));
      }
    }
    return answers;
  }

  private static VoiceSystem make(String id, String baseUrl, int concurrency, boolean caches) {
    return switch (id) {
      case "a" -> new OfficeHoursSystem(baseUrl, concurrency, caches);
      case "b" -> LangChain4jSystem.streamedSpeech(baseUrl, concurrency);
      case "b-tts" -> LangChain4jSystem.ttsModel(baseUrl, concurrency);
      case "c" -> BareHttpSystem.wholeAnswer(baseUrl, concurrency);
      case "z" -> BareHttpSystem.control(baseUrl, concurrency);
      default -> throw new IllegalArgumentException("unknown system " + id);
    };
  }

  private static int errors(BenchResults r) {
    return r.levels().stream().flatMap(l -> l.systems().stream()).mapToInt(BenchResults.SystemResult::errors).sum();
  }

  /** Measures on another JDK: a child JVM on this class path, its lines passed through. */
  private static int child(Path jdk, BenchOptions o, PrintStream out) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(BenchOptions.java(jdk).toString()));
    cmd.addAll(childJvmFlags());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchCommand.class.getName()));
    cmd.addAll(o.childArgs());
    out.println("Measuring on " + jdk + " in a child JVM:");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        out.println(line);
      }
    }
    return p.waitFor();
  }

  /**
   * This JVM's own flags (a heap size, a GC), so that the JDKs compare under the same settings;
   * agents and debuggers stay behind.
   */
  private static List<String> childJvmFlags() {
    List<String> flags = new ArrayList<>();
    for (String f : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!f.startsWith("-javaagent") && !f.startsWith("-agentlib") && !f.startsWith("-agentpath")
          && !f.startsWith("-Xrunjdwp") && !f.equals("-Xdebug")) {
        flags.add(f);
      }
    }
    for (String property : List.of("org.slf4j.simpleLogger.defaultLogLevel", "java.awt.headless")) {
      if (flags.stream().noneMatch(f -> f.startsWith("-D" + property + "="))) {
        flags.add("-D" + property + "=" + System.getProperty(property, property.startsWith("java") ? "true" : "warn"));
      }
    }
    return flags;
  }
}
