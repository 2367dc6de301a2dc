package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FirstAudioEstimateTest {
  static final long MS = 1_000_000L;
  static final long CONFIGURED = 5_000 * MS;
  static final long TOTAL = 15_000 * MS;
  /** The pipeline clock: every sample and cut a millisecond after the last, started at that time. */
  long clock;

  @Test
  void withoutSamplesTheConfiguredLimitHolds() {
    assertEquals(CONFIGURED, new FirstAudioEstimate().limit(CONFIGURED, TOTAL));
  }

  @Test
  void fastSynthesesKeepTheConfiguredLimitSoAHungOneIsStillCutThere() {
    FirstAudioEstimate e = new FirstAudioEstimate();
    for (int i = 0; i < 200; i++) {
      e.sample(clock += MS, (150 + (i % 7) * 40) * MS); // 150-390 ms, a healthy provider
    }
    assertEquals(CONFIGURED, e.limit(CONFIGURED, TOTAL));
  }

  @Test
  void slowerSynthesesRaiseTheLimitToTheSmoothedTimePlusFourDeviations() {
    FirstAudioEstimate e = new FirstAudioEstimate();
    e.sample(clock += MS, 1_900 * MS); // smoothed 1.9 s, deviation 0.95 s (RFC 6298's first sample)
    assertEquals((1_900 + 4 * 950) * MS, e.limit(CONFIGURED, TOTAL));
    for (int i = 0; i < 100; i++) {
      e.sample(clock += MS, (i % 2 == 0 ? 2_000 : 6_000) * MS); // a loaded machine: 2 s and 6 s
    }
    long limit = e.limit(CONFIGURED, TOTAL);
    assertTrue(limit > 6_000 * MS && limit < TOTAL, "between the slow samples and the total: " + limit / MS);
  }

  @Test
  void eachCutDoublesTheLimitUpTo8TimesUntilASynthesisBringsAudio() {
    FirstAudioEstimate e = new FirstAudioEstimate();
    long total = 60_000 * MS;
    for (int i = 0; i < 100; i++) {
      e.sample(clock += MS, 300 * MS);
    }
    assertEquals(CONFIGURED, e.limit(CONFIGURED, total));
    e.cut(clock += MS, clock - 1);
    assertEquals(2 * CONFIGURED, e.limit(CONFIGURED, total));
    e.cut(clock += MS, clock - 1);
    e.cut(clock += MS, clock - 1);
    assertEquals(8 * CONFIGURED, e.limit(CONFIGURED, total));
    e.cut(clock += MS, clock - 1);
    assertEquals(8 * CONFIGURED, e.limit(CONFIGURED, total), "at most 8x");
    assertEquals(TOTAL, e.limit(CONFIGURED, TOTAL), "and never past the total");
    e.sample(clock += MS, 300 * MS); // one synthesis brought audio: back to the estimate at once
    assertEquals(CONFIGURED, e.limit(CONFIGURED, total));
  }

  @Test
  void aSynthesisStartedBeforeTheCutDoesNotEndTheBackOff() {
    FirstAudioEstimate e = new FirstAudioEstimate();
    long total = 60_000 * MS;
    e.sample(0, 300 * MS);
    long startedBefore = 1_000 * MS;
    e.cut(5_000 * MS, 0);
    e.cut(10_000 * MS, 5_000 * MS + 1); // started after the first cut: doubles again
    assertEquals(4 * CONFIGURED, e.limit(CONFIGURED, total));
    e.sample(startedBefore, 4_500 * MS); // slow, but it started before the cuts: still backed off
    assertTrue(e.limit(CONFIGURED, total) >= 4 * CONFIGURED);
    e.sample(11_000 * MS, 300 * MS); // started after them: over
    assertTrue(e.limit(CONFIGURED, total) < 4 * CONFIGURED);
  }

  @Test
  void synthesesHungTogetherBackOffOnce() {
    FirstAudioEstimate e = new FirstAudioEstimate();
    e.sample(0, 300 * MS);
    e.cut(5_000 * MS, 0);
    e.cut(5_001 * MS, 1 * MS); // started before the first cut: the same incident
    e.cut(5_002 * MS, 2 * MS);
    assertEquals(2 * CONFIGURED, e.limit(CONFIGURED, 60_000 * MS));
  }

  @Test
  void whatIsLeftOfTheTotalBelowTheConfiguredLimitLeavesTheConfiguredOne() {
    FirstAudioEstimate e = new FirstAudioEstimate();
    e.cut(clock += MS, clock - 1);
    assertEquals(CONFIGURED, e.limit(CONFIGURED, 3_000 * MS));
  }

  @Test
  void theTotalBudgetStretchesByTheFactorTheFirstAudioLimitIsRaisedByAtMost8Times() {
    FirstAudioEstimate e = new FirstAudioEstimate();
    assertEquals(TOTAL, e.total(CONFIGURED, TOTAL));
    for (int i = 0; i < 100; i++) {
      e.sample(clock += MS, 300 * MS);
    }
    assertEquals(TOTAL, e.total(CONFIGURED, TOTAL), "healthy: the configured total");
    e.cut(clock += MS, clock - 1);
    assertEquals(2 * TOTAL, e.total(CONFIGURED, TOTAL));
    for (int i = 0; i < 5; i++) {
      e.cut(clock += MS, clock - 1);
    }
    assertEquals(8 * TOTAL, e.total(CONFIGURED, TOTAL));
    e.sample(clock += MS, 300 * MS);
    assertEquals(TOTAL, e.total(CONFIGURED, TOTAL));
  }

  @Test
  void neverPastTheTotalBudget() {
    FirstAudioEstimate e = new FirstAudioEstimate();
    for (int i = 0; i < 50; i++) {
      e.sample(clock += MS, (i % 2 == 0 ? 1_000 : 14_000) * MS);
    }
    assertEquals(TOTAL, e.limit(CONFIGURED, TOTAL));
  }

  @Test
  void theLimitComesBackDownOnceSynthesesAreFastAgain() {
    FirstAudioEstimate e = new FirstAudioEstimate();
    for (int i = 0; i < 50; i++) {
      e.sample(clock += MS, (i % 2 == 0 ? 2_000 : 6_000) * MS);
    }
    assertTrue(e.limit(CONFIGURED, TOTAL) > CONFIGURED);
    for (int i = 0; i < 100; i++) {
      e.sample(clock += MS, 300 * MS);
    }
    assertEquals(CONFIGURED, e.limit(CONFIGURED, TOTAL));
  }
}
