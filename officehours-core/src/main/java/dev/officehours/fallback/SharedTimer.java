package dev.officehours.fallback;

import dev.officehours.PipelineClock;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The real clock for chains built with {@link PipelineClock#system()}: one daemon timer thread for
 * every chain in the process, started on first use. Its tasks only start non-blocking calls.
 */
final class SharedTimer implements PipelineClock {
  private static volatile SharedTimer instance;
  private final ScheduledThreadPoolExecutor timer;

  private SharedTimer() {
    timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "officehours-fallback-timer");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
  }

  /** {@code clock} itself, or the shared timer for the system clock's marker. */
  static PipelineClock resolve(PipelineClock clock) {
    if (clock != PipelineClock.system()) {
      return clock;
    }
    SharedTimer t = instance;
    if (t == null) {
      synchronized (SharedTimer.class) {
        t = instance;
        if (t == null) {
          t = new SharedTimer();
          instance = t;
        }
      }
    }
    return t;
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Timer schedule(Runnable task, Duration delay) {
    ScheduledFuture<?> f = timer.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }
}
