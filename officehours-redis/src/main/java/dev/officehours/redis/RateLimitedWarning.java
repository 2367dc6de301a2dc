package dev.officehours.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs a warning at most once per interval and counts the ones it swallowed, so a Redis outage
 * under load writes a line every few seconds rather than one per cache lookup.
 */
final class RateLimitedWarning {
  private final Logger log;
  private final long intervalNanos;
  private final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong suppressed = new AtomicLong();

  RateLimitedWarning(Logger log, Duration interval) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
  }

  /** Logs {@code what} (what failed and what it cost) and the cause's message, unless a warning was logged within the interval. */
  void warn(String what, Throwable cause) {
    long now = System.nanoTime();
    long next = nextAllowed.get();
    if ((next != Long.MIN_VALUE && now - next < 0) || !nextAllowed.compareAndSet(next, now + intervalNanos)) {
      suppressed.incrementAndGet();
      return;
    }
    long skipped = suppressed.getAndSet(0);
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    log.warn("{} ({}: {}){}", what, root.getClass().getSimpleName(), root.getMessage(),
        skipped > 0 ? "; " + skipped + " similar warnings suppressed" : "");
  }
}
