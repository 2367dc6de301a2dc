package dev.officehours.examples.load;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How a load test sends its turns: a {@link Closed closed} or an {@link Open open} model (see
 * {@code docs/load-testing.md}, "Load models").
 */
public sealed interface LoadPlan {

  /**
   * Says what the plan does, for the report.
   *
   * @return the plan in words, e.g. {@code closed model, 100 concurrent clients x 5 turns}
   */
  String describe();

  /**
   * The closed model: {@code clients} simulated users, each sending its next question only when
   * the previous answer has finished ({@code --latency-tests N} is one client asking N times).
   * Measures what a waiting user sees; under overload it slows the offered load down with the
   * system, so it can hide tail latency.
   *
   * <p>Real users do not all ask at the same instant, nor the moment an answer ends: a ramp-up
   * spreads the clients' first questions evenly over its span, and a think time is each client's
   * pause between an answer's end and its next question. With both, many sessions can be open
   * at once while fewer turns are in flight.
   *
   * @param clients concurrent clients
   * @param requestsPerClient turns each client sends
   * @param rampUp the span over which the clients start, zero for all at once
   * @param thinkTime each client's pause between an answer and its next question
   */
  record Closed(int clients, int requestsPerClient, Duration rampUp, Duration thinkTime) implements LoadPlan {
    private static final Duration MAX_PAUSE = Duration.ofHours(1);

    /**
     * Validates all four.
     *
     * @param clients concurrent clients, 1..100,000
     * @param requestsPerClient turns each client sends, 1..1,000,000
     * @param rampUp the span over which the clients start, 0..1 h; zero for all at once
     * @param thinkTime each client's pause between an answer and its next question, 0..1 h
     * @throws IllegalArgumentException naming the value, when out of range
     */
    public Closed {
      if (clients < 1 || clients > 100_000) {
        throw new IllegalArgumentException("clients must be in 1..100000 but was " + clients);
      }
      if (requestsPerClient < 1 || requestsPerClient > 1_000_000) {
        throw new IllegalArgumentException("requestsPerClient must be in 1..1000000 but was " + requestsPerClient);
      }
      Objects.requireNonNull(rampUp, "rampUp");
      Objects.requireNonNull(thinkTime, "thinkTime");
      if (rampUp.isNegative() || rampUp.compareTo(MAX_PAUSE) > 0) {
        throw new IllegalArgumentException("rampUp must be in 0..1h but was " + rampUp);
      }
      if (thinkTime.isNegative() || thinkTime.compareTo(MAX_PAUSE) > 0) {
        throw new IllegalArgumentException("thinkTime must be in 0..1h but was " + thinkTime);
      }
    }

    /**
     * All clients at once, each asking again as soon as its answer has ended.
     *
     * @param clients concurrent clients, 1..100,000
     * @param requestsPerClient turns each client sends, 1..1,000,000
     * @throws IllegalArgumentException naming the value, when out of range
     */
    public Closed(int clients, int requestsPerClient) {
      this(clients, requestsPerClient, Duration.ZERO, Duration.ZERO);
    }

    /**
     * When client {@code c} sends its first question, after the run's start.
     *
     * @param c the client, 0-based
     * @return its delay
     */
    Duration startOf(int c) {
      return clients == 1 ? Duration.ZERO : rampUp.multipliedBy(c).dividedBy(clients);
    }

    @Override
    public String describe() {
      String pacing = (rampUp.isZero() ? "" : ", starting over " + words(rampUp))
          + (thinkTime.isZero() ? "" : ", " + words(thinkTime) + " think time between turns");
      return clients == 1
          ? "closed model, 1 client x " + LoadReport.count(requestsPerClient, "sequential turn") + " (latency tests)"
              + pacing
          : "closed model, " + clients + " concurrent clients x " + LoadReport.count(requestsPerClient, "turn") + pacing;
    }
  }

  private static String words(Duration d) {
    return d.compareTo(Duration.ofSeconds(1)) < 0 ? d.toMillis() + " ms"
        : String.format(Locale.ROOT, "%.1f s", d.toNanos() / 1e9);
  }

  /**
   * The open model: turns are sent on a fixed schedule, {@code ratePerSecond} of them, whatever
   * happens to the earlier ones, and each turn's latency counts from its scheduled time. Shows the
   * tail latency a closed model hides (coordinated omission).
   *
   * @param ratePerSecond turns started per second
   * @param duration how long to send
   */
  record Open(double ratePerSecond, Duration duration) implements LoadPlan {
    /**
     * Validates both.
     *
     * @param ratePerSecond turns started per second, above 0 and at most 100,000
     * @param duration how long to send, positive
     * @throws IllegalArgumentException naming the value, when out of range
     */
    public Open {
      Objects.requireNonNull(duration, "duration");
      if (!(ratePerSecond > 0 && ratePerSecond <= 100_000)) {
        throw new IllegalArgumentException("ratePerSecond must be in (0, 100000] but was " + ratePerSecond);
      }
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("duration must be positive but was " + duration);
      }
    }

    /**
     * Counts the turns this plan sends.
     *
     * @return the rate times the duration, rounded down, at least 1
     */
    public long turns() {
      return Math.max(1, (long) Math.floor(ratePerSecond * duration.toNanos() / 1e9));
    }

    @Override
    public String describe() {
      return String.format(Locale.ROOT, "open model, %.1f turns/s for %.1f s (%s)", ratePerSecond,
          duration.toNanos() / 1e9, LoadReport.count(turns(), "turn"));
    }
  }
}
