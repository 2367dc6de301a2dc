package dev.officehours;

/**
 * How long this pipeline's syntheses have recently taken to their first audio, and the limit that
 * follows from it, set the way TCP sets its retransmission timer (RFC 6298).
 *
 * <p>The times of syntheses that brought audio are smoothed (a mean with gain 1/8, a mean
 * deviation with gain 1/4); a chunk's first-audio limit is the configured one ({@code
 * speechTimeouts}), raised while recent syntheses have been slower to the smoothed time plus four
 * deviations. A synthesis cut at the limit is not a sample (Karn's rule: how long it would have
 * taken is unknown); instead it doubles a back-off factor on the limit (up to 8×), which the next
 * synthesis started after the cut that brings audio resets (as TCP keeps a backed-off timer until
 * data sent after it is acknowledged: a synthesis that started before the cut says nothing of how
 * things are since). The limit never passes the chunk's total budget, which is
 * stretched by the factor the limit is raised by ({@link #total}), and it ends a second before
 * the turn's deadline at the latest (the caller's part).
 *
 * <p>So a load that slows every synthesis at once (a busy provider, or a client machine so loaded
 * that its threads read the sockets late) does not turn into a storm of cuts, retries on new
 * connections and dropped speech, each of which loads the machine further; while one synthesis
 * hung among healthy ones is still cut at the configured limit, and the pipeline is back to it
 * as soon as one synthesis succeeds. The price: while cuts pile up with no synthesis succeeding
 * (a provider that hangs every call), the ones already waiting are cut later, up to the total.
 */
final class FirstAudioEstimate {
  private static final int MAX_BACKOFF = 8;
  private long smoothed = -1;
  private long deviation;
  private int backoff = 1;
  private long lastCut = Long.MIN_VALUE;
  private boolean cutYet;

  /**
   * A synthesis started at {@code startedAt} (the pipeline clock's nanoseconds) brought its first
   * audio {@code nanos} later.
   */
  synchronized void sample(long startedAt, long nanos) {
    if (!cutYet || startedAt - lastCut > 0) {
      backoff = 1;
    }
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
   * A synthesis started at {@code startedAt} was cut at its first-audio limit at {@code now}: back
   * off, once for a burst of cuts (Karn's rule again: only a synthesis started after the last cut
   * doubles the factor, so three calls hung together count once).
   */
  synchronized void cut(long now, long startedAt) {
    if (!cutYet || startedAt - lastCut > 0) {
      backoff = Math.min(MAX_BACKOFF, backoff * 2);
    }
    lastCut = now;
    cutYet = true;
  }

  /**
   * A chunk's total budget now: the configured one, stretched by the factor the first-audio limit
   * is raised by now, estimate and back-off together (at most 8×). A machine so loaded that first audio comes late also reads the
   * rest of the audio late; cutting chunks mid-sentence there would lose audio and, by closing
   * their connections, load it further.
   *
   * @param configuredFirst the configured first-audio limit
   * @param total the configured total budget
   * @return the total budget in nanoseconds, at least {@code total}
   */
  synchronized long total(long configuredFirst, long total) {
    long base = smoothed < 0 ? configuredFirst : Math.max(configuredFirst, smoothed + 4 * deviation);
    double factor = Math.min(MAX_BACKOFF, (double) base / configuredFirst * backoff);
    return (long) (total * factor);
  }

  /**
   * The first-audio limit now.
   *
   * @param configured the configured limit, the least it can be
   * @param total the most it can be (what is left of the chunk's total budget)
   * @return a limit in nanoseconds: {@code configured} when {@code total} is below it
   */
  synchronized long limit(long configured, long total) {
    long base = smoothed < 0 ? configured : Math.max(configured, smoothed + 4 * deviation);
    return Math.max(configured, Math.min(total, Math.min(total, base) * backoff));
  }
}
