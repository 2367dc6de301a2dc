package dev.officehours.examples.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadReportTest {
  private static final LoadReport.Settings SETTINGS =
      new LoadReport.Settings("closed: 1 x 3", "test", 0, false, false, 0, 3);

  private static TurnSample failedTurn() {
    long now = System.nanoTime();
    return new TurnSample(now, -1, -1, now + 1_000_000, List.of(), 0, 0, false, "http_500", "boom");
  }

  @Test
  void aCounterKeyIsShownInWordsWithItsAcronymsWhole() {
    assertEquals("simulated chat requests", LoadReport.label("simulatedChatRequests"));
    assertEquals("TTFA", LoadReport.label("TTFA"));
    assertEquals("p99 TTFA", LoadReport.label("p99TTFA"));
    assertEquals("http URL count", LoadReport.label("httpURLCount"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void aLatencyCheckWithoutSamplesFailsAsNoData() {
    LoadStats stats = new LoadStats();
    for (int i = 0; i < 3; i++) {
      stats.sent();
      TurnSample s = failedTurn();
      stats.record(s, s.startedNanos());
    }
    LoadReport r = new LoadReport(SETTINGS, stats, Instant.now(), Duration.ofSeconds(1), Map.of(),
        List.of(new LoadReport.GateCheck(LoadReport.GateMetric.P99_TTFA, 60_000),
            new LoadReport.GateCheck(LoadReport.GateMetric.P99_TOTAL, 60_000)));

    assertFalse(r.gatePassed(), "every turn failed: no latency was measured, so the gate cannot pass");
    assertTrue(r.gate().stream().allMatch(LoadReport.GateResult::noData));
    String md = r.markdown();
    assertTrue(md.contains("| p99 TTFA | 60000.0 ms | no data | FAIL |"), md);
    assertTrue(md.contains("p99 TTFA has no data"), md);
    Map<String, Object> gate = ((List<Map<String, Object>>) r.toJson().get("gate")).get(0);
    assertNull(gate.get("actual"));
    assertEquals(true, gate.get("noData"));
  }

  @Test
  void anErrorRateCheckWithoutFinishedTurnsFailsAsNoData() {
    LoadReport r = new LoadReport(SETTINGS, new LoadStats(), Instant.now(), Duration.ofSeconds(1), Map.of(),
        List.of(new LoadReport.GateCheck(LoadReport.GateMetric.ERROR_RATE, 1)));
    assertFalse(r.gatePassed());
    assertTrue(r.gate().get(0).noData());
  }
}
