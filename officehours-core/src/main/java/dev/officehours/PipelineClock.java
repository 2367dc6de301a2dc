package dev.officehours;

import java.time.Duration;

/**
 * Time as a pipeline sees it: a monotonic clock and a timer. Every time-based decision of the
 * pipeline (the turn deadline, the chunker's idle flush, the speech time budgets, the speech
 * lookahead) reads this clock and waits on its timer, so a test can move time forward instead of
 * waiting for it (the role Caffeine's {@code Ticker} plays for a cache).
 *
 * <p>The default, {@link #system()}, is {@link System#nanoTime()} with one daemon timer thread per
 * pipeline, stopped by {@link ConversationPipeline#close()}. An implementation must be thread-safe;
 * scheduled tasks must be run off the caller's stack (they only enqueue work and return).
 */
public interface PipelineClock {

  /** A scheduled task that can still be called off. */
  @FunctionalInterface
  interface Timer {
    /** Calls the task off if it has not run yet; a no-op otherwise. */
    void cancel();
  }

  /**
   * The current time of this clock.
   *
   * @return nanoseconds from an arbitrary origin, never decreasing
   */
  long nanoTime();

  /**
   * Runs {@code task} once this clock has advanced by {@code delay}.
   *
   * @param task what to run; must be fast
   * @param delay how long from now, zero or positive
   * @return a handle to call it off
   */
  Timer schedule(Runnable task, Duration delay);

  /**
   * The real clock: {@link System#nanoTime()} and a timer thread owned by the pipeline that uses it.
   *
   * @return a marker the builder replaces with a clock of the pipeline's own
   */
  static PipelineClock system() {
    return SystemClock.MARKER;
  }
}
