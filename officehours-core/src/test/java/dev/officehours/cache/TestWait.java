package dev.officehours.cache;

import java.util.function.BooleanSupplier;

/** Awaits a condition with a deadline, polling; fails naming what did not happen. */
final class TestWait {
  private TestWait() {}

  static void until(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 10 s: " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L); // poll interval
    }
  }
}
