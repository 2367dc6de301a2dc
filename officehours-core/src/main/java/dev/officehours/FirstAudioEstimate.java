package dev.officehours;

/**
 * How long this pipeline's syntheses have recently taken to their first audio, smoothed the way
 * TCP smooths round-trip times (RFC 6298: a mean with gain 1/8, a mean deviation with gain 1/4).
 *
 * <p>A chunk's first-audio limit is the configured one ({@code speechTimeouts}), raised while
 * recent syntheses have been slow to the smoothed time plus four deviations, and never past the
 * chunk's total budget. A load that slows every synthesis at once (a busy provider, or a client
 * machine so loaded that its threads read the sockets late) then does not turn into timeouts,
 * retries on new connections and dropped speech, each of which loads the machine further; while
 * one synthesis hung among healthy ones is still cut at the configured limit. A synthesis cut at
 * its limit counts as a sample of that limit (it took at least that long): when many are cut at
 * once the next ones get longer, as TCP backs off its retransmission timer; one cut among healthy
 * ones raises the limit only until a few fast samples have brought it back.
 */
final class FirstAudioEstimate {
  private long smoothed = -1;
  private long deviation;

  /** A synthesis brought its first audio {@code nanos} after it started. */
  synchronized void sample(long nanos) {
    if (smoothed < 0) {
      smoothed = nanos;
      deviation = nanos / 2;
      return;
    }
    long error = nanos - smoothed;
    smoothed += error / 8;
    deviation += (Math.abs(error) - deviation) / 4;
  }

  /**
   * The first-audio limit now.
   *
   * @param configured the configured limit, the least it can be
   * @param total the chunk's whole budget, the most it can be
   * @return a limit in nanoseconds within those two
   */
  synchronized long limit(long configured, long total) {
    if (smoothed < 0) {
      return configured;
    }
    return Math.min(total, Math.max(configured, smoothed + 4 * deviation));
  }
}
