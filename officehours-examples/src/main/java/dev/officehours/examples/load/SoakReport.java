package dev.officehours.examples.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a soak ({@code loadtest --soak}) found: its errors split into those the simulator's injected
 * faults explain and the rest, the series of heap-after-GC and thread samples, and a pass or fail
 * per criterion. The criteria are static functions of plain figures so that they can be checked on
 * hand-made series.
 */
final class SoakReport {
  /** A failed turn whose speech failed for every chunk: explained only by speech faults that reached the pipeline. */
  static final String TTS_ERROR = "tts_error";

  private final List<String> header;
  private final LoadReport load;
  private final Duration elapsed;
  private final Duration sampling;
  private final List<Sample> series;
  private final Map<String, Long> injected;
  private final Map<String, Long> pipelineErrors;
  private final Map<String, String> pipelineErrorExamples;
  private final Integrity integrity;
  private final Classification classification;
  private final List<Check> checks;

  /**
   * One sample of the soak, taken with no turn in flight.
   *
   * @param turns turns finished in the measured run when it was taken (0: after the warm-up)
   * @param seconds time since the measured run started
   * @param heapAfterGcBytes heap in use right after a full collection
   * @param threads live platform threads
   * @param activeTurns the pipeline's turns in flight (0 when every turn ended cleanly)
   */
  record Sample(long turns, double seconds, long heapAfterGcBytes, int threads, int activeTurns) {}

  /**
   * Whether every turn ended once and only once.
   *
   * @param extraEnds terminal events a turn's listener got after its first
   * @param eventsAfterEnd text or audio a turn's listener got after its terminal event
   * @param turnsStarted turns the pipeline's observer saw start
   * @param turnsEnded turns the pipeline's observer saw end
   */
  record Integrity(long extraEnds, long eventsAfterEnd, long turnsStarted, long turnsEnded) {
    /** Everything that went wrong with how turns ended; 0 when nothing did. */
    long problems() {
      return extraEnds + eventsAfterEnd + Math.abs(turnsStarted - turnsEnded);
    }
  }

  /**
   * The soak's errors, split by whether an injected fault explains them.
   *
   * @param expectedTurns failed turns whose code is one of the injected faults' (or {@code tts_error},
   *     up to the speech faults that reached the pipeline), by code
   * @param unexpectedTurns every other failed turn, by code (and by how far a code exceeds its faults)
   * @param expectedPipeline errors the providers passed on to the pipeline with an injected fault's
   *     code, by {@code stage:code}
   * @param unexpectedPipeline every other error the pipeline saw, by {@code stage:code}
   */
  record Classification(Map<String, Long> expectedTurns, Map<String, Long> unexpectedTurns,
      Map<String, Long> expectedPipeline, Map<String, Long> unexpectedPipeline) {
    long expectedTurnCount() {
      return sum(expectedTurns);
    }

    long unexpectedTurnCount() {
      return sum(unexpectedTurns);
    }

    long expectedPipelineCount() {
      return sum(expectedPipeline);
    }

    long unexpectedPipelineCount() {
      return sum(unexpectedPipeline);
    }
  }

  /**
   * One pass/fail criterion.
   *
   * @param name what is checked
   * @param limit the limit, in words
   * @param measured what was measured, in words
   * @param passed whether it held
   */
  record Check(String name, String limit, String measured, boolean passed) {}

