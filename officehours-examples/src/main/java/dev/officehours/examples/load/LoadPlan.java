package dev.officehours.examples.load;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/** How a load test sends its turns: a closed or an open model. */
public sealed interface LoadPlan {

  /** The plan in words, for the report. */
  String describe();

  /**
   * The closed model: {@code clients} simulated users, each sending its next question only when
   * the previous answer has finished ({@code --latency-tests N} is one client asking N times).
   * Measures what a waiting user sees; under overload it slows the offered load down with the
   * system, so it can hide tail latency.
   *
   * @param clients concurrent clients
   * @param requestsPerClient turns each client sends
   */
  record Closed(int clients, int requestsPerClient) implements LoadPlan {
    /** Validates both. */
    public Closed {
      if (clients < 1 || clients > 100_000) {
        throw new IllegalArgumentException("clients must be in 1..100000 but was " + clients);
      }
      if (requestsPerClient < 1 || requestsPerClient > 1_000_000) {
        throw new IllegalArgumentException("requestsPerClient must be in 1..1000000 but was " + requestsPerClient);
      }
    }

    @Override
    public String describe() {
      return clients == 1
          ? "closed model, 1 client x " + requestsPerClient + " sequential turns (latency tests)"
          : "closed model, " + clients + " concurrent clients x " + requestsPerClient + " turns";
    }
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
    /** Validates both. */
    public Open {
      Objects.requireNonNull(duration, "duration");
      if (!(ratePerSecond > 0 && ratePerSecond <= 100_000)) {
        throw new IllegalArgumentException("ratePerSecond must be in (0, 100000] but was " + ratePerSecond);
      }
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("duration must be positive but was " + duration);
      }
    }

    /** Turns this plan sends. */
    public long turns() {
      return Math.max(1, (long) Math.floor(ratePerSecond * duration.toNanos() / 1e9));
    }

    @Override
    public String describe() {
      return String.format(Locale.ROOT, "open model, %.1f turns/s for %.1f s (%d turns)", ratePerSecond,
          duration.toNanos() / 1e9, turns());
    }
  }
}
