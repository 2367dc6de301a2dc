package dev.officehours.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The report's arithmetic on hand-made batches: each system against (a), over the bare-HTTP control
 * (z) and over the providers' ideal, and how the ideal follows from the simulator's timing.
 */
class BenchReportTest {
  /** TTFT 300 ms, 20 ms a token, TTS first byte 150 ms, answers at their natural length. */
  private static final SimulatorProcess.SimTiming TIMING = new SimulatorProcess.SimTiming(Duration.ofMillis(300),
      Duration.ofMillis(20), Duration.ZERO, 0, Duration.ofMillis(150), 0.2);
  private static final BenchResults.Ideal IDEAL = new BenchResults.Ideal(500, 600, 1500);

  @Test
  void aSystemsFirstAudioIsComparedWithOfficeHoursAsARatioOfMedians() {
    BenchResults.Level level = level(system("a", 500, 520, 4.0), system("b", 650, 700, 3.0), system("z", 490, 500, 2.0));

    assertEquals("1.30×", cell(level, "b", "TTFA p50 ÷ a"));
    assertEquals("—", cell(level, "a", "TTFA p50 ÷ a"), "a against itself says nothing");
  }

  @Test
  void theOverheadOverTheControlIsTheDifferenceOfMedianAndOfP99InMilliseconds() {
    BenchResults.Level level = level(system("a", 505, 530, 4.0), system("z", 500, 510, 2.0));

    assertEquals("+5.0 / +20.0", cell(level, "a", "TTFA over z p50 / p99"));
    assertEquals("—", cell(level, "z", "TTFA over z p50 / p99"));
  }

  @Test
  void aSystemFasterThanTheOneItIsComparedWithShowsBelowOneAndANegativeOverhead() {
    BenchResults.Level level = level(system("a", 600, 800, 4.0), system("z", 480, 1000, 2.0));

    assertEquals("0.80×", cell(level, "z", "TTFA p50 ÷ a"));
    assertEquals("+120 / -200", cell(level, "a", "TTFA over z p50 / p99"));
  }

  @Test
  void cpuPerTurnIsComparedWithTheControls() {
    BenchResults.Level level = level(system("a", 500, 520, 5.0), system("z", 490, 500, 2.0));

    assertEquals("5.00", cell(level, "a", "CPU ms/turn"));
    assertEquals("2.50×", cell(level, "a", "CPU ÷ z"));
    assertEquals("0.50", cell(level, "a", "of which JIT"), "a tenth of it, as the hand-made batch says");
  }

  @Test
  void theFirstAudioIsComparedWithTheIdealFirstChunk() {
    BenchResults.Level level = level(system("a", 650, 700, 4.0));

    assertEquals("1.30×", cell(level, "a", "TTFA p50 ÷ ideal"));
  }

  @Test
  void withoutOfficeHoursOrTheControlTheirComparisonsStayEmpty() {
    BenchResults.Level level = level(system("b", 650, 700, 3.0));

    assertEquals("—", cell(level, "b", "TTFA p50 ÷ a"));
    assertEquals("—", cell(level, "b", "TTFA over z p50 / p99"));
    assertEquals("—", cell(level, "b", "CPU ÷ z"));
  }

  @Test
  void aLevelsSummarySaysHowMuchLaterEachSystemIsAndWhatOfficeHoursAddsOverTheControl() {
    BenchResults.Level level = level(system("a", 500, 520, 4.0), system("b", 650, 700, 3.0),
        system("z", 490, 500, 2.0));

    assertEquals("- 10 concurrent: first audio (p50) relative to a: b 1.30×, z 0.98×; a over z +10.0 ms p50, "
        + "+20.0 ms p99, CPU 2.00×; a at 1.00× the ideal 500 ms", BenchReport.summary(level));
  }

  @Test
  void theIdealFirstAudioWaitsForTheTokenThatClosesTheFirstChunkThenTheSpeechFirstByte() {
    // tokens: "Hello" " there," " my" " friend." " How" " are" " you" " today?"
    // OfficeHours' chunker closes "Hello there," when " my" arrives (token 2), a sentence splitter
    // "Hello there, my friend." when " How" arrives (token 4); the whole answer ends with token 7
    BenchResults.Ideal ideal = IdealTtfa.of("Hello there, my friend. How are you today?", TIMING);

    assertEquals(300 + 2 * 20 + 150, ideal.firstChunkMillis(), 1e-9);
    assertEquals(300 + 4 * 20 + 150, ideal.firstSentenceMillis(), 1e-9);
    assertEquals(300 + 7 * 20 + 150, ideal.wholeAnswerMillis(), 1e-9);
  }

