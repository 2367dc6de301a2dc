package dev.officehours.testkit;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline, polling; fails naming what did not happen. */
public final class Await {
  /** How long a contract waits for anything: generous, so a loaded machine does not fail it. */
  public static final Duration PATIENCE = Duration.ofSeconds(10);

  private Await() {}

  /**
   * Returns once {@code condition} holds; fails after {@link #PATIENCE}.
   *
   * @param what what is awaited, for the failure message
   * @param condition the condition
   */
  public static void until(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + PATIENCE.toSeconds() + " s: " + what);
      }
      LockSupport.parkNanos(2_000_000L); // poll interval
    }
  }
}
