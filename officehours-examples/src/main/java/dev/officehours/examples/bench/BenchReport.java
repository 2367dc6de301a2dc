package dev.officehours.examples.bench;

import dev.officehours.examples.bench.BenchResults.Level;
import dev.officehours.examples.bench.BenchResults.Percentiles;
import dev.officehours.examples.bench.BenchResults.SystemResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * The benchmark's report: {@code report.md} and the charts, made from every run's results in one
 * directory, so that runs on several Java versions compare in one document. The Markdown is meant
 * to be pasted into docs/benchmarks.md as it is.
 */
final class BenchReport {
  static final String FILE = "report.md";
  /** The system the others are compared with, and the control that marks the floor of the HTTP client. */
  static final String SUBJECT = "a";
  static final String CONTROL = "z";
  static final String JAR = "officehours-examples/target/officehours-examples.jar";

  private final List<BenchResults> runs;

  BenchReport(List<BenchResults> runs) {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("no results to report on");
    }
    this.runs = List.copyOf(runs);
  }

  /**
   * Writes the report and its charts from every {@code results-java*.json} in {@code dir}.
   *
   * @return the files written, report.md first
   */
  static List<Path> write(Path dir) throws IOException {
    List<BenchResults> runs = BenchResults.readAll(dir);
    if (runs.isEmpty()) {
      throw new IOException("no results-java*.json in " + dir + " to make a report from");
    }
    List<Path> charts = BenchCharts.write(runs, dir);
    List<String> names = charts.stream().map(p -> p.getFileName().toString()).toList();
    Path report = dir.resolve(FILE);
    Files.writeString(report, new BenchReport(runs).markdown(names), StandardCharsets.UTF_8);
    List<Path> files = new ArrayList<>(List.of(report));
    files.addAll(charts);
    return files;
  }

  // ---------------------------------------------------------------- the maths

  /** {@code value / reference}: how many times the reference; NaN when either is unknown or the reference not positive. */
  static double ratio(double value, double reference) {
    return Double.isNaN(value) || Double.isNaN(reference) || reference <= 0 ? Double.NaN : value / reference;
  }

  /** What a system adds over the control: {@code value - control}, NaN when either is unknown. */
  static double overhead(double value, double control) {
    return value - control;
  }

  /** A level's system by id, or null. */
  static SystemResult system(Level level, String id) {
    for (SystemResult s : level.systems()) {
      if (s.system().equals(id)) {
        return s;
      }
    }
    return null;
  }

  /**
   * One row of a level's table: concurrency, system, TTFA p50 and p99, total p50 and p99, TTFA p50
   * relative to (a), TTFA p50 and p99 over (z), TTFA p50 relative to the ideal, CPU per turn,
   * relative to (z), platform threads, heap per turn, new connections per 10 turns, errors.
   */
  static List<String> row(Level level, SystemResult s) {
    SystemResult a = system(level, SUBJECT);
    SystemResult z = system(level, CONTROL);
    List<String> cells = new ArrayList<>();
    cells.add(count(level.concurrency()));
    cells.add(s.system());
    cells.add(ms(s.ttfaMillis().p50()));
    cells.add(ms(s.ttfaMillis().p99()));
    cells.add(ms(s.totalMillis().p50()));
    cells.add(ms(s.totalMillis().p99()));
    cells.add(a == null || a == s ? "—" : times(ratio(s.ttfaMillis().p50(), a.ttfaMillis().p50())));
    cells.add(z == null || z == s ? "—"
        : signedMs(overhead(s.ttfaMillis().p50(), z.ttfaMillis().p50())) + " / "
            + signedMs(overhead(s.ttfaMillis().p99(), z.ttfaMillis().p99())));
    cells.add(times(ratio(s.ttfaMillis().p50(), level.ideal().firstChunkMillis())));
    cells.add(startToWire(s));
    cells.add(cpu(s.cpuMsPerTurn()));
    cells.add(z == null || z == s ? "—" : times(ratio(s.cpuMsPerTurn(), z.cpuMsPerTurn())));
    cells.add(cpu(s.jitMsPerTurn()));
    cells.add(count(s.platformThreads()));
    cells.add(kb(s.heapKbPerTurn()));
    cells.add(String.format(Locale.ROOT, "%.1f", s.newConnectionsPer10Turns()));
    cells.add(s.errors() == 0 ? "0" : s.errors() + " of " + s.turns());
    return cells;
  }

  static final List<String> HEADER = List.of("concurrent", "system", "TTFA p50", "TTFA p99", "total p50", "total p99",
      "TTFA p50 ÷ a", "TTFA over z p50 / p99", "TTFA p50 ÷ ideal", "start → request p50 / p99", "CPU ms/turn", "CPU ÷ z", "of which JIT", "platform threads",
      "heap KB/turn", "new conn./10 turns", "errors");

  /** "2.1 / 3.4 ms" from starting a turn to its chat request on the wire, or "—". */
  static String startToWire(SystemResult s) {
    Percentiles p = s.startToWireMillis();
    if (p == null || p.n() == 0) {
      return "—";
    }
    return String.format(Locale.ROOT, "%.1f / %.1f ms", p.p50(), p.p99());
  }

  /** "at 100 concurrent: b 1.31×, b-tts 2.50× ..." for one level. */
  static String summary(Level level) {
    SystemResult a = system(level, SUBJECT);
    SystemResult z = system(level, CONTROL);
    StringJoiner parts = new StringJoiner("; ");
    if (a != null) {
      StringJoiner others = new StringJoiner(", ");
      for (SystemResult s : level.systems()) {
        if (s != a) {
          others.add(s.system() + " " + times(ratio(s.ttfaMillis().p50(), a.ttfaMillis().p50())));
        }
      }
      if (others.length() > 0) {
        parts.add("first audio (p50) relative to a: " + others);
      }
      if (z != null) {
        parts.add("a over z " + signedMs(overhead(a.ttfaMillis().p50(), z.ttfaMillis().p50())) + " ms p50, "
            + signedMs(overhead(a.ttfaMillis().p99(), z.ttfaMillis().p99())) + " ms p99, CPU "
            + times(ratio(a.cpuMsPerTurn(), z.cpuMsPerTurn())));
      }
      parts.add("a at " + times(ratio(a.ttfaMillis().p50(), level.ideal().firstChunkMillis())) + " the ideal "
          + ms(level.ideal().firstChunkMillis()) + " ms");
    }
    return "- " + count(level.concurrency()) + " concurrent: " + parts;
  }

  // ---------------------------------------------------------------- the document

  String markdown(List<String> charts) {
    StringBuilder md = new StringBuilder();
    BenchResults first = runs.get(0);
    md.append("# Side by side: OfficeHours, LangChain4j, whole-answer TTS and a bare-HTTP control\n\n");
    md.append("Made by `bench` from ").append(String.join(", ", runs.stream()
        .map(r -> "`" + BenchResults.FILE_PREFIX + r.jvm().feature() + ".json` (" + r.startedAt() + ")").toList()))
        .append(". Reproduce with Java ").append(first.jvm().feature()).append(" as `java`:\n\n```\n").append(command()).append("\n```\n\n");
    if (first.settings().smoke()) {
      md.append("**A smoke run**: tiny and with fast simulated providers; its figures mean nothing.\n\n");
    }
    differences(md);
    machine(md);
    settings(md, first.settings());
    systems(md);
    for (BenchResults run : runs) {
      for (boolean caches : new boolean[] {false, true}) {
        List<Level> levels = run.levels().stream().filter(l -> l.caches() == caches).toList();
        if (!levels.isEmpty()) {
          table(md, run, caches, levels);
        }
      }
      simulator(md, run);
    }
    if (!charts.isEmpty()) {
      md.append("## Charts\n\n");
      for (String c : charts) {
        md.append("![").append(BenchCharts.caption(c)).append("](").append(c).append(")\n\n");
      }
    }
    method(md);
    return md.toString();
  }

  /** The command that measures all of these runs again, from the oldest Java with the others as --jdks. */
  String command() {
    BenchSettingsView s = new BenchSettingsView(runs.get(0).settings());
    StringBuilder c = new StringBuilder("java -jar " + JAR + " bench");
    if (s.settings().smoke()) {
      c.append(" --smoke");
    }
    c.append(s.flags());
    List<String> others = new ArrayList<>();
    for (BenchResults r : runs.subList(1, runs.size())) {
      others.add(r.jvm().home());
    }
    if (!others.isEmpty()) {
      c.append(" --jdks ").append(String.join(",", others));
    }
    return c.toString();
  }

  /** A run's settings as the flags that differ from the defaults. */
  private record BenchSettingsView(BenchResults.Settings settings) {
    String flags() {
      BenchResults.Settings s = settings;
      SimulatorProcess.SimTiming base = s.smoke() ? BenchOptions.SMOKE_TURN : BenchOptions.ISSUE_TURN;
      StringBuilder f = new StringBuilder();
      String systems = String.join(",", s.systems());
      if (!systems.equals(s.smoke() ? "a,b,c,z" : String.join(",", BenchOptions.ALL_SYSTEMS))) {
        f.append(" --systems ").append(systems);
      }
      String levels = String.join(",", s.concurrency().stream().map(String::valueOf).toList());
      if (!levels.equals(s.smoke() ? "1,4" : "1,10,100,500,1000")) {
        f.append(" --concurrency ").append(levels);
      }
      if (s.rounds() != (s.smoke() ? 1 : 3)) {
        f.append(" --rounds ").append(s.rounds());
      }
      if (!s.caches().equals(s.smoke() ? "off" : "both")) {
        f.append(" --caches ").append(s.caches());
      }
      flag(f, "llm-ttft", s.llmTtftMs(), base.ttft().toMillis(), "ms");
      flag(f, "token-interval", s.tokenIntervalMs(), base.tokenInterval().toMillis(), "ms");
      flag(f, "token-jitter", s.tokenJitterMs(), base.jitter().toMillis(), "ms");
      flag(f, "answer-words", s.answerWords(), base.answerWords(), "");
      flag(f, "tts-ttfb", s.ttsTtfbMs(), base.ttsTtfb().toMillis(), "ms");
      if (s.ttsRealTimeFactor() != base.realTimeFactor()) {
        f.append(" --tts-realtime-factor ").append(s.ttsRealTimeFactor());
      }
      return f.toString();
    }

    private static void flag(StringBuilder f, String name, long value, long base, String unit) {
      if (value != base) {
        f.append(" --").append(name).append(' ').append(value).append(unit);
      }
    }
  }

  private void differences(StringBuilder md) {
    for (BenchResults r : runs.subList(1, runs.size())) {
      if (!Objects.equals(r.settings(), runs.get(0).settings())) {
        md.append("**Warning**: the Java ").append(r.jvm().feature()).append(" results were measured with other settings "
            + "than the Java ").append(runs.get(0).jvm().feature()).append(" ones; compare with care (delete old "
            + "results-java*.json from the directory to leave them out).\n\n");
      }
      if (!Objects.equals(r.machine(), runs.get(0).machine())) {
        md.append("**Warning**: the Java ").append(r.jvm().feature()).append(" results come from another machine.\n\n");
      }
    }
  }

  private void machine(StringBuilder md) {
    BenchResults.Machine m = runs.get(0).machine();
    md.append("## Machine and JVMs\n\n");
    md.append("| | ").append(String.join(" | ", runs.stream().map(r -> "Java " + r.jvm().feature()).toList())).append(" |\n");
    md.append("|---|").append("---|".repeat(runs.size())).append('\n');
    line(md, "machine", r -> r.machine().cores() + " cores, " + r.machine().cpuModel() + ", "
        + gib(r.machine().totalMemoryBytes()) + " GiB memory");
    line(md, "OS", r -> r.machine().os());
    line(md, "JVM", r -> r.jvm().vmName() + " " + r.jvm().version() + " (" + r.jvm().vendor() + ")");
    line(md, "garbage collector", r -> String.join(", ", r.jvm().garbageCollectors()));
    line(md, "max heap", r -> gib(r.jvm().maxHeapBytes()) + " GiB");
    line(md, "JVM flags", r -> {
      // the two properties the command gives its child JVMs itself are not the user's settings
      List<String> flags = r.jvm().flags().stream().filter(f -> !f.startsWith("-Dorg.slf4j.simpleLogger.defaultLogLevel=")
          && !f.startsWith("-Djava.awt.headless=")).toList();
      return flags.isEmpty() ? "(none)" : "`" + String.join(" ", flags) + "`";
    });
    line(md, "HTTP threads of b, b-tts, c, z", r -> r.jvm().httpThreads());
    line(md, "platform threads before the first system", r -> count(r.jvm().threadsAtStart()));
    md.append('\n');
    if (m.cores() <= 2) {
      md.append("The simulator runs in a JVM of its own on the same ").append(m.cores())
          .append(" cores: its CPU competes with the systems', and is reported below.\n\n");
    }
  }

  private void line(StringBuilder md, String what, java.util.function.Function<BenchResults, String> value) {
    md.append("| ").append(what).append(" | ");
    md.append(String.join(" | ", runs.stream().map(value).map(BenchReport::cell).toList())).append(" |\n");
  }

  private static void settings(StringBuilder md, BenchResults.Settings s) {
    md.append("## Settings\n\n");
    md.append(String.format(Locale.ROOT, "- Simulated model: first token after %d ms, then a token (a word) every %d ms "
        + "(± %d ms jitter); answers of %s.%n", s.llmTtftMs(), s.tokenIntervalMs(), s.tokenJitterMs(),
        s.answerWords() > 0 ? s.answerWords() + " words" : "their natural length"));
    md.append(String.format(Locale.ROOT, "- Simulated speech: first byte after %d ms, then PCM 24 kHz streamed at "
        + "%.2f× real time (%s); every system keeps up to %d speech requests in flight per turn.%n", s.ttsTtfbMs(),
        s.ttsRealTimeFactor(), s.ttsRealTimeFactor() > 0 ? String.format(Locale.ROOT, "%.0f× faster than it plays",
            1 / s.ttsRealTimeFactor()) : "instantly", s.ttsInFlight()));
    md.append(String.format(Locale.ROOT, "- Turns: %d different questions of the simulated model, the first sentences "
        + "of their answers of different lengths; at each level every system runs one warm-up batch (not counted) "
        + "and %d measured %s of that many turns started at once, the systems taking turns batch by batch.%n",
        s.questions(), s.rounds(), s.rounds() == 1 ? "batch" : "batches"));
    md.append("- Concurrency: ").append(String.join(", ", s.concurrency().stream().map(BenchReport::count).toList()))
        .append("; caches ").append(s.caches().equals("both") ? "off and on" : s.caches()).append(".\n\n");
  }

  private void systems(StringBuilder md) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (BenchResults r : runs) {
      for (Level l : r.levels()) {
        for (SystemResult s : l.systems()) {
          if (!l.caches() || !s.system().equals(SUBJECT)) {
            labels.putIfAbsent(s.system(), s.label());
          }
        }
      }
    }
    md.append("## The systems\n\n");
    labels.forEach((id, label) -> md.append("- **").append(id).append("**: ").append(label).append('\n'));
    md.append("\nWith caches on, only **a** has caches (OfficeHours' in-memory TTS cache and its answer cache, keyed as "
        + "an FAQ): the other systems have none and run unchanged, measured again in the same batches as a reference.\n\n");
  }

  private static void table(StringBuilder md, BenchResults run, boolean caches, List<Level> levels) {
    md.append("## Java ").append(run.jvm().feature()).append(", caches ").append(caches ? "on" : "off").append("\n\n");
    md.append("Times in ms; ideal: the providers' floor for the first chunk (see below).\n\n");
    md.append("| ").append(String.join(" | ", HEADER)).append(" |\n");
    md.append("|---|---|").append("---:|".repeat(HEADER.size() - 2)).append('\n');
    for (Level level : levels) {
      for (SystemResult s : level.systems()) {
        md.append("| ").append(String.join(" | ", row(level, s))).append(" |\n");
      }
    }
    md.append('\n');
    for (Level level : levels) {
      md.append(summary(level)).append('\n');
    }
    md.append('\n');
    boolean errors = false;
    for (Level level : levels) {
      for (SystemResult s : level.systems()) {
        if (s.errors() > 0) {
          errors = true;
          md.append("- errors of ").append(s.system()).append(" at ").append(count(level.concurrency()))
              .append(" concurrent: ").append(cell(String.join("; ", s.errorSamples()))).append('\n');
        }
      }
    }
    if (errors) {
      md.append('\n');
    }
  }

  private static void simulator(StringBuilder md, BenchResults run) {
    md.append("### Java ").append(run.jvm().feature()).append(": the ideal, the simulator and the idle client\n\n");
    md.append("| concurrent | caches | ideal TTFA: first chunk / first sentence / whole answer | sim CPU ms/turn "
        + "| sim lateness p50 / p99 / max | stalled writes | idle client CPU ms/s | level took |\n");
    md.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (Level l : run.levels()) {
      BenchResults.Simulator sim = l.simulator();
      md.append("| ").append(count(l.concurrency())).append(" | ").append(l.caches() ? "on" : "off").append(" | ")
          .append(ms(l.ideal().firstChunkMillis())).append(" / ").append(ms(l.ideal().firstSentenceMillis()))
          .append(" / ").append(ms(l.ideal().wholeAnswerMillis())).append(" | ").append(cpu(sim.cpuMsPerTurn()))
          .append(" | ").append(ms(sim.latenessP50Ms())).append(" / ").append(ms(sim.latenessP99Ms())).append(" / ")
          .append(ms(sim.latenessMaxMs())).append(" ms | ").append(count(sim.stalledWrites())).append(" of ")
          .append(count(sim.writes())).append(" | ").append(cpu(l.idleCpuMsPerSecond())).append(" | ")
          .append(String.format(Locale.ROOT, "%.0f s", l.seconds()))
          .append(" |\n");
    }
    md.append('\n');
  }

  private static void method(StringBuilder md) {
    md.append("## How it is measured\n\n");
    md.append("""
        - **TTFA**: from the call that starts the turn to the first audio byte handed to the caller; **total**: to \
        the last one. Percentiles by nearest rank over every measured turn of the level.
        - **÷ a**: the system's TTFA p50 over a's (1.30× is 30 % later). **over z**: the system's TTFA p50 and p99 \
        minus the bare-HTTP control's, in ms: what it adds to the least code that makes the same requests.
        - **Ideal**: the simulated providers' floor, from its settings and the answers the level's turns got: time \
        to first token, plus a token interval for every token after the first until the text is cut (a cut is \
        known when the next token arrives), plus the speech's time to first byte. For the first chunk the text goes \
        through OfficeHours' chunker with its default settings; for the first sentence through b's splitter; the \
        whole answer ends with its last token. Request times, the network and jitter count as zero, so no system \
        can reach it; the mean over the level's questions.
        - **CPU ms/turn**: the client JVM's process CPU time over a system's batches, per turn, everything included \
        (its HTTP client, JSON, GC, JIT). Linux counts it in 10 ms ticks, so a batch's figure is exact to 10 ms. \
        A young JVM keeps compiling for minutes: the **idle client CPU** (the client JVM doing nothing for 2 s \
        before the level) is that background, which at 1 concurrent lands on a single turn of several seconds; \
        compare CPU per turn where many turns share it. **Of which JIT**: about how much of it the JVM spent \
        compiling during the batches (CompilationMXBean's compile time, elapsed rather than CPU time; 0 in results \
        written before it was measured): a system whose code is still being \
        compiled pays for it in its own batches, so a ratio to z taken before the JIT has settled overstates the \
        steady state; more --warmup-turns shrink it. The simulator runs in a JVM of its own; its CPU per turn \
        over the level (warm-up included) is in the simulator table.
        - **Platform threads**: the most a batch used: the threads it started (the process's peak over its start) \
        plus earlier ones that ran during it, so the idle pools of the other systems of the level are not counted; \
        the benchmark's own main and JIT threads (2-4) are included. Virtual threads are not platform threads.
        - **Heap KB/turn**: the heap in use at the batch's peak (sampled every 20 ms, after a GC at its start) over \
        its start, per turn in flight. G1 counts whole regions, so at low concurrency the figure is coarse.
        - **New conn./10 turns**: connections the simulator accepted during the measured batches, per 10 turns.
        - **Sim lateness**: how late the simulator's writes left against their schedule; a p99 of a few ms means \
        it kept its timing and the differences are the clients'. **Stalled writes**: writes that found the \
        client's socket full.

        """);
  }

  // ---------------------------------------------------------------- formatting

  static String times(double ratio) {
    return Double.isNaN(ratio) ? "—" : String.format(Locale.ROOT, "%.2f×", ratio);
  }

  static String ms(double ms) {
    if (Double.isNaN(ms)) {
      return "—";
    }
    return Math.abs(ms) >= 100 ? String.format(Locale.ROOT, "%,.0f", ms) : String.format(Locale.ROOT, "%.1f", ms);
  }

  static String signedMs(double ms) {
    if (Double.isNaN(ms)) {
      return "—";
    }
    return Math.abs(ms) >= 100 ? String.format(Locale.ROOT, "%+,.0f", ms) : String.format(Locale.ROOT, "%+.1f", ms);
  }

  static String cpu(double ms) {
    if (Double.isNaN(ms)) {
      return "—";
    }
    return ms >= 10 ? String.format(Locale.ROOT, "%.1f", ms) : String.format(Locale.ROOT, "%.2f", ms);
  }

  static String kb(double kb) {
    return Double.isNaN(kb) ? "—" : String.format(Locale.ROOT, "%,.0f", kb);
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024 * 1024));
  }

  /** Text for a table cell: no pipes, no line breaks. */
  private static String cell(String s) {
    return s == null ? "" : s.replace("|", "\\|").replaceAll("[\\r\\n]+", " ");
  }
}
