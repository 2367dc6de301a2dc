package dev.officehours.examples.server;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One latency, recorded without locks (HdrHistogram {@link Recorder}) and summarised twice: since
 * the server started and over the last minute. Exact percentiles at constant memory; an average
 * would hide the tail users hear. The minute is six 10-second buckets rotated by the clock, so
 * however often it is read, memory and the cost of a read stay fixed.
 */
final class LatencyWindow {
  /** Latencies above ten minutes are recorded as ten minutes. */
  private static final long HIGHEST_MICROS = 600_000_000L;
  private static final int DIGITS = 2;
  private static final int BUCKETS = 6;
  private static final long BUCKET_NANOS = 10_000_000_000L;

  private final Recorder recorder = new Recorder(HIGHEST_MICROS, DIGITS);
  private final Histogram total = new Histogram(HIGHEST_MICROS, DIGITS);
  private final Histogram[] buckets = new Histogram[BUCKETS];
  private final long[] bucketNumbers = new long[BUCKETS];
  private final Histogram window = new Histogram(HIGHEST_MICROS, DIGITS);
  private Histogram interval;

  LatencyWindow() {
    for (int i = 0; i < BUCKETS; i++) {
      buckets[i] = new Histogram(HIGHEST_MICROS, DIGITS);
      bucketNumbers[i] = -1;
    }
  }

  void record(double millis) {
    long micros = Math.round(millis * 1000);
    recorder.recordValue(Math.max(0, Math.min(HIGHEST_MICROS, micros)));
  }

  /** Percentiles since the start and over the last minute, in milliseconds. */
  synchronized Summary summary() {
    long bucket = System.nanoTime() / BUCKET_NANOS;
    interval = recorder.getIntervalHistogram(interval);
    total.add(interval);
    int slot = (int) Math.floorMod(bucket, (long) BUCKETS);
    if (bucketNumbers[slot] != bucket) {
      buckets[slot].reset();
      bucketNumbers[slot] = bucket;
    }
    buckets[slot].add(interval);
    window.reset();
    for (int i = 0; i < BUCKETS; i++) {
      if (bucketNumbers[i] > bucket - BUCKETS) {
        window.add(buckets[i]);
      }
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