  @Test
  void theIdealOfALevelIsTheMeanOverTheAnswersItsTurnsGot() {
    BenchResults.Ideal ideal = IdealTtfa.mean(List.of("Hello there, my friend. How are you today?",
        "Hi. Dogs run fast today, cats sleep."), TIMING);

    // the second answer's "Hi." is too short a first chunk: "Hi. Dogs run fast today," closes at token 5
    assertEquals(((300 + 2 * 20 + 150) + (300 + 5 * 20 + 150)) / 2.0, ideal.firstChunkMillis(), 1e-9);
  }

  @Test
  void theIdealFollowsTheSimulatorInStretchingAnAnswerToTheWordsAskedFor() {
    List<String> tokens = IdealTtfa.tokens("One two, three.", 5);

    assertEquals(List.of("One", " two,", " three.", " One", " two."), tokens);
  }

  @Test
  void theReportPutsEveryJavaVersionsTablesAndTheCommandThatMeasuresThemAll() {
    BenchResults java17 = results(17, "/jdk17", level(system("a", 500, 520, 4.0), system("z", 490, 500, 2.0)));
    BenchResults java25 = results(25, "/jdk25", level(system("a", 450, 470, 3.0), system("z", 440, 460, 2.0)));

    BenchReport report = new BenchReport(List.of(java17, java25));
    String md = report.markdown(List.of());

    assertTrue(md.contains("## Java 17, caches off"), md);
    assertTrue(md.contains("## Java 25, caches off"), md);
    assertTrue(md.contains("| | Java 17 | Java 25 |"), md);
    assertEquals("java -jar officehours-examples/target/officehours-examples.jar bench --systems a,z --concurrency 10 --caches off --jdks /jdk25",
        report.command());
  }

  // ---------------------------------------------------------------- hand-made results

  /** Ten turns whose TTFA p50 and p99 are the given values (nearest rank), each 3 s long. */
  private static BatchResult system(String id, double ttfaP50, double ttfaP99, double cpuMsPerTurn) {
    List<Double> ttfa = new ArrayList<>(Collections.nCopies(4, ttfaP50 - 1));
    ttfa.add(ttfaP50);
    ttfa.addAll(Collections.nCopies(4, ttfaP50 + 1));
    ttfa.add(ttfaP99);
    List<Double> total = new ArrayList<>(Collections.nCopies(10, 3000.0));
    return new BatchResult(id, 10, false, ttfa, total, 0, List.of(), cpuMsPerTurn * 1e6, 1e6, 12, 64 * 1024, 0.5,
        900 * 1024, 40, List.of(2.0, 3.0), cpuMsPerTurn * 1e6 / 10);
  }

  private static BenchResults.Level level(BatchResult... systems) {
    List<BenchResults.SystemResult> results = new ArrayList<>();
    for (BatchResult b : systems) {
      results.add(BenchResults.SystemResult.of(b, "system " + b.system()));
    }
    return new BenchResults.Level(10, false, 12.5, 20.0, IDEAL,
        new BenchResults.Simulator(1.5, 0.1, 2.0, 4.0, 6.0, 1000, 0, 20), results);
  }

  private static BenchResults results(int feature, String home, BenchResults.Level level) {
    return new BenchResults(BenchResults.SCHEMA, "2026-01-01T00:00:00Z",
        new BenchResults.Machine(2, "Linux", "a CPU", 8L << 30),
        new BenchResults.Jvm(feature, feature + ".0.1", "vendor", "VM", home, List.of("G1"), 1L << 30, List.of(),
            "threads", 6),
        new BenchResults.Settings(List.of("a", "z"), List.of(10), 3, "off", 300, 20, 5, 64, 150, 0.2, 3, 9, false),
        List.of(level));
  }

  private static String cell(BenchResults.Level level, String system, String column) {
    int i = BenchReport.HEADER.indexOf(column);
    assertTrue(i >= 0, "no column " + column);
    return BenchReport.row(level, BenchReport.system(level, system)).get(i);
  }
}
