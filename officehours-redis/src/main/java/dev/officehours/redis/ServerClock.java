package dev.officehours.redis;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Redis's clock as seen from this JVM: the offset between the server's {@code TIME} (µs since the
 * epoch) and {@link System#nanoTime()}, measured by one round trip. The true offset lies within
 * {@code ±uncertainty} of the measured one at the moment of measuring; afterwards the clocks may
 * drift apart by at most {@link #DRIFT_PPM} (the fastest an NTP daemon slews), so the uncertainty
 * grows with age. A clock <em>step</em> on the Redis host is outside this model.
 *
 * @param offsetMicros server µs minus {@code nanoTime / 1000} at the same instant
 * @param uncertaintyMicros half the round trip of the measurement, plus the µs resolution of TIME
 * @param measuredAtNanos {@code nanoTime} when the answer arrived
 */
record ServerClock(long offsetMicros, long uncertaintyMicros, long measuredAtNanos) {
  static final long DRIFT_PPM = 500;

  /** The clock from a {@code TIME} reply sent at {@code sentNanos} and answered at {@code receivedNanos}. */
  static ServerClock fromTime(List<byte[]> time, long sentNanos, long receivedNanos) {
    long serverMicros = Long.parseLong(new String(time.get(0), StandardCharsets.US_ASCII)) * 1_000_000L
        + Long.parseLong(new String(time.get(1), StandardCharsets.US_ASCII));
    long roundTrip = receivedNanos - sentNanos;
    long middle = sentNanos + roundTrip / 2;
    return new ServerClock(serverMicros - Math.floorDiv(middle, 1000), roundTrip / 2000 + 1, receivedNanos);
  }

  /** The server's time, in µs since the epoch, at {@code nanoTime} (best estimate). */
  long serverMicros(long nanoTime) {
    return Math.floorDiv(nanoTime, 1000) + offsetMicros;
  }

  /** How far {@link #serverMicros} may be off at {@code nanoTime}. */
  long uncertaintyMicros(long nanoTime) {
    return uncertaintyMicros + Math.max(0, nanoTime - measuredAtNanos) / (1_000_000_000L / DRIFT_PPM);
  }

  /** This clock or {@code fresh}, whichever is the more certain now. */
  ServerClock better(ServerClock fresh) {
    return fresh.uncertaintyMicros <= uncertaintyMicros(fresh.measuredAtNanos) ? fresh : this;
  }
}
