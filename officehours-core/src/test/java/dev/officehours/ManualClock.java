package dev.officehours;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A {@link PipelineClock} that moves only when the test says so: {@link #advance} runs every task
 * that has come due, in time order, on the test's thread (tasks only enqueue onto a turn's
 * mailbox, so they return at once).
 */
final class ManualClock implements PipelineClock {
  private static final class Task {
    final long due;
    final long seq;
    final Runnable run;
    volatile boolean cancelled;

    Task(long due, long seq, Runnable run) {
      this.due = due;
      this.seq = seq;
      this.run = run;
    }
  }

  private final List<Task> tasks = new ArrayList<>();
  private long now = 1_000_000_000L;
  private long seq;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Timer schedule(Runnable task, Duration delay) {
    Task t = new Task(now + Math.max(0, delay.toNanos()), seq++, task);
    tasks.add(t);
    notifyAll();
    return () -> t.cancelled = true;
  }

  /** Moves time forward by {@code d}, running what comes due on the way. */
  void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.stream().filter(t -> !t.cancelled && t.due <= target)
            .min(Comparator.comparingLong((Task t) -> t.due).thenComparingLong(t -> t.seq))
            .orElse(null);
        if (next == null) {
          now = target;
          tasks.removeIf(t -> t.cancelled);
          return;
        }
        tasks.remove(next);
        now = Math.max(now, next.due);
      }
      next.run.run();
    }
  }

  /** Moves time forward without running anything (a timer that has not fired yet). */
  synchronized void jump(Duration d) {
    now += d.toNanos();
  }

  /** Tasks scheduled and neither run nor cancelled. */
  synchronized int pending() {
    return (int) tasks.stream().filter(t -> !t.cancelled).count();
  }

  /** Waits until at least {@code n} tasks are pending (a turn has armed its timers). */
  synchronized void awaitPending(int n) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (pending() < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("fewer than " + n + " timers armed within 10 s: " + pending());
      }
      try {
        java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }
}
