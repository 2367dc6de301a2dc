package dev.officehours.examples.load;

import java.util.Objects;
import java.util.Optional;

/**
 * What the server under test said about itself during a load test: its metrics scraped just
 * before and just after the measured run, and the peaks seen by the scrapes in between.
 *
 * @param url the metrics endpoint scraped
 * @param before the scrape before the run, null when it failed
 * @param after the scrape after the run, null when it failed
 * @param scrapes scrapes that succeeded
 * @param failedScrapes scrapes that failed
 * @param peakHeapUsedBytes the most heap in use any scrape saw, -1 when none said
 * @param peakActiveTurns the most turns in flight any scrape saw, -1 when none said
 * @param peakWebSocketConnections the most open WebSocket connections any scrape saw, -1 when none said
 * @param peakSseConnections the most open SSE streams any scrape saw, -1 when none said
 * @param peakThreads the most live threads any scrape saw, -1 when none said
 * @param peakProcessCpuLoad the highest process CPU load any scrape saw (0..1), NaN when none said
 * @param problem why the first failed scrape failed, empty when none did
 */
public record ServerObservation(String url, ServerMetrics before, ServerMetrics after, int scrapes,
    int failedScrapes, long peakHeapUsedBytes, long peakActiveTurns, long peakWebSocketConnections,
    long peakSseConnections, long peakThreads, double peakProcessCpuLoad, String problem) {

  /**
   * Rejects a null URL or problem.
   *
   * @param url the metrics endpoint scraped
   * @param before the scrape before the run, null when it failed
   * @param after the scrape after the run, null when it failed
   * @param scrapes scrapes that succeeded
   * @param failedScrapes scrapes that failed
   * @param peakHeapUsedBytes the most heap in use any scrape saw, -1 when none said
   * @param peakActiveTurns the most turns in flight any scrape saw, -1 when none said
   * @param peakWebSocketConnections the most open WebSocket connections any scrape saw, -1 when none said
   * @param peakSseConnections the most open SSE streams any scrape saw, -1 when none said
   * @param peakThreads the most live threads any scrape saw, -1 when none said
   * @param peakProcessCpuLoad the highest process CPU load any scrape saw (0..1), NaN when none said
   * @param problem why the first failed scrape failed, empty when none did
   */
  public ServerObservation {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(problem, "problem");
  }

  /**
   * The scrape before the run.
   *
   * @return the server's metrics just before the run, empty when that scrape failed
   */
  public Optional<ServerMetrics> metricsBefore() {
    return Optional.ofNullable(before);
  }

  /**
   * The scrape after the run.
   *
   * @return the server's metrics just after the run, empty when that scrape failed
   */
  public Optional<ServerMetrics> metricsAfter() {
    return Optional.ofNullable(after);
  }

  /**
   * The server's turn counters over the run (after minus before).
   *
   * @return the difference, empty unless both scrapes succeeded; {@code active} and
   *     {@code errorRate} are the run's end state and its failed over finished turns
   */
  public Optional<ServerMetrics.Turns> turnsDuringRun() {
    if (before == null || after == null) {
      return Optional.empty();
    }
    ServerMetrics.Turns a = after.turns();
    ServerMetrics.Turns b = before.turns();
    long completed = ServerMetrics.diff(a.completed(), b.completed());
    long failed = ServerMetrics.diff(a.failed(), b.failed());
    long cancelled = ServerMetrics.diff(a.cancelled(), b.cancelled());
    long finished = Math.max(0, completed) + Math.max(0, failed) + Math.max(0, cancelled);
    java.util.Map<String, Long> errors = new java.util.TreeMap<>();
    a.errors().forEach((code, n) -> {
      long d = n - b.errors().getOrDefault(code, 0L);
      if (d != 0) {
        errors.put(code, d);
      }
    });
    return Optional.of(new ServerMetrics.Turns(ServerMetrics.diff(a.started(), b.started()), completed, cancelled,
        failed, a.active(), finished == 0 || failed < 0 ? 0 : (double) failed / finished, errors));
  }
}