  /**
   * Classifies the errors and checks every criterion.
   *
   * @param header the settings and the machine, one line each
   * @param load the load test's own report of the measured run (its target counters hold the injected faults)
   * @param elapsed how long the measured run took
   * @param sampling how much of it went to draining the load and sampling
   * @param series the samples, the first taken after the warm-up
   * @param pipelineErrors the errors the pipeline's observer saw, by {@code stage:code}
   * @param pipelineErrorExamples a message for each of them
   * @param integrity how turns ended
   * @param maxHeapGrowth how much the last quarter's mean heap after GC may exceed the first quarter's (0.1: 10 %)
   * @param maxThreadGrowth how many more live threads the last sample may have than the first
   */
  SoakReport(List<String> header, LoadReport load, Duration elapsed, Duration sampling, List<Sample> series,
      Map<String, Long> pipelineErrors, Map<String, String> pipelineErrorExamples, Integrity integrity,
      double maxHeapGrowth, int maxThreadGrowth) {
    this.header = List.copyOf(header);
    this.load = load;
    this.elapsed = elapsed;
    this.sampling = sampling;
    this.series = List.copyOf(series);
    this.injected = injectedFaults(load.toJson());
    this.pipelineErrors = new TreeMap<>(pipelineErrors);
    this.pipelineErrorExamples = new TreeMap<>(pipelineErrorExamples);
    this.integrity = integrity;
    this.classification = classify(injected, load.errors(), this.pipelineErrors);
    this.checks = checks(classification, integrity, this.series, maxHeapGrowth, maxThreadGrowth);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Long> injectedFaults(Map<String, Object> loadJson) {
    Object stats = loadJson.get("targetStats");
    Object faults = stats instanceof Map<?, ?> m ? m.get("injectedFaults") : null;
    Map<String, Long> out = new TreeMap<>();
    if (faults instanceof Map<?, ?> f) {
      f.forEach((k, v) -> out.put(String.valueOf(k), ((Number) v).longValue()));
    }
    return out;
  }

  /**
   * Splits errors into expected and unexpected. A failed turn or a pipeline error is expected when
   * its code is one the simulator injected, as long as there are no more of that code than faults
   * of it (a fault fails at most one call, so any excess has another cause); a {@code tts_error}
   * turn is expected up to the number of speech errors with injected codes that reached the
   * pipeline. Everything else (timeouts, connection errors, cancellations, a turn that never
   * ended) is unexpected.
   *
   * @param injected the simulator's injected faults by code
   * @param failedTurns failed turns by code
   * @param pipelineErrors errors the pipeline's observer saw, by {@code stage:code}
   * @return the classification
   */
  static Classification classify(Map<String, Long> injected, Map<String, Long> failedTurns,
      Map<String, Long> pipelineErrors) {
    Map<String, Long> expectedPipeline = new TreeMap<>();
    Map<String, Long> unexpectedPipeline = new TreeMap<>();
    Map<String, Long> byCode = new TreeMap<>();
    long speechFaultsSeen = 0;
    for (Map.Entry<String, Long> e : pipelineErrors.entrySet()) {
      String key = e.getKey();
      String code = key.substring(key.indexOf(':') + 1);
      if (injected.containsKey(code)) {
        expectedPipeline.put(key, e.getValue());
        byCode.merge(code, e.getValue(), Long::sum);
        if (key.startsWith("tts:")) {
          speechFaultsSeen += e.getValue();
        }
      } else {
        unexpectedPipeline.put(key, e.getValue());
      }
    }
    byCode.forEach((code, n) -> {
      long excess = n - injected.get(code);
      if (excess > 0) {
        unexpectedPipeline.put(code + " beyond its " + injected.get(code) + " injected faults", excess);
      }
    });
    Map<String, Long> expectedTurns = new TreeMap<>();
    Map<String, Long> unexpectedTurns = new TreeMap<>();
    for (Map.Entry<String, Long> e : failedTurns.entrySet()) {
      String code = e.getKey();
      long n = e.getValue();
      long allowed = injected.containsKey(code) ? injected.get(code)
          : code.equals(TTS_ERROR) ? speechFaultsSeen : 0;
      if (allowed > 0) {
        expectedTurns.put(code, Math.min(n, allowed));
      }
      if (n > allowed) {
        unexpectedTurns.put(allowed == 0 ? code : code + " beyond its " + allowed + " explained", n - allowed);
      }
    }
    return new Classification(expectedTurns, unexpectedTurns, expectedPipeline, unexpectedPipeline);
  }

  /**
   * Every criterion of the soak: no unexpected failed turn, no unexpected error in the pipeline,
   * every turn ended once, nothing left active, heap after GC flat and threads flat.
   *
   * @param c the errors, classified
   * @param integrity how turns ended
   * @param series the samples, the first after the warm-up
   * @param maxHeapGrowth the largest growth allowed of the heap after GC, last quarter over first (0.1: 10 %)
   * @param maxThreadGrowth how many more threads the last sample may have than the first
   * @return the checks, in the order the report shows them
   */
  static List<Check> checks(Classification c, Integrity integrity, List<Sample> series, double maxHeapGrowth,
      int maxThreadGrowth) {
    List<Check> checks = new ArrayList<>();
    checks.add(new Check("unexpected failed turns", "0", describe(c.unexpectedTurns()),
        c.unexpectedTurnCount() == 0));
    checks.add(new Check("unexpected errors inside the pipeline (any stage, also of turns that completed)", "0",
        describe(c.unexpectedPipeline()), c.unexpectedPipelineCount() == 0));
    checks.add(new Check("turns ended twice, events after a turn's end, turns started but not ended", "0",
        String.format(Locale.ROOT, "%d / %d / %d", integrity.extraEnds(), integrity.eventsAfterEnd(),
            integrity.turnsStarted() - integrity.turnsEnded()), integrity.problems() == 0));
    int stillActive = series.isEmpty() ? 0 : series.stream().mapToInt(Sample::activeTurns).max().orElse(0);
    checks.add(new Check("the pipeline's active turns at every drained sample", "0", "max " + stillActive,
        stillActive == 0));
    checks.add(heapFlat(series, maxHeapGrowth));
    checks.add(threadsFlat(series, maxThreadGrowth));
    return checks;
  }

  /**
   * Whether the heap after GC stayed flat: the mean of the last quarter of the samples may exceed
   * the mean of the first quarter by at most {@code maxGrowth}. Only growth fails: a heap that
   * shrank leaks nothing.
   *
   * @param series the samples, at least 4
   * @param maxGrowth the largest growth allowed (0.1: 10 %)
   * @return the check; failed when there are fewer than 4 samples
   */
  static Check heapFlat(List<Sample> series, double maxGrowth) {
    String name = "heap after GC, mean of the last quarter of the samples over the first";
    String limit = String.format(Locale.ROOT, "<= +%.0f %%", 100 * maxGrowth);
    if (series.size() < 4) {
      return new Check(name, limit, "only " + LoadReport.count(series.size(), "sample"), false);
    }
    int quarter = series.size() / 4;
    double first = series.subList(0, quarter).stream().mapToLong(Sample::heapAfterGcBytes).average().orElse(0);
    double last = series.subList(series.size() - quarter, series.size()).stream()
        .mapToLong(Sample::heapAfterGcBytes).average().orElse(0);
    double growth = first == 0 ? 0 : last / first - 1;
    return new Check(name, limit, String.format(Locale.ROOT, "%.1f MB -> %.1f MB (%+.1f %%)", first / 1048576.0,
        last / 1048576.0, 100 * growth), growth <= maxGrowth);
  }

  /**
   * Whether the live threads stayed flat: the last sample may have at most {@code allowance} more
   * than the first (pools that grow with the load and shrink when idle move the count a little).
   *
   * @param series the samples, at least 2
   * @param allowance how many more threads are allowed
   * @return the check; failed when there are fewer than 2 samples
   */
  static Check threadsFlat(List<Sample> series, int allowance) {
    String name = "live threads, last sample over the first";
    String limit = "<= first + " + allowance;
    if (series.size() < 2) {
      return new Check(name, limit, "only " + LoadReport.count(series.size(), "sample"), false);
    }
    int first = series.get(0).threads();
    int last = series.get(series.size() - 1).threads();
    return new Check(name, limit, first + " -> " + last, last <= first + allowance);
  }

  /**
   * Whether every criterion held.
   *
   * @return true when the soak passed
   */
  boolean passed() {
    return checks.stream().allMatch(Check::passed);
  }

  List<Check> checks() {
    return checks;
  }

  List<Sample> series() {
    return series;
  }

  Classification classification() {
    return classification;
  }

  Map<String, Long> injected() {
    return injected;
  }

  LoadReport load() {
    return load;
  }

  /** New TCP connections to the simulator per 10 turns; NaN when the target did not count them. */
  double connectionsPerTenTurns() {
    Object opened = targetStat("simulatorConnectionsOpened");
    return opened instanceof Number n && load.sent() > 0 ? 10.0 * n.doubleValue() / load.sent() : Double.NaN;
  }

  private Object targetStat(String key) {
    Object stats = load.toJson().get("targetStats");
    return stats instanceof Map<?, ?> m ? m.get(key) : null;
  }

  /**
   * The soak's section of the report.
   *
   * @return Markdown: the verdict, the criteria, the faults' accounting and the series
   */
  String markdown() {
    StringBuilder sb = new StringBuilder("\n# Soak: ").append(passed() ? "PASS" : "FAIL").append("\n\n");
    header.forEach(h -> sb.append("- ").append(h).append('\n'));
    LoadReport.Percentiles ttfa = load.ttfa();
    double between = (elapsed.toNanos() - sampling.toNanos()) / 1e9;
    sb.append(String.format(Locale.ROOT, "- %d turns in %.1f s (%.1f s of it draining the load and sampling): "
            + "%.1f turns/s (%.1f between samples); TTFA p50 %.1f ms, p99 %.1f ms; new TCP connections per 10 "
            + "turns %s%n", load.sent(), elapsed.toNanos() / 1e9, sampling.toNanos() / 1e9, load.turnsPerSecond(),
        between > 0 ? load.sent() / between : 0.0, ttfa.p50(), ttfa.p99(),
        Double.isNaN(connectionsPerTenTurns()) ? "n/a" : String.format(Locale.ROOT, "%.2f", connectionsPerTenTurns())));
    sb.append(String.format(Locale.ROOT, "- Simulator: lateness p50 %s ms, p99 %s ms, max %s ms over %s scheduled "
            + "writes; %s stalled writes%n", targetStat("simulatorLatenessP50Ms"), targetStat("simulatorLatenessP99Ms"),
        targetStat("simulatorLatenessMaxMs"), targetStat("simulatorScheduledWrites"),
        targetStat("simulatorStalledWrites")));
    sb.append("\n| criterion | limit | measured | result |\n|---|---:|---|---|\n");
    for (Check c : checks) {
      sb.append("| ").append(c.name()).append(" | ").append(c.limit()).append(" | ").append(c.measured())
          .append(" | ").append(c.passed() ? "pass" : "FAIL").append(" |\n");
    }
    Classification c = classification;
    long injectedTotal = sum(injected);
    long reached = c.expectedPipelineCount();
    sb.append("\n## Faults\n\n| | count | by code |\n|---|---:|---|\n");
    row(sb, "injected by the simulator", injectedTotal, LoadReport.byCode(injected));
    row(sb, "passed on to the pipeline by the providers (not recovered by their retries)", reached,
        LoadReport.byCode(c.expectedPipeline()));
    row(sb, "recovered by the providers' retries (injected minus passed on)", injectedTotal - reached, "");
    row(sb, "failed turns they explain (expected errors)", c.expectedTurnCount(), LoadReport.byCode(c.expectedTurns()));
    row(sb, "chunks without speech in turns that completed", load.speechFailures(), "");
    row(sb, "unexpected failed turns", c.unexpectedTurnCount(), LoadReport.byCode(c.unexpectedTurns()));
    row(sb, "unexpected errors inside the pipeline", c.unexpectedPipelineCount(),
        LoadReport.byCode(c.unexpectedPipeline()));
    long seen = c.expectedTurnCount() + load.speechFailures();
    sb.append(String.format(Locale.ROOT, "%nExpected errors callers saw: %d failed turns + %d chunks without speech "
            + "= %d; injected faults minus those the providers' retries recovered: %d.%s%n", c.expectedTurnCount(),
        load.speechFailures(), seen, reached, seen == reached ? " They match." : " Not equal by construction: "
            + "the pipeline retries a chunk's speech itself when the provider made one attempt only, a turn that "
            + "failed without speech counts once for all its chunks, and an error may belong to a turn that had "
            + "already failed."));
    if (c.unexpectedPipelineCount() > 0) {
      sb.append("\nUnexpected errors inside the pipeline, one message each:\n\n");
      c.unexpectedPipeline().keySet().forEach(k -> sb.append("- ").append(k).append(": ")
          .append(pipelineErrorExamples.getOrDefault(k, "")).append('\n'));
    }
    sb.append("\n## Series\n\nEach sample is taken with no turn in flight (the clients wait while the last turns "
        + "finish), right after a full GC.\n\n| sample | turns | s | heap after GC MB | threads | active turns |\n"
        + "|---:|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < series.size(); i++) {
      Sample s = series.get(i);
      sb.append(String.format(Locale.ROOT, "| %d | %d | %.1f | %.1f | %d | %d |%n", i, s.turns(), s.seconds(),
          s.heapAfterGcBytes() / 1048576.0, s.threads(), s.activeTurns()));
    }
    return sb.toString();
  }

  private static void row(StringBuilder sb, String what, long n, String byCode) {
    sb.append("| ").append(what).append(" | ").append(n).append(" | ").append(n == 0 ? "" : byCode).append(" |\n");
  }

  /**
   * The soak's figures as a JSON object.
   *
   * @return camelCase keys: {@code passed}, {@code checks}, {@code faults}, {@code integrity}, {@code series} and the headline figures
   */
  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("passed", passed());
    m.put("header", header);
    m.put("turns", load.sent());
    m.put("elapsedSeconds", elapsed.toNanos() / 1e9);
    m.put("samplingSeconds", sampling.toNanos() / 1e9);
    m.put("turnsPerSecond", load.turnsPerSecond());
    double between = (elapsed.toNanos() - sampling.toNanos()) / 1e9;
    m.put("turnsPerSecondBetweenSamples", between > 0 ? load.sent() / between : 0.0);
    m.put("ttfaP50Ms", load.ttfa().p50());
    m.put("ttfaP99Ms", load.ttfa().p99());
    m.put("connectionsPerTenTurns", Double.isNaN(connectionsPerTenTurns()) ? null : connectionsPerTenTurns());
    List<Map<String, Object>> cs = new ArrayList<>();
    for (Check c : checks) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("check", c.name());
      e.put("limit", c.limit());
      e.put("measured", c.measured());
      e.put("passed", c.passed());
      cs.add(e);
    }
    m.put("checks", cs);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("injected", injected);
    f.put("passedOnToPipeline", classification.expectedPipeline());
    f.put("expectedFailedTurns", classification.expectedTurns());
    f.put("chunksWithoutSpeech", load.speechFailures());
    f.put("unexpectedFailedTurns", classification.unexpectedTurns());
    f.put("unexpectedPipelineErrors", classification.unexpectedPipeline());
    f.put("pipelineErrors", pipelineErrors);
    m.put("faults", f);
    Map<String, Object> i = new LinkedHashMap<>();
    i.put("extraEnds", integrity.extraEnds());
    i.put("eventsAfterEnd", integrity.eventsAfterEnd());
    i.put("turnsStarted", integrity.turnsStarted());
    i.put("turnsEnded", integrity.turnsEnded());
    m.put("integrity", i);
    List<Map<String, Object>> ss = new ArrayList<>();
    for (Sample s : series) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("turns", s.turns());
      e.put("seconds", s.seconds());
      e.put("heapAfterGcBytes", s.heapAfterGcBytes());
      e.put("threads", s.threads());
      e.put("activeTurns", s.activeTurns());
      ss.add(e);
    }
    m.put("series", ss);
    return m;
  }

  /**
   * Writes {@code soak.md} (the load test's report and the soak's section) and {@code soak.json} into {@code dir}.
   *
   * @param dir the directory, created when missing
   * @return the two files written
   * @throws UncheckedIOException when they cannot be written
   */
  List<Path> write(Path dir) {
    try {
      Files.createDirectories(dir);
      Path md = dir.resolve("soak.md");
      Path json = dir.resolve("soak.json");
      Files.writeString(md, load.markdown() + markdown(), StandardCharsets.UTF_8);
      Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .writeValueAsString(toJson()) + "\n", StandardCharsets.UTF_8);
      return List.of(md, json);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the soak report to " + dir, e);
    }
  }

  private static String describe(Map<String, Long> counts) {
    return counts.isEmpty() ? "0" : sum(counts) + " (" + LoadReport.byCode(counts) + ")";
  }

  private static long sum(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }
}
