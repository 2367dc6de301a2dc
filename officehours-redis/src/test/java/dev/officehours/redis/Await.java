package dev.officehours.redis;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Awaits a condition by polling with a deadline; fails naming what did not happen. */
final class Await {
  private Await() {}

  /** @return how long it took */
  static Duration until(Duration limit, String what, BooleanSupplier condition) {
    long start = System.nanoTime();
    long deadline = start + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + limit.toMillis() + " ms: " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // poll interval
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }
}
