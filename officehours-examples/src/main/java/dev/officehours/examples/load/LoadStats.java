package dev.officehours.examples.load;

import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Records every turn of a load test as it completes, from many threads at once: latencies in
 * HdrHistograms (microseconds, 3 significant digits, up to one hour), counts in adders.
 *
 * <p>Latencies of a turn are measured from its <em>intended</em> send time, so in the open model
 * a turn the tester could not send on time counts its wait (no coordinated omission). Only turns
 * that completed contribute latencies; failed turns are counted by error code.
 */
final class LoadStats {
  private static final long HIGHEST_MICROS = 3_600_000_000L;
  /** A turn sent this much after its scheduled time counts as late. */
  static final long LATE_NANOS = 10_000_000;

  final Histogram ttft = histogram();
  final Histogram ttfa = histogram();
  final Histogram total = histogram();
  final Histogram gaps = histogram();
  /** The server's own TTFA of each turn, and what the client saw on top of it (server targets only). */
  final Histogram serverTtfa = histogram();
  final Histogram ttfaOverServer = histogram();
  final Histogram ttftOverServer = histogram();
  final Histogram accepted = histogram();
  final Histogram audioBytes = new ConcurrentHistogram(1L << 40, 3);
  final LongAdder sent = new LongAdder();
  final LongAdder completed = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder chunks = new LongAdder();
  final LongAdder ttsCacheHits = new LongAdder();
  final LongAdder answerCacheHits = new LongAdder();
  final LongAdder bytes = new LongAdder();
  final LongAdder late = new LongAdder();
  final LongAdder speechFailures = new LongAdder();
  final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  /** The first message seen for each error code: what a reader needs to tell causes apart. */
  final Map<String, String> errorExamples = new ConcurrentHashMap<>();

  private static Histogram histogram() {
    return new ConcurrentHistogram(HIGHEST_MICROS, 3);
  }

  /** Counts a turn as sent; call before the target sees it. */
  void sent() {
    sent.increment();
  }

  /**
   * Records one finished turn.
   *
   * @param s what was observed
   * @param intendedNanos when the turn was meant to be sent ({@link System#nanoTime()})
   */
  void record(TurnSample s, long intendedNanos) {
    if (s.startedNanos() - intendedNanos > LATE_NANOS) {
      late.increment();
    }
    if (s.failed()) {
      failed.increment();
      errors.computeIfAbsent(s.errorCode(), k -> new LongAdder()).increment();
      errorExamples.putIfAbsent(s.errorCode(), s.errorMessage());
      return;
    }
    completed.increment();
    if (s.firstTokenNanos() >= 0) {
      ttft.recordValue(micros(s.firstTokenNanos() - intendedNanos));
    }
    if (s.firstAudioNanos() >= 0) {
      ttfa.recordValue(micros(s.firstAudioNanos() - intendedNanos));
    }
    total.recordValue(micros(s.endedNanos() - intendedNanos));
    if (!Double.isNaN(s.serverTtfaMillis()) && s.firstAudioNanos() >= 0) {
      serverTtfa.recordValue(micros((long) (s.serverTtfaMillis() * 1e6)));
      // from the turn's real send, not its schedule: what the server and the wire add, not the sender's lateness
      ttfaOverServer.recordValue(micros(s.firstAudioNanos() - s.startedNanos() - (long) (s.serverTtfaMillis() * 1e6)));
    }
    if (s.acceptedNanos() >= 0) {
      accepted.recordValue(micros(s.acceptedNanos() - s.startedNanos()));
    }
    if (!Double.isNaN(s.serverTtftMillis()) && s.firstTokenNanos() >= 0) {
      ttftOverServer.recordValue(micros(s.firstTokenNanos() - s.startedNanos() - (long) (s.serverTtftMillis() * 1e6)));
    }
    for (long g : s.interChunkGapsNanos()) {
      gaps.recordValue(micros(g));
    }
    audioBytes.recordValue(Math.min(s.audioBytes(), audioBytes.getHighestTrackableValue()));
    chunks.add(s.chunks().size());
    speechFailures.add(s.speechFailures());
    ttsCacheHits.add(s.ttsCacheHits());
    bytes.add(s.audioBytes());
    if (s.answerFromCache()) {
      answerCacheHits.increment();
    }
  }

  /** Turns sent so far. */
  long sentCount() {
    return sent.sum();
  }

  /** Turns finished so far (completed or failed). */
  long finishedCount() {
    return completed.sum() + failed.sum();
  }

  /** Turns failed so far. */
  long failedCount() {
    return failed.sum();
  }

  /** The p99 time to first audio so far, in milliseconds; empty before any turn had audio. */
  OptionalDouble p99TtfaMillis() {
    return ttfa.getTotalCount() == 0 ? OptionalDouble.empty() : OptionalDouble.of(ttfa.getValueAtPercentile(99) / 1000.0);
  }

  Map<String, Long> errorCounts() {
    Map<String, Long> m = new TreeMap<>();
    errors.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  Map<String, String> errorExamples() {
    return new TreeMap<>(errorExamples);
  }

  private static long micros(long nanos) {
    return Math.min(HIGHEST_MICROS, Math.max(0, nanos / 1_000));
  }
}
