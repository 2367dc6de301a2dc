package dev.officehours;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** {@link System#nanoTime()} with a timer thread of one pipeline's own, stopped at close. */
final class SystemClock implements PipelineClock, AutoCloseable {
  /** Stands for "the system clock" in the builder until the pipeline makes its own. */
  static final PipelineClock MARKER = new PipelineClock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public Timer schedule(Runnable task, Duration delay) {
      throw new IllegalStateException("the system clock marker has no timer");
    }

    @Override
    public String toString() {
      return "PipelineClock.system()";
    }
  };

  private final ScheduledThreadPoolExecutor timer;

  SystemClock(String threadName) {
    this.timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
    this.timer.setRemoveOnCancelPolicy(true);
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Timer schedule(Runnable task, Duration delay) {
    try {
      ScheduledFuture<?> f = timer.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return () -> {}; // closed: the pipeline is ending every turn anyway
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  boolean awaitTermination(long millis) throws InterruptedException {
    return timer.awaitTermination(millis, TimeUnit.MILLISECONDS);
  }
}
