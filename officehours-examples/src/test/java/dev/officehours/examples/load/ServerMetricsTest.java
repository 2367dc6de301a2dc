package dev.officehours.examples.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerMetricsTest {
  /** The example document of docs/http-api.md, with the server's per-code failures. */
  private static String document(long started, long completed, long failed, long ttsHits, long heapUsed) {
    return """
        {"mode": "demo", "uptimeSeconds": 812,
         "turns": {"started": %d, "completed": %d, "cancelled": 2, "failed": %d, "active": 0, "errorRate": 0.0083,
                   "errors": {"llm_error": %d}},
         "latency": {"ttftMs": {"count": 117, "p50": 251.3, "p90": 270.1, "p99": 301.0, "max": 310.2},
                     "ttfaMs": {"count": 117, "p50": 601.5, "p90": 650.0, "p99": 700.25, "max": 720.0},
                     "totalMs": {"count": 117, "p50": 3001.0, "p90": 3500.0, "p99": 3900.0, "max": 4000.0}},
         "recent": {"windowSeconds": 60, "ttftMs": {"count": 0}, "ttfaMs": {"count": 0}, "totalMs": {"count": 0}},
         "caches": {"tts": {"hits": %d, "misses": 80, "hitRate": 0.33}, "answer": {"hits": 1, "misses": 9},
                    "history": {"hits": 0, "misses": 0}},
         "connections": {"websocket": 3, "sse": 0},
         "jvm": {"heapUsedBytes": %d, "heapMaxBytes": 536870912, "processCpuLoad": -1, "threads": 41}}
        """.formatted(started, completed, failed, failed, ttsHits, heapUsed);
  }

  @Test
  void theDocumentedMetricsAreRead() {
    ServerMetrics m = ServerMetrics.parse(document(120, 117, 1, 40, 73_400_320));

    assertEquals("demo", m.mode());
    assertEquals(new ServerMetrics.Turns(120, 117, 2, 1, 0, 0.0083, Map.of("llm_error", 1L)), m.turns());
    assertEquals(new ServerMetrics.Latency(117, 601.5, 650.0, 700.25, 720.0), m.ttfaMs());
    assertEquals(0, m.recentTtfaMs().count());
    assertTrue(Double.isNaN(m.recentTtfaMs().p50()), "no turns in the window: no percentiles");
    assertEquals(60, m.recentWindowSeconds());
    assertEquals(new ServerMetrics.Cache(40, 80), m.ttsCache());
    assertEquals(1 / 3.0, m.ttsCache().hitRate(), 1e-9);
    assertTrue(Double.isNaN(m.historyCache().hitRate()), "no lookups: no hit rate");
    assertEquals(3, m.websocketConnections());
    assertEquals(73_400_320, m.jvm().heapUsedBytes());
    assertTrue(Double.isNaN(m.jvm().processCpuLoad()), "the JVM's -1 means it could not tell");
    assertEquals("demo", m.raw().get("mode"));
  }

  @Test
  void whatTheServerDoesNotSendReadsAsNotAvailable() {
    ServerMetrics m = ServerMetrics.parse("{\"turns\": {\"started\": 5}}");

    assertEquals(5, m.turns().started());
    assertEquals(-1, m.turns().completed());
    assertEquals(-1, m.jvm().heapUsedBytes());
    assertEquals(0, m.ttfaMs().count());
    assertEquals(new ServerMetrics.Cache(-1, -1).since(new ServerMetrics.Cache(3, 4)), new ServerMetrics.Cache(-1, -1));
  }

  @Test
  void aBodyThatIsNotAJsonObjectIsRefusedWithAClearMessage() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerMetrics.parse("<html>"));
    assertTrue(e.getMessage().contains("not JSON"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ServerMetrics.parse("[1, 2]"));
    assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
  }

  @Test
  void theReportShowsTheServersTurnsCachesAndPeaksOverTheRun() {
    ServerMetrics before = ServerMetrics.parse(document(100, 99, 1, 10, 50_000_000));
    ServerMetrics after = ServerMetrics.parse(document(150, 147, 3, 25, 200_000_000));
    ServerObservation o = new ServerObservation("http://127.0.0.1:5001/chat/metrics", before, after, 12, 0,
        520_000_000, 50, 50, 0, 90, 0.75, "");
    LoadReport r = new LoadReport(LoadReport.Settings.remote("closed", "server", 0.3), new LoadStats(), Instant.now(),
        Duration.ofSeconds(10), Map.of(), List.of(), o);

    ServerMetrics.Turns during = o.turnsDuringRun().orElseThrow();
    assertEquals(50, during.started());
    assertEquals(48, during.completed());
    assertEquals(Map.of("llm_error", 2L), during.errors());
    String md = r.markdown();
    assertTrue(md.contains("| 50 | 48 | 0 | 2 | 4.00 % | 0 |"), md);
    assertTrue(md.contains("Failed on the server, by code: llm_error 2 ("), md);
    assertTrue(md.contains("| TTS | 15 | 0 | 100.0 % |"), md);
    assertTrue(md.contains("heap 191 MB used of 512 MB (peak seen 496 MB)"), md);
    assertTrue(md.contains("process CPU n/a (peak 75.0 %)"), md);
    assertTrue(r.recommendations().stream().anyMatch(s -> s.startsWith("The server's heap peaked at 496 MB")),
        r.recommendations().toString());
    @SuppressWarnings("unchecked")
    Map<String, Object> json = (Map<String, Object>) r.toJson().get("server");
    assertEquals(520_000_000L, ((Map<?, ?>) json.get("peaks")).get("heapUsedBytes"));
    assertEquals(after.raw(), json.get("after"));
  }
}
