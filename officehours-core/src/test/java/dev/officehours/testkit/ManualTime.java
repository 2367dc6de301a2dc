package dev.officehours.testkit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A time source the contract moves forward by hand, for stores whose expiry reads an injectable
 * clock: build your store with {@code ticker(time::nanos)} (Caffeine's {@code Ticker}) or any
 * equivalent, and the contract checks expiry without waiting.
 */
public final class ManualTime {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  /** A time source at an arbitrary start. */
  public ManualTime() {}

  /**
   * The current time.
   *
   * @return nanoseconds since an arbitrary origin, like {@link System#nanoTime()}
   */
  public long nanos() {
    return nanos.get();
  }

  /**
   * Moves time forward.
   *
   * @param by how far; not negative
   */
  public void advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("time does not go back: " + by);
    }
    nanos.addAndGet(by.toNanos());
  }
}
