package dev.officehours.examples.server;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One latency, recorded without locks (HdrHistogram {@link Recorder}) and summarised twice: since
 * the server started and over the last minute or so. Exact percentiles at constant memory; an
 * average would hide the tail that users hear.
 */
final class LatencyWindow {
  private static final long HIGHEST_MICROS = 3_600_000_000L;
  private static final long WINDOW_NANOS = 60_000_000_000L;

  private final Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
  private final Histogram total = new Histogram(HIGHEST_MICROS, 3);
  private final Deque<Interval> recent = new ArrayDeque<>();
  private Histogram recycled;

  private record Interval(long endNanos, Histogram histogram) {}

  void record(double millis) {
    long micros = Math.round(millis * 1000);
    recorder.recordValue(Math.max(0, Math.min(HIGHEST_MICROS, micros)));
  }

  /** Percentiles since the start and over the last minute, in milliseconds. */
  synchronized Summary summary() {
    long now = System.nanoTime();
    Histogram interval = recorder.getIntervalHistogram(recycled);
    recycled = null;
    total.add(interval);
    recent.addLast(new Interval(now, interval));
    while (!recent.isEmpty() && now - recent.peekFirst().endNanos() > WINDOW_NANOS) {
      recycled = recent.pollFirst().histogram();
    }
    Histogram window = new Histogram(HIGHEST_MICROS, 3);
    for (Interval i : recent) {
      window.add(i.histogram());
    }
    return new Summary(stats(total), stats(window));
  }

  record Summary(Map<String, Object> sinceStart, Map<String, Object> recent) {}

  private static Map<String, Object> stats(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", h.getTotalCount());
    if (h.getTotalCount() > 0) {
      m.put("p50", millis(h.getValueAtPercentile(50)));
      m.put("p90", millis(h.getValueAtPercentile(90)));
      m.put("p95", millis(h.getValueAtPercentile(95)));
      m.put("p99", millis(h.getValueAtPercentile(99)));
      m.put("max", millis(h.getMaxValue()));
      m.put("mean", Math.round(h.getMean()) / 1000.0);
    }
    return m;
  }

  private static double millis(long micros) {
    return Math.round(micros / 100.0) / 10.0;
  }
}
