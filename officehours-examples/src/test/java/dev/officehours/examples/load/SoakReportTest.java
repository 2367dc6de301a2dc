package dev.officehours.examples.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The soak's verdicts, on hand-made figures: which errors are expected, and what flat means. */
class SoakReportTest {
  private static final long MB = 1024 * 1024;
  private static final Map<String, Long> INJECTED = Map.of("overloaded", 3L, "rate_limit_exceeded", 4L,
      "simulated_stream_error", 2L);
  private static final SoakReport.Integrity CLEAN = new SoakReport.Integrity(0, 0, 100, 100);

  /** Twenty samples after the first whose heap after GC follows {@code heapMb(i)}, with 80 threads each. */
  private static List<SoakReport.Sample> series(java.util.function.IntToDoubleFunction heapMb) {
    List<SoakReport.Sample> s = new ArrayList<>();
    for (int i = 0; i <= 20; i++) {
      s.add(new SoakReport.Sample(i * 500L, i * 10.0, (long) (heapMb.applyAsDouble(i) * MB), 80, 0));
    }
    return s;
  }

  private static boolean allPass(List<SoakReport.Check> checks) {
    return checks.stream().allMatch(SoakReport.Check::passed);
  }

  private static SoakReport.Classification noErrors() {
    return SoakReport.classify(INJECTED, Map.of(), Map.of());
  }

  @Test
  void aFlatSeriesWithoutErrorsPasses() {
    // noise of +-1 MB around 40 MB: flat
    List<SoakReport.Check> checks = SoakReport.checks(noErrors(), CLEAN, series(i -> 40 + (i % 3 - 1)), 0.10, 16);

    assertTrue(allPass(checks), checks.toString());
  }

  @Test
  void aHeapThatGrowsTwentyPercentFailsTheHeapCheck() {
    // 40 MB rising steadily to 48 MB (+20 %): the last quarter's mean is 16 % above the first quarter's
    SoakReport.Check heap = SoakReport.heapFlat(series(i -> 40 + 0.4 * i), 0.10);

    assertFalse(heap.passed(), heap.toString());
    assertTrue(heap.measured().contains("+1"), "the growth is shown: " + heap.measured());
    assertFalse(allPass(SoakReport.checks(noErrors(), CLEAN, series(i -> 40 + 0.4 * i), 0.10, 16)));
  }

  @Test
  void theHeapCheckComparesQuarterMeansSoOneHighSampleInTheMiddleDoesNotFailIt() {
    SoakReport.Check heap = SoakReport.heapFlat(series(i -> i == 10 ? 80 : 40), 0.10);

    assertTrue(heap.passed(), heap.toString());
  }

  @Test
  void aHeapThatShrinksPasses() {
    SoakReport.Check heap = SoakReport.heapFlat(series(i -> 60 - i), 0.10);

    assertTrue(heap.passed(), "a shrinking heap leaks nothing: " + heap);
  }

  @Test
  void fewerThanFourSamplesFailTheHeapCheck() {
    SoakReport.Check heap = SoakReport.heapFlat(series(i -> 40).subList(0, 3), 0.10);

    assertFalse(heap.passed());
    assertEquals("only 3 samples", heap.measured());
  }

  @Test
  void threadsMayGrowByTheAllowanceAndNoMore() {
    List<SoakReport.Sample> s = new ArrayList<>(series(i -> 40));
    SoakReport.Sample last = s.get(s.size() - 1);
    s.set(s.size() - 1, new SoakReport.Sample(last.turns(), last.seconds(), last.heapAfterGcBytes(), 96, 0));

    assertTrue(SoakReport.threadsFlat(s, 16).passed());
    assertFalse(SoakReport.threadsFlat(s, 15).passed());
    assertEquals("80 -> 96", SoakReport.threadsFlat(s, 16).measured());
  }

  @Test
  void failedTurnsAndPipelineErrorsWithInjectedCodesAreExpected() {
    SoakReport.Classification c = SoakReport.classify(INJECTED,
        Map.of("simulated_stream_error", 2L, "overloaded", 1L),
        Map.of("llm:simulated_stream_error", 2L, "llm:overloaded", 1L, "tts:rate_limit_exceeded", 3L));

    assertEquals(3, c.expectedTurnCount());
    assertEquals(0, c.unexpectedTurnCount());
    assertEquals(6, c.expectedPipelineCount());
    assertEquals(0, c.unexpectedPipelineCount());
    assertTrue(allPass(SoakReport.checks(c, CLEAN, series(i -> 40), 0.10, 16)));
  }

  @Test
  void anErrorNoInjectedFaultExplainsFailsTheSoak() {
    SoakReport.Classification c = SoakReport.classify(INJECTED,
        Map.of("simulated_stream_error", 2L, "turn_timeout", 1L),
        Map.of("llm:simulated_stream_error", 2L, "llm:turn_timeout", 1L));

    assertEquals(Map.of("turn_timeout", 1L), c.unexpectedTurns());
    assertEquals(Map.of("llm:turn_timeout", 1L), c.unexpectedPipeline());
    List<SoakReport.Check> checks = SoakReport.checks(c, CLEAN, series(i -> 40), 0.10, 16);
    assertFalse(checks.get(0).passed(), checks.get(0).toString());
    assertFalse(checks.get(1).passed(), checks.get(1).toString());
    assertFalse(allPass(checks));
  }

  @Test
  void moreErrorsOfACodeThanFaultsOfItAreUnexpected() {
    // three overloaded faults were injected: a fourth overloaded error has another cause
    SoakReport.Classification c = SoakReport.classify(INJECTED, Map.of("overloaded", 4L),
        Map.of("llm:overloaded", 4L));

    assertEquals(Map.of("overloaded", 3L), c.expectedTurns());
    assertEquals(1, c.unexpectedTurnCount(), c.toString());
    assertEquals(1, c.unexpectedPipelineCount(), c.toString());
  }

  @Test
  void aTurnWithoutSpeechIsExpectedOnlyUpToTheSpeechFaultsThatReachedThePipeline() {
    SoakReport.Classification c = SoakReport.classify(INJECTED, Map.of("tts_error", 3L),
        Map.of("tts:rate_limit_exceeded", 2L));

    assertEquals(Map.of("tts_error", 2L), c.expectedTurns());
    assertEquals(1, c.unexpectedTurnCount(), c.toString());
  }

  @Test
  void aTurnThatEndedTwiceOrNeverEndedFailsTheSoak() {
    List<SoakReport.Sample> flat = series(i -> 40);

    assertFalse(allPass(SoakReport.checks(noErrors(), new SoakReport.Integrity(1, 0, 100, 100), flat, 0.10, 16)));
    assertFalse(allPass(SoakReport.checks(noErrors(), new SoakReport.Integrity(0, 2, 100, 100), flat, 0.10, 16)));
    assertFalse(allPass(SoakReport.checks(noErrors(), new SoakReport.Integrity(0, 0, 100, 99), flat, 0.10, 16)));
  }

  @Test
  void aTurnStillActiveAtADrainedSampleFailsTheSoak() {
    List<SoakReport.Sample> s = new ArrayList<>(series(i -> 40));
    s.set(5, new SoakReport.Sample(2500, 50, 40 * MB, 80, 1));

    List<SoakReport.Check> checks = SoakReport.checks(noErrors(), CLEAN, s, 0.10, 16);
    assertFalse(allPass(checks), checks.toString());
  }
}
